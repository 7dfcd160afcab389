package dev.shrink4j.distill.losses;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A distillation loss as MMRazor defines it: built from its config object ({@link DistillLosses#fromJson}),
 * it takes its inputs by the names of its forward arguments, which is what a distiller's
 * {@code loss_forward_mappings} refers to:
 *
 * <pre>{@code
 * DistillLoss loss = DistillLosses.fromJson("{\"type\": \"KLDivergence\", \"tau\": 4, \"loss_weight\": 0.5}");
 * Tensor value = loss.forward(Map.of("preds_S", studentLogits, "preds_T", teacherLogits));
 * }</pre>
 *
 * <p>Every loss multiplies its result by {@link #lossWeight()} ({@code loss_weight}, 1 unless the loss
 * says otherwise). The result is a scalar except under {@code reduction: "none"}, where it has the
 * input's shape; a distiller then takes its mean, as MMRazor's runner does. Inputs keep their autograd
 * history: the loss is differentiable in the student's inputs (and in the teacher's where the loss does
 * not detach them).
 */
public abstract class DistillLoss {

    private final String type;
    private final double lossWeight;
    private final List<String> arguments;

    /**
     * @param type       the config name, e.g. {@code KLDivergence}
     * @param lossWeight {@code loss_weight}
     * @param arguments  the forward arguments' names, in MMRazor's order
     */
    protected DistillLoss(String type, double lossWeight, String... arguments) {
        this.lossWeight = check(type, "loss_weight", lossWeight, Double.isFinite(lossWeight), "a finite number");
        this.type = type;
        this.arguments = List.of(arguments);
    }

    /**
     * A constructor's check of option {@code option}: {@code value} when it is greater than 0 (the configs
     * check it already, with {@code ConfigReader.positive}; this is for losses built in Java).
     *
     * @throws IllegalArgumentException {@code <type>: <option> must be greater than 0, got <value>}
     */
    protected final double positive(String option, double value) {
        return check(type, option, value, value > 0, "greater than 0");
    }

    /**
     * A constructor's check of option {@code option}: {@code value} when it is finite.
     *
     * @throws IllegalArgumentException {@code <type>: <option> must be a finite number, got <value>}
     */
    protected final double finite(String option, double value) {
        return check(type, option, value, Double.isFinite(value), "a finite number");
    }

    private static double check(String type, String option, double value, boolean valid, String expected) {
        if (!valid) {
            throw new IllegalArgumentException(type + ": " + option + " must be " + expected + ", got " + value);
        }
        return value;
    }

    /** The config name ({@code "type"}), e.g. {@code KLDivergence}. */
    public final String type() {
        return type;
    }

    /** {@code loss_weight}: the factor applied to the result. */
    public final double lossWeight() {
        return lossWeight;
    }

    /** The names of the forward arguments, in order, e.g. {@code [preds_S, preds_T]}. */
    public final List<String> forwardArguments() {
        return arguments;
    }

    /**
     * The arguments a mapping must provide: those without a default in MMRazor's {@code forward}
     * signature, which for every built-in loss is all of them.
     */
    public List<String> requiredArguments() {
        return arguments;
    }

    /**
     * Computes the loss from its inputs by argument name.
     *
     * @throws IllegalArgumentException naming the loss and the argument when a name is not a forward
     *     argument or a required argument is missing
     */
    public final Tensor forward(Map<String, Tensor> inputs) {
        List<String> problems = new ArrayList<>();
        for (String name : inputs.keySet()) {
            if (!arguments.contains(name)) {
                problems.add("\"" + name + "\" is not a forward argument");
            }
        }
        for (String name : requiredArguments()) {
            if (inputs.get(name) == null) {
                problems.add("missing argument \"" + name + "\"");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(type + ".forward: " + String.join("; ", problems) + " (its arguments: "
                    + String.join(", ", arguments) + ")");
        }
        return compute(inputs);
    }

    /** The loss of inputs already checked by {@link #forward}: every required argument is present. */
    protected abstract Tensor compute(Map<String, Tensor> inputs);

    /**
     * What is wrong with these inputs' shapes or types for this loss, one phrase each (empty when they
     * fit), e.g. {@code preds_S has shape [8, 10] but preds_T has shape [8, 100]; they must be equal}.
     * A distiller asks this on its first batch, before computing anything, so that a config that does not
     * fit the models fails with names instead of a libtorch error.
     */
    public List<String> inputProblems(Map<String, Tensor> inputs) {
        return List.of();
    }

    /** {@code [8, 10]}. */
    protected static String shape(Tensor t) {
        return Arrays.toString(t.shape());
    }

    /** Adds a problem unless {@code a} and {@code b} have the same shape. */
    protected static void requireSameShape(String aName, Tensor a, String bName, Tensor b, List<String> problems) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            problems.add(aName + " has shape " + shape(a) + " but " + bName + " has shape " + shape(b) + "; they must be equal");
        }
    }

    /** Adds a problem unless {@code t} has at least {@code min} dimensions. */
    protected static boolean requireDims(String name, Tensor t, int min, int max, List<String> problems) {
        if (t.dim() < min || t.dim() > max) {
            String expected = min == max ? min + "-D" : max == Integer.MAX_VALUE ? "at least " + min + "-D" : min + "-D to " + max + "-D";
            problems.add(name + " has shape " + shape(t) + "; expected " + expected);
            return false;
        }
        return true;
    }

    /** Adds a problem unless {@code a} and {@code b} hold the same number of samples (dimension 0). */
    protected static boolean requireSameBatch(String aName, Tensor a, String bName, Tensor b, List<String> problems) {
        if (a.dim() == 0 || b.dim() == 0 || a.size(0) != b.size(0)) {
            problems.add(aName + " has shape " + shape(a) + " but " + bName + " has shape " + shape(b)
                    + "; they must hold the same number of samples (dimension 0)");
            return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return type + "(loss_weight=" + lossWeight + ")";
    }
}
