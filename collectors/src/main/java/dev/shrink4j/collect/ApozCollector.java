package dev.shrink4j.collect;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Average percentage of zeros per output channel (APoZ, Hu et al. 2016; NNI's
 * {@code ActivationAPoZRankFilterPrunerMasker} statistic): for each channel {@code c} of the attached
 * layer's output {@code y [N, C, H, W]},
 *
 * <pre>apoz[c] = Σ_batches #{(n,h,w) : activation(y)[n, c, h, w] == 0} / Σ_batches N·H·W</pre>
 *
 * equal to NNI's {@code sum(eq(cat(activations), 0), dim=(0, 2, 3)) / numel(cat(activations)[:, 0])}
 * over the same batches, kept as running counts. The score is {@code 1 − apoz[c]}, NNI's value:
 * filters whose activations are mostly zero are the least important. The activation defaults to ReLU.
 */
public final class ApozCollector extends ChannelStatisticsCollector {

    private final UnaryOperator<Tensor> activation;

    /** A collector applying ReLU to the outputs. */
    public ApozCollector() {
        this(ActivationFunctions.RELU);
    }

    /** A collector applying {@code activation} (see {@link ActivationFunctions}) to the outputs. */
    public ApozCollector(UnaryOperator<Tensor> activation) {
        this.activation = Objects.requireNonNull(activation, "activation");
    }

    @Override
    protected HookHandle install(ModuleWrapper wrapper) {
        return sumOutputsPerChannel(wrapper, y -> activation.apply(y).eq(new Scalar(0.0)));
    }

    /**
     * The average percentage of zeros per channel of layer {@code name}, in {@code [0, 1]}.
     *
     * @throws IllegalStateException before the first batch
     */
    public double[] apoz(String name) {
        return channelMeans(name);
    }

    /** {@code 1 − APoZ} per channel: larger means more important. */
    @Override
    public double[] scores(String name) {
        double[] a = apoz(name);
        for (int c = 0; c < a.length; c++) {
            a[c] = 1.0 - a[c];
        }
        return a;
    }
}
