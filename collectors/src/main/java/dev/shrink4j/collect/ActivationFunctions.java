package dev.shrink4j.collect;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The activations an activation collector applies to a layer's output before counting, as NNI's
 * {@code activation='relu' | 'relu6'} option; any {@code UnaryOperator<Tensor>} works as well.
 */
public final class ActivationFunctions {

    /** {@code max(x, 0)}: the default, as NNI's. */
    public static final UnaryOperator<Tensor> RELU = torch::relu;
    /** {@code min(max(x, 0), 6)}. */
    public static final UnaryOperator<Tensor> RELU6 = torch::relu6;
    /** The output as it is (for layers whose output is already activated). */
    public static final UnaryOperator<Tensor> IDENTITY = x -> x;

    private ActivationFunctions() {
    }

    /**
     * The activation NNI names {@code name}: {@code "relu"}, {@code "relu6"} or {@code "identity"}
     * (case-insensitive), for config files and the command line.
     *
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static UnaryOperator<Tensor> byName(String name) {
        String key = name == null ? "null" : name.toLowerCase(java.util.Locale.ROOT);
        return switch (key) {
            case "relu" -> RELU;
            case "relu6" -> RELU6;
            case "identity" -> IDENTITY;
            default -> throw new IllegalArgumentException("activation \"" + name
                    + "\" is not supported; expected one of relu, relu6, identity");
        };
    }
}
