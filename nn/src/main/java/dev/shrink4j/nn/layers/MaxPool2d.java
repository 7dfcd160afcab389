package dev.shrink4j.nn.layers;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** 2-D max pooling ({@code nn.MaxPool2d}); the stride defaults to the kernel size, as in PyTorch. */
public class MaxPool2d extends Pool2d {

    /** Kernel {@code k}, stride {@code k}, no padding. */
    public MaxPool2d(long kernel) {
        this(kernel, kernel, 0);
    }

    /** Square kernel, stride and padding. */
    public MaxPool2d(long kernel, long stride, long padding) {
        super(kernel, stride, padding);
    }

    @Override
    protected Tensor forward(Tensor input) {
        // The long[] overload: the varargs max_pool2d(x, 2, 2) would mean kernel [2,2] with stride = kernel.
        return torch.max_pool2d(input, new long[] {kernel(), kernel()}, new long[] {stride(), stride()},
                new long[] {padding(), padding()}, new long[] {1, 1}, false);
    }
}
