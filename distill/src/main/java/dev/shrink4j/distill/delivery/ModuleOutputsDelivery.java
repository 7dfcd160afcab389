package dev.shrink4j.distill.delivery;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Delivers a teacher module's outputs to the student (MMRazor's deliveries, for a module rather than a
 * patched Python method): while the delivery is active and not overriding, each output of the teacher's
 * module {@code source} is queued; while it is active and overriding, each call of the student's module
 * {@code target} (by default the module of the same name) returns the oldest queued output instead of its
 * own. Used where teacher and student must see the same random draw (an augmentation or a dropout
 * module inside the model).
 *
 * <p>The queue holds at most {@code max_keep_data} outputs (FIFO); pushing into a full queue or popping
 * from an empty one is an error naming the delivery. Unlike MMRazor, {@link #clear()} empties it at every
 * step, so a step that did not consume what it pushed cannot jam the next one.
 *
 * <p>One difference from MMRazor remains: the student module's own forward still runs (its result is
 * discarded), because a shrink4j forward hook can replace an output but not skip the call. Side effects
 * of that forward (a BatchNorm's running statistics, a random draw) therefore still happen. The
 * delivered output must have the shape the student's own would have had.
 */
public final class ModuleOutputsDelivery implements AutoCloseable {

    /** The config name. */
    public static final String TYPE = "ModuleOutputs";

    private final String name;
    private final String source;
    private final String target;
    private final int maxKeepData;
    private final ArrayDeque<Tensor> queue = new ArrayDeque<>();
    private HookHandle teacherHandle;
    private HookHandle studentHandle;
    private boolean active;
    private boolean override;

    /**
     * @param name        the delivery's name in the config (for messages)
     * @param source      the teacher's module whose outputs are delivered
     * @param target      the student's module whose outputs are replaced
     * @param maxKeepData the queue's capacity: how often the source may run in one step
     * @throws IllegalArgumentException when {@code maxKeepData} is not positive
     */
    public ModuleOutputsDelivery(String name, String source, String target, int maxKeepData) {
        if (maxKeepData < 1) {
            throw new IllegalArgumentException("delivery \"" + name + "\": max_keep_data must be at least 1, got " + maxKeepData);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.target = Objects.requireNonNull(target, "target");
        this.maxKeepData = maxKeepData;
    }

    /** The teacher's module. */
    public String source() {
        return source;
    }

    /** The student's module. */
    public String target() {
        return target;
    }

    /** The queue's capacity. */
    public int maxKeepData() {
        return maxKeepData;
    }

    /**
     * Hooks the teacher's {@code source} and the student's {@code target}.
     *
     * @throws IllegalArgumentException naming the module that is missing
     * @throws IllegalStateException when already attached
     */
    public void attach(Module teacher, Module student) {
        if (teacherHandle != null) {
            throw new IllegalStateException("delivery \"" + name + "\" is already attached");
        }
        Module from = module(teacher, source, "teacher");
        Module to = module(student, target, "student");
        teacherHandle = from.registerForwardHook((m, input, output) -> {
            if (active && !override) {
                push(output);
            }
            return output;
        });
        studentHandle = to.registerForwardHook((m, input, output) -> active && override ? pop(output) : output);
    }

    private Module module(Module model, String path, String role) {
        Module m = model.namedModules().get(path);
        if (m == null) {
            throw new IllegalArgumentException("delivery \"" + name + "\": no module \"" + path + "\" in the " + role + " ("
                    + model.typeName() + ")");
        }
        return m;
    }

    private void push(Tensor output) {
        if (queue.size() >= maxKeepData) {
            throw new IllegalStateException("delivery \"" + name + "\": the teacher's \"" + source + "\" ran more than max_keep_data="
                    + maxKeepData + " time(s) in one step; raise max_keep_data");
        }
        queue.addLast(output);
    }

    private Tensor pop(Tensor own) {
        Tensor delivered = queue.pollFirst();
        if (delivered == null) {
            throw new IllegalStateException("delivery \"" + name + "\": the student's \"" + target
                    + "\" ran more often than the teacher's \"" + source + "\" in this step (nothing left to deliver)");
        }
        if (!Arrays.equals(delivered.shape(), own.shape())) {
            throw new IllegalStateException("delivery \"" + name + "\": the teacher's \"" + source + "\" output has shape "
                    + Arrays.toString(delivered.shape()) + " but the student's \"" + target + "\" has "
                    + Arrays.toString(own.shape()));
        }
        return delivered;
    }

    /** Turns delivering on (the distillation step) or off (any other forward). */
    public void setActive(boolean on) {
        this.active = on;
    }

    /** False: queue the teacher's outputs; true: hand them to the student. */
    public void setOverride(boolean on) {
        this.override = on;
    }

    /** How many outputs are queued. */
    public int queued() {
        return queue.size();
    }

    /** Empties the queue (every step). */
    public void clear() {
        queue.clear();
    }

    /** Removes both hooks and empties the queue. Idempotent. */
    @Override
    public void close() {
        if (teacherHandle != null) {
            teacherHandle.remove();
            studentHandle.remove();
            teacherHandle = null;
            studentHandle = null;
        }
        queue.clear();
    }

    @Override
    public String toString() {
        return "ModuleOutputsDelivery(" + name + ": teacher \"" + source + "\" → student \"" + target + "\", max_keep_data="
                + maxKeepData + ")";
    }
}
