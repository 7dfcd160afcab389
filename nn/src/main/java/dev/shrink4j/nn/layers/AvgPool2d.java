package dev.shrink4j.nn.layers;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * 2-D average pooling ({@code nn.AvgPool2d}) with a square kernel; the stride defaults to the kernel
 * size, padded zeros count in the average ({@code count_include_pad=True}), no ceil mode, as PyTorch's
 * defaults.
 */
public class AvgPool2d extends Pool2d {

    /** Kernel {@code k}, stride {@code k}, no padding. */
    public AvgPool2d(long kernel) {
        this(kernel, kernel, 0);
    }

    /** Square kernel, stride and padding. */
    public AvgPool2d(long kernel, long stride, long padding) {
        super(kernel, stride, padding);
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException("AvgPool2d: need kernel > 0, stride > 0 and 0 <= padding <= kernel/2; got kernel="
                    + kernel + " stride=" + stride + " padding=" + padding);
        }
    }

    @Override
    protected Tensor forward(Tensor input) {
        return torch.avg_pool2d(input, new long[] {kernel(), kernel()}, new long[] {stride(), stride()},
                new long[] {padding(), padding()}, false, true, new LongOptional());
    }
}
