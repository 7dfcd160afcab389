package dev.shrink4j.collect;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Mean activation per output channel (NNI's {@code ActivationMeanRankFilterPrunerMasker}
 * statistic): for each channel {@code c} of the attached layer's output {@code y [N, C, H, W]},
 *
 * <pre>mean[c] = Σ_batches Σ_(n,h,w) activation(y)[n, c, h, w] / Σ_batches N·H·W</pre>
 *
 * which equals NNI's {@code torch.mean(torch.cat(activations, 0), dim=(0, 2, 3))} over the same
 * batches, kept as a running sum instead of a list of tensors. The score is the mean itself: filters
 * with the smallest mean activation are the least important. The activation defaults to ReLU.
 */
public final class MeanActivationCollector extends ChannelStatisticsCollector {

    private final UnaryOperator<Tensor> activation;

    /** A collector applying ReLU to the outputs. */
    public MeanActivationCollector() {
        this(ActivationFunctions.RELU);
    }

    /** A collector applying {@code activation} (see {@link ActivationFunctions}) to the outputs. */
    public MeanActivationCollector(UnaryOperator<Tensor> activation) {
        this.activation = Objects.requireNonNull(activation, "activation");
    }

    @Override
    protected HookHandle install(ModuleWrapper wrapper) {
        return sumOutputsPerChannel(wrapper, activation);
    }

    /**
     * The mean activation per channel of layer {@code name}.
     *
     * @throws IllegalStateException before the first batch
     */
    public double[] mean(String name) {
        return channelMeans(name);
    }

    /** The mean activation per channel: larger means more important. */
    @Override
    public double[] scores(String name) {
        return mean(name);
    }
}
