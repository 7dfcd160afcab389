package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;

/**
 * The shared part of {@link AvgPool2d} and {@link MaxPool2d}: a square kernel, stride and padding,
 * with PyTorch's {@code repr}. The pooling layers differ only in the functional op their
 * {@code forward} calls (and in which arguments they check), so the parameters live here once.
 */
public abstract class Pool2d extends Module {

    private final long kernel;
    private final long stride;
    private final long padding;

    /** Stores the parameters as given; subclasses check what their op needs. */
    protected Pool2d(long kernel, long stride, long padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** The side of the square kernel ({@code kernel_size}). */
    public long kernel() {
        return kernel;
    }

    /** The step between windows, in both dimensions. */
    public long stride() {
        return stride;
    }

    /** The implicit padding on every side. */
    public long padding() {
        return padding;
    }

    /** The arguments of PyTorch's {@code repr}, e.g. {@code MaxPool2d(kernel_size=2, stride=2, padding=0)}. */
    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding;
    }
}
