package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Samples a layer's inputs through a forward hook, for the data-driven factorizations: for a conv, the
 * im2col patches {@code [Cin·kh·kw]} at {@code positionsPerImage} random output positions per batch (shared by the
 * batch's images, as in He et al.'s reference); for a linear layer, its input rows. Rows are copied into one owned
 * float64 buffer of {@code maxSamples} rows until it is full; each hook call works in its own {@code PointerScope}.
 */
public final class InputSampler implements AutoCloseable {

    private final Module layer;
    private final int positionsPerImage;
    private final Random random;
    private final Tensor buffer;
    private long filled;
    private HookHandle hook;
    private boolean closed;

    /**
     * A sampler for {@code layer} (a Conv2d or Linear) holding at most {@code maxSamples} rows.
     *
     * @param seed the position sampling's seed
     */
    public InputSampler(Module layer, long features, int maxSamples, int positionsPerImage, long seed) {
        if (maxSamples < 2 || positionsPerImage < 1) {
            throw new IllegalArgumentException("maxSamples must be at least 2 and positionsPerImage at least 1, got "
                    + maxSamples + " and " + positionsPerImage);
        }
        this.layer = layer;
        this.positionsPerImage = positionsPerImage;
        this.random = new Random(seed);
        this.buffer = torch.zeros(maxSamples, features).to(torch.ScalarType.Double);
        buffer.retainReference(); // owned until close(), whatever scope the caller is in
    }

    /** Starts sampling: attaches the forward hook. Closing the handle (or this sampler) stops it. */
    public HookHandle attach() {
        hook = layer.registerForwardHook((module, x, y) -> {
            record(x);
            return y;
        });
        return hook;
    }

    /** Adds the rows of one input batch (called by the hook). */
    void record(Tensor x) {
        long capacity = buffer.shape()[0];
        if (filled >= capacity) {
            return;
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor rows = rowsOf(x.detach().to(torch.ScalarType.Double));
            long take = Math.min(rows.shape()[0], capacity - filled);
            buffer.narrow(0, filled, take).copy_(rows.narrow(0, 0, take));
            filled += take;
        }
    }

    private Tensor rowsOf(Tensor x) {
        if (layer instanceof Conv2d conv) {
            Tensor patches = torch.im2col(x, conv.kernelSize(), conv.dilation(), conv.padding(), conv.stride()); // [N, d, L]
            long positions = patches.shape()[2];
            int k = (int) Math.min(positionsPerImage, positions);
            long[] chosen = random.longs(0, positions).distinct().limit(k).toArray();
            Tensor picked = patches.index_select(2, Tensor.create(chosen, chosen.length)); // [N, d, k]
            return picked.permute(0, 2, 1).reshape(-1, patches.shape()[1]);
        }
        return x.reshape(-1, x.shape()[x.shape().length - 1]);
    }

    /** The rows sampled so far ({@code [n, features]}, a view of the owned buffer). */
    public Tensor samples() {
        return buffer.narrow(0, 0, filled);
    }

    /** How many rows are sampled. */
    public long count() {
        return filled;
    }

    /** Detaches the hook: no more rows are added; {@link #samples()} stays readable until {@link #close()}. */
    public void stop() {
        if (hook != null) {
            hook.remove();
        }
    }

    /** Detaches the hook and releases the buffer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        buffer.releaseReference();
    }
}
