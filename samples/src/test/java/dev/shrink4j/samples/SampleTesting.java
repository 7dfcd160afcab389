package dev.shrink4j.samples;

import dev.shrink4j.workbench.data.TestFiles;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Shared helpers of the sample tests. */
final class SampleTesting {

    /** Every quick-start run in the tests uses this many training (and test) images. */
    static final int LIMIT = 256;

    /** The LeNet-5 layers every sample compresses, in model order. */
    static final String[] LAYERS = {"conv1", "conv2", "fc1", "fc2", "fc3"};

    private SampleTesting() {
    }

    /** A short run: 256 samples of the installed Fashion-MNIST (the test is skipped without it), output to {@code out}. */
    static SampleArgs tiny(Path out) {
        return SampleArgs.parse("--data", TestFiles.fashionMnistDir().toString(), "--limit", String.valueOf(LIMIT),
                "--out", out.toString());
    }

    /** A tensor's values as floats (any numeric dtype). */
    static float[] values(Tensor t) {
        Tensor c = t.detach().to(torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** The number of zeros among {@code v[from, to)}. */
    static int zeros(float[] v, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (v[i] == 0f) {
                n++;
            }
        }
        return n;
    }
}
