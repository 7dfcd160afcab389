package dev.shrink4j.nn.layers;

/**
 * The options that {@link Conv2d.Builder} and {@link ConvTranspose2d.Builder} share, with PyTorch's
 * defaults: square stride (1), padding (0) and dilation (1), channel groups (1) and a bias (true). The
 * layers check the values when they are built.
 *
 * @param <B> the concrete builder, returned by every option for chaining
 */
public abstract class ConvolutionBuilder<B extends ConvolutionBuilder<B>> {
    long stride = 1;
    long padding;
    long dilation = 1;
    long groups = 1;
    boolean bias = true;

    ConvolutionBuilder() {
    }

    /** This builder, typed as the concrete one (Effective Java's hierarchical builder: no unchecked cast). */
    abstract B self();

    /**
     * The stride in both dimensions (default 1): the kernel's step over the input, or for a transposed
     * convolution the step between input positions in the output.
     */
    public B optStride(long s) {
        this.stride = s;
        return self();
    }

    /**
     * The padding on every side (default 0): zeros added around the input, or for a transposed convolution
     * what is cropped from every side of the output.
     */
    public B optPadding(long p) {
        this.padding = p;
        return self();
    }

    /** The spacing of the kernel's taps (default 1). */
    public B optDilation(long d) {
        this.dilation = d;
        return self();
    }

    /** Channel groups: input and output channels are both divided into {@code g} groups (default 1). */
    public B optGroups(long g) {
        this.groups = g;
        return self();
    }

    /** Whether there is a bias (default true). */
    public B optBias(boolean withBias) {
        this.bias = withBias;
        return self();
    }
}
