package dev.shrink4j.collect;

import dev.shrink4j.compress.ActivationCollector;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Base of the collectors that keep one running statistic per output channel (per filter) of each
 * layer they are attached to: a per-channel sum, the number of elements summed per channel, and the
 * number of batches seen. Subclasses decide what is summed ({@link #install}) and how the sums become
 * scores ({@link #scores(String)}: higher means more important, so pruners remove the lowest).
 *
 * <p>State is kept per layer name. Closing the handle returned by {@link #attach} stops collection on
 * that layer but keeps what was collected, so a pruner can detach first and read afterwards;
 * attaching the same layer again resumes the running sums. {@link #close()} detaches every layer.
 */
public abstract class ChannelStatisticsCollector implements ActivationCollector, AutoCloseable {

    /** Running state of one layer. */
    private static final class LayerState {
        double[] sums;
        long elementsPerChannel;
        long batches;
        HookHandle hook;
    }

    private final Map<String, LayerState> layers = new LinkedHashMap<>();

    /**
     * Starts collecting on {@code wrapper}'s layer.
     *
     * @throws IllegalStateException when this collector is already attached to a layer of that name
     */
    @Override
    public final HookHandle attach(ModuleWrapper wrapper) {
        Objects.requireNonNull(wrapper, "wrapper");
        String name = wrapper.name();
        LayerState state = layers.computeIfAbsent(name, n -> new LayerState());
        if (state.hook != null) {
            throw new IllegalStateException(kind() + " is already attached to layer \"" + name + "\"");
        }
        HookHandle installed = install(wrapper);
        HookHandle handle = new HookHandle() {
            private boolean removed;

            @Override
            public void remove() {
                if (!removed) {
                    removed = true;
                    installed.remove();
                    state.hook = null;
                }
            }
        };
        state.hook = handle;
        return handle;
    }

    /**
     * Installs whatever feeds {@link #add} for this layer (a forward hook, a registration).
     *
     * @return a handle that uninstalls it
     */
    protected abstract HookHandle install(ModuleWrapper wrapper);

    /**
     * Adds one batch to layer {@code name}: {@code perChannel[c]} is the batch's sum for channel
     * {@code c} and {@code elementsPerChannel} how many elements each channel summed.
     *
     * @throws IllegalStateException when the channel count changes between batches
     */
    protected final void add(String name, double[] perChannel, long elementsPerChannel) {
        LayerState s = layers.get(name);
        if (s == null) {
            throw new IllegalStateException(kind() + " has no state for layer \"" + name + "\"");
        }
        if (s.sums == null) {
            s.sums = new double[perChannel.length];
        } else if (s.sums.length != perChannel.length) {
            throw new IllegalStateException(kind() + ": layer \"" + name + "\" produced " + perChannel.length
                    + " channels, earlier batches had " + s.sums.length);
        }
        for (int c = 0; c < perChannel.length; c++) {
            s.sums[c] += perChannel[c];
        }
        s.elementsPerChannel += elementsPerChannel;
        s.batches++;
    }

    /**
     * Installs a forward hook on {@code wrapper}'s layer that adds, for every batch, the per-channel
     * sum of {@code summand(output)} and its element count per channel (all elements of the tensor
     * divided by its channel count) to the layer's running statistics. The output is detached and no
     * gradient is recorded; {@code summand} runs inside the hook's pointer scope, so its temporaries
     * are freed with it. Activation statistics differ only in what they sum, so they share this hook
     * and {@link #channelMeans}.
     *
     * @param summand maps the layer output {@code [N, C, ...]} to the same-shaped tensor to sum
     * @return a handle that removes the hook, as {@link #install} must return
     */
    protected final HookHandle sumOutputsPerChannel(ModuleWrapper wrapper, UnaryOperator<Tensor> summand) {
        Objects.requireNonNull(summand, "summand");
        String name = wrapper.name();
        return wrapper.module().registerForwardHook((module, input, output) -> {
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor summed = summand.apply(output.detach());
                long channels = summed.dim() < 2 ? 1 : summed.size(1);
                add(name, perChannelSum(summed, name, kind()), summed.numel() / channels);
            }
            return output;
        });
    }

    /**
     * The per-channel running sums of layer {@code name} divided by the number of elements each
     * channel summed: the mean over every batch seen, as if the batches had been concatenated.
     *
     * @throws IllegalStateException before the first batch
     */
    protected final double[] channelMeans(String name) {
        LayerState s = requireData(name);
        double[] means = s.sums.clone();
        for (int c = 0; c < means.length; c++) {
            means[c] /= s.elementsPerChannel;
        }
        return means;
    }

    /** The names of the layers attached now (not those detached). */
    protected final List<String> attachedLayers() {
        List<String> out = new ArrayList<>();
        layers.forEach((n, s) -> {
            if (s.hook != null) {
                out.add(n);
            }
        });
        return out;
    }

    /** Every layer this collector was ever attached to, in attach order. */
    public final List<String> layers() {
        return Collections.unmodifiableList(new ArrayList<>(layers.keySet()));
    }

    /** Whether the collector is attached to layer {@code name} now. */
    public final boolean isAttached(String name) {
        LayerState s = layers.get(name);
        return s != null && s.hook != null;
    }

    /**
     * How many batches layer {@code name} contributed (0 before the first).
     *
     * @throws IllegalArgumentException when the collector was never attached to that layer
     */
    public final long batches(String name) {
        return state(name).batches;
    }

    /**
     * The per-channel running sums of layer {@code name} (a copy).
     *
     * @throws IllegalStateException before the first batch
     */
    public final double[] sums(String name) {
        return requireData(name).sums.clone();
    }

    /**
     * How many elements each channel of layer {@code name} summed over all batches.
     *
     * @throws IllegalStateException before the first batch
     */
    public final long elementsPerChannel(String name) {
        return requireData(name).elementsPerChannel;
    }

    /**
     * Per channel importance of layer {@code name}: higher is more important. Pruners remove the
     * channels with the lowest scores.
     *
     * @throws IllegalStateException before the first batch
     */
    public abstract double[] scores(String name);

    /** The state of layer {@code name} with at least one batch. */
    private LayerState requireData(String name) {
        LayerState s = state(name);
        if (s.batches == 0) {
            throw new IllegalStateException(kind() + ": no batch seen yet on layer \"" + name + "\"; "
                    + batchHint());
        }
        return s;
    }

    /** What the user must do for a first batch, for the message of {@link #requireData}. */
    protected String batchHint() {
        return "run at least one forward pass while the collector is attached";
    }

    private LayerState state(String name) {
        LayerState s = layers.get(name);
        if (s == null) {
            throw new IllegalArgumentException(kind() + " was never attached to layer \"" + name + "\"; it knows "
                    + layers.keySet());
        }
        return s;
    }

    /** Detaches every layer; the statistics stay readable. Idempotent. */
    @Override
    public void close() {
        for (LayerState s : layers.values()) {
            if (s.hook != null) {
                s.hook.remove();
            }
        }
    }

    /** The collector's name in messages. */
    protected final String kind() {
        return getClass().getSimpleName();
    }

    /**
     * The per-channel sum of {@code t} over every dimension but 1 ({@code N, H, W} for
     * {@code [N, C, H, W]}, {@code N} for {@code [N, C]}), computed in double precision and copied to
     * Java. Call inside a pointer scope: the temporaries are freed with it.
     *
     * @throws IllegalArgumentException when {@code t} has fewer than 2 dimensions
     */
    static double[] perChannelSum(Tensor t, String layer, String kind) {
        if (t.dim() < 2) {
            throw new IllegalArgumentException(kind + ": the output of layer \"" + layer + "\" has "
                    + t.dim() + " dimension(s); per-channel statistics need [N, C, ...]");
        }
        long channels = t.size(1);
        Tensor sums = t.to(torch.ScalarType.Double).transpose(0, 1).reshape(channels, -1).sum(1).contiguous();
        double[] out = new double[(int) channels];
        sums.data_ptr_double().get(out);
        return out;
    }
}
