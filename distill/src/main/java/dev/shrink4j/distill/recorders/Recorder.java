package dev.shrink4j.distill.recorders;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Records intermediate results of a model from outside, while a recording context is open (MMRazor's
 * recorders): {@link #start()} clears the records and starts recording, {@link #stop()} stops; every call
 * of the source inside the context adds one record, so a module called twice (a ReLU reused in a block)
 * has two, read by {@code record_idx}. A record is one tensor, or a tuple read by {@code data_idx}.
 *
 * <p>A recorder attaches to its model by handle ({@link #attach}), like a compressor's wrappers, and
 * {@link #detach()} (or {@link #close()}) removes every hook it added. Records are the tensors the model
 * computed (not copies, not detached): they belong to the step's {@code PointerScope}, so they live for
 * one step; {@link #clear()} drops the references once the step is done.
 */
public abstract class Recorder implements AutoCloseable {

    private final String type;
    private final String source;
    private final List<List<Tensor>> records = new ArrayList<>();
    private HookHandle handle;
    private boolean recording;

    /**
     * @param type   the config name ({@code ModuleOutputs})
     * @param source what is recorded: a dotted module or parameter name, {@code ""} for none
     */
    protected Recorder(String type, String source) {
        this.type = Objects.requireNonNull(type, "type");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** The config name, e.g. {@code ModuleOutputs}. */
    public final String type() {
        return type;
    }

    /** The dotted name of what is recorded ({@code layer1.0.relu}, {@code fc.weight}). */
    public final String source() {
        return source;
    }

    /**
     * Why this recorder cannot attach to {@code model} (its source is not there, or is not what it
     * records), or null when it can.
     */
    public abstract String attachProblem(Module model);

    /**
     * Hooks onto {@code model}.
     *
     * @return the handle that removes what was added
     * @throws IllegalArgumentException when {@link #attachProblem} finds a problem
     */
    protected abstract HookHandle hook(Module model);

    /**
     * Attaches to {@code model}.
     *
     * @throws IllegalArgumentException naming the source when it is not in the model
     * @throws IllegalStateException when already attached
     */
    public final void attach(Module model) {
        if (handle != null) {
            throw new IllegalStateException(type + " recorder of \"" + source + "\" is already attached");
        }
        String problem = attachProblem(model);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        handle = hook(model);
    }

    /** Whether {@link #attach} has run and {@link #detach()} has not. */
    public final boolean isAttached() {
        return handle != null;
    }

    /** Removes the hooks and the records. Idempotent. */
    public final void detach() {
        if (handle != null) {
            handle.remove();
            handle = null;
        }
        records.clear();
    }

    /** Opens the recording context: drops earlier records and records every call from now on. */
    public void start() {
        records.clear();
        recording = true;
    }

    /** Closes the recording context; the records stay readable until {@link #clear()} or the next {@link #start()}. */
    public final void stop() {
        recording = false;
    }

    /** Whether a recording context is open. */
    public final boolean isRecording() {
        return recording;
    }

    /** Drops the records once a step is done (the tensors themselves belong to the step's scope). */
    public void clear() {
        records.clear();
    }

    /** Adds one record, when recording: a tensor, or the elements of a tuple. */
    protected final void add(Tensor... data) {
        if (recording) {
            records.add(List.of(data));
        }
    }

    /**
     * Adds one record whether or not a context is open: for records that outlive contexts (parameters) and
     * for those the distillation step feeds itself (the task loss's inputs).
     */
    protected final void addAlways(Tensor... data) {
        records.add(List.of(data));
    }

    /** How many records there are: the calls since {@link #start()}. */
    public final int recordCount() {
        return records.size();
    }

    /**
     * Whether this recorder's records are tuples (so {@code data_idx} picks an element), and how many
     * elements they have; 0 for single tensors.
     */
    public abstract int tupleSize();

    /**
     * What is wrong with reading {@code dataIdx} from this recorder's records (null when nothing):
     * {@code data_idx} on a single tensor, out of a tuple's range, or absent where the tuple has several
     * elements. Known before any step runs, so a distiller checks it with the config.
     */
    public String dataIdxProblem(Long dataIdx) {
        int size = tupleSize();
        if (size == 0) {
            return dataIdx == null ? null : description() + " records a single tensor, not a tuple; remove data_idx " + dataIdx;
        }
        if (dataIdx == null) {
            return size == 1 ? null : description() + " records a tuple of " + size + "; give data_idx";
        }
        return dataIdx < size ? null : "data_idx " + dataIdx + " is outside the " + size + "-tuple " + description() + " records";
    }

    /**
     * Record {@code recordIdx} (the {@code recordIdx}-th call), element {@code dataIdx} of it (null for a
     * single tensor, or the only element of a 1-tuple).
     *
     * @throws IllegalArgumentException when {@code dataIdx} does not fit ({@link #dataIdxProblem})
     * @throws IllegalStateException when there are not that many records (the source ran fewer times)
     */
    public final Tensor record(int recordIdx, Long dataIdx) {
        String problem = dataIdxProblem(dataIdx);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (recordIdx < 0 || recordIdx >= records.size()) {
            throw new IllegalStateException("record_idx " + recordIdx + " of " + description() + ": it has " + records.size()
                    + " record(s) in this step (the source ran " + records.size() + " time(s))");
        }
        List<Tensor> record = records.get(recordIdx);
        return record.get(dataIdx == null ? 0 : dataIdx.intValue());
    }

    /** {@code ModuleOutputs of "layer1.0.relu"}. */
    public String description() {
        return type + " of \"" + source + "\"";
    }

    /** Same as {@link #detach()}. */
    @Override
    public final void close() {
        detach();
    }

    @Override
    public String toString() {
        return description();
    }

    /** The module at {@code source} in {@code model}, or null. */
    static Module findModule(Module model, String source) {
        return model.namedModules().get(source);
    }

    /** {@code no module "x" in LeNet5 (its modules: conv1, relu1, …)}. */
    static String noModule(Module model, String source) {
        List<String> names = new ArrayList<>(model.namedModules().keySet());
        names.remove("");
        return "no module \"" + source + "\" in " + model.typeName() + " (its modules: " + abbreviate(names) + ")";
    }

    /** The first names of a long list, then how many more. */
    static String abbreviate(List<String> names) {
        int shown = Math.min(names.size(), 12);
        String head = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? head + ", … " + (names.size() - shown) + " more" : head;
    }
}
