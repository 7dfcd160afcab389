package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.arange;
import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class Conv2dTest {

    private static void fill(Tensor param, float value) {
        param.detach().fill_(new org.bytedeco.pytorch.Scalar(value));
    }

    @Test
    void onesKernelSumsWindowsWithPaddingAndBias() {
        try (Conv2d conv = Conv2d.builder().setInChannels(1).setOutChannels(1).setKernelSize(3).optPadding(1).build()) {
            fill(conv.weight(), 1f);
            fill(conv.bias(), 0.5f);
            Tensor y = conv.call(torch.ones(1, 1, 3, 3));
            // A 3x3 window over a zero-padded 3x3 block of ones covers 4 ones at corners, 6 at edges, 9 in the middle.
            assertArrayEquals(new long[] {1, 1, 3, 3}, y.shape());
            assertArrayEquals(new float[] {4.5f, 6.5f, 4.5f, 6.5f, 9.5f, 6.5f, 4.5f, 6.5f, 4.5f}, values(y));
        }
    }

    @Test
    void strideTwoWithPaddingSkipsWindows() {
        try (Conv2d conv = Conv2d.builder().setInChannels(1).setOutChannels(1).setKernelSize(3).optPadding(1).optStride(2)
                .optBias(false).build()) {
            fill(conv.weight(), 1f);
            Tensor y = conv.call(torch.ones(1, 1, 4, 4));
            // Windows centred on (0,0), (0,2), (2,0), (2,2): 2x2, 2x3, 3x2 and 3x3 ones inside the image.
            assertArrayEquals(new long[] {1, 1, 2, 2}, y.shape());
            assertArrayEquals(new float[] {4f, 6f, 6f, 9f}, values(y));
        }
    }

    @Test
    void arangeInputWithTwoByTwoKernel() {
        try (Conv2d conv = Conv2d.builder().setInChannels(1).setOutChannels(2).setKernelSize(2).optBias(false).build()) {
            // filter 0: all ones; filter 1: picks the top-left element only.
            set(conv.weight(), 1, 1, 1, 1, 1, 0, 0, 0);
            Tensor y = conv.call(arange(1, 1, 3, 3)); // [[0,1,2],[3,4,5],[6,7,8]]
            assertArrayEquals(new float[] {8, 12, 20, 24, 0, 1, 3, 4}, values(y));
        }
    }

    @Test
    void groupedConvolutionSeesOnlyItsGroupsChannels() {
        try (Conv2d conv = Conv2d.builder().setInChannels(4).setOutChannels(2).setKernelSize(1).optGroups(2).optBias(false)
                .build()) {
            assertArrayEquals(new long[] {2, 2, 1, 1}, conv.weight().shape());
            fill(conv.weight(), 1f);
            // channel c holds c+1 everywhere: group 0 sums channels 0,1 (1+2), group 1 channels 2,3 (3+4).
            Tensor x = arange(1, 4, 1, 1).add(new org.bytedeco.pytorch.Scalar(1.0)).expand(1, 4, 2, 2).contiguous();
            assertArrayEquals(new float[] {3, 3, 3, 3, 7, 7, 7, 7}, values(conv.call(x)));
        }
    }

    @Test
    void depthwiseConvolutionScalesEachChannelByItsOwnFilter() {
        try (Conv2d conv = Conv2d.builder().setInChannels(3).setOutChannels(3).setKernelSize(3).optPadding(1).optGroups(3)
                .optBias(false).build()) {
            assertArrayEquals(new long[] {3, 1, 3, 3}, conv.weight().shape());
            float[] w = new float[27];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 9; i++) {
                    w[c * 9 + i] = c + 1;
                }
            }
            set(conv.weight(), w);
            float[] y = values(conv.call(torch.ones(1, 3, 3, 3)));
            for (int c = 0; c < 3; c++) {
                float k = c + 1;
                assertArrayEquals(new float[] {4 * k, 6 * k, 4 * k, 6 * k, 9 * k, 6 * k, 4 * k, 6 * k, 4 * k},
                        java.util.Arrays.copyOfRange(y, c * 9, c * 9 + 9), "channel " + c);
            }
        }
    }

    @Test
    void parametersFollowPyTorchNamesAndShapes() {
        try (Conv2d conv = new Conv2d(3, 8, 5)) {
            assertEquals(List.of("weight", "bias"), List.copyOf(conv.stateDict().keySet()));
            assertArrayEquals(new long[] {8, 3, 5, 5}, conv.weight().shape());
            assertEquals(8 * 3 * 25 + 8, conv.parameterCount());
            // PyTorch default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 75.
            double bound = 1 / Math.sqrt(75);
            assertEquals(true, conv.weight().abs().max().item_double() <= bound);
        }
    }
}
