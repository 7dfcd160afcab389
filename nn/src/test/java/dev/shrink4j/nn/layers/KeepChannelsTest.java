package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.arange;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.HookHandle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class KeepChannelsTest {

    @Test
    void conv2dKeepsTheSelectedFiltersAndInputs() {
        try (Conv2d conv = new Conv2d(3, 4, 1)) {
            Tensor weight = conv.weight();
            weight.detach().copy_(arange(4, 3, 1, 1));
            conv.bias().detach().copy_(arange(4));
            try (PointerScope scope = new PointerScope()) {
                conv.keepChannels(new long[] {1, 3}, new long[] {0, 2});
            }
            assertSame(weight, conv.weight(), "the parameter keeps its identity");
            assertSame(weight, conv.stateDict().get("weight"));
            assertArrayEquals(new long[] {2, 2, 1, 1}, weight.shape());
            // rows 1 and 3 of [[0,1,2],[3,4,5],[6,7,8],[9,10,11]], columns 0 and 2
            assertArrayEquals(new float[] {3, 5, 9, 11}, values(weight));
            assertArrayEquals(new float[] {1, 3}, values(conv.bias()));
            assertEquals(2, conv.inChannels());
            assertEquals(2, conv.outChannels());
            assertTrue(weight.requires_grad());
            assertEquals("Conv2d(2, 2, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0))", conv.toString());
            // input [1, 2, 1, 1] = (1, 1): outputs 3 + 5 + 1 and 9 + 11 + 3
            assertArrayEquals(new float[] {9, 23}, values(conv.call(torch.ones(1, 2, 1, 1))));
        }
    }

    @Test
    void aGradientOfTheOldShapeIsDroppedSoTrainingGoesOn() {
        try (Conv2d conv = new Conv2d(2, 3, 1)) {
            conv.call(torch.ones(1, 2, 2, 2)).sum().backward();
            assertTrue(conv.weight().grad().defined());
            conv.keepChannels(new long[] {0}, null);
            assertFalse(conv.weight().grad().defined());
            conv.call(torch.ones(1, 2, 2, 2)).sum().backward();
            assertArrayEquals(new long[] {1, 2, 1, 1}, conv.weight().grad().shape());
        }
    }

    @Test
    void aDepthwiseConvolutionKeepsBothSidesAndItsGroups() {
        try (Conv2d dw = Conv2d.builder().setInChannels(4).setOutChannels(4).setKernelSize(1).optGroups(4).optBias(false)
                .build()) {
            dw.weight().detach().copy_(arange(4, 1, 1, 1));
            dw.keepChannels(new long[] {0, 3}, null);
            assertEquals(2, dw.groups());
            assertEquals(2, dw.inChannels());
            assertArrayEquals(new float[] {0, 3}, values(dw.weight()));
            assertArrayEquals(new float[] {0, 6}, values(dw.call(torch.full(new long[] {1, 2, 1, 1}, new Scalar(2.0)))));
            assertEquals("Conv2d(2, 2, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), groups=2, bias=False) is depthwise:"
                    + " it keeps the same input and output channels, got 1 outputs and 1 inputs that differ",
                    assertThrows(IllegalArgumentException.class, () -> dw.keepChannels(new long[] {0}, new long[] {1}))
                            .getMessage());
        }
    }

    @Test
    void rejectsBadIndicesAndGroupedConvolutionsBeforeChangingAnything() {
        try (Conv2d conv = new Conv2d(3, 4, 1);
                Conv2d grouped = Conv2d.builder().setInChannels(4).setOutChannels(4).setKernelSize(1).optGroups(2).build()) {
            String name = "Conv2d(3, 4, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0))";
            assertEquals(name + " output channels: index 4 is outside [0, 4)", assertThrows(IllegalArgumentException.class,
                    () -> conv.keepChannels(new long[] {0, 4}, null)).getMessage());
            assertEquals(name + " input channels: indices must be strictly ascending, got 2 then 1",
                    assertThrows(IllegalArgumentException.class, () -> conv.keepChannels(null, new long[] {2, 1})).getMessage());
            assertEquals(name + " output channels: cannot keep no channel (of 4)",
                    assertThrows(IllegalArgumentException.class, () -> conv.keepChannels(new long[0], null)).getMessage());
            assertArrayEquals(new long[] {4, 3, 1, 1}, conv.weight().shape());
            assertEquals("Conv2d(4, 4, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), groups=2): a grouped convolution"
                    + " that is not depthwise cannot change its channels",
                    assertThrows(IllegalStateException.class, () -> grouped.keepChannels(new long[] {0}, null)).getMessage());
        }
    }

    @Test
    void aParametrizedWeightCannotBeResized() {
        try (Conv2d conv = new Conv2d(1, 2, 1); HookHandle h = conv.registerParametrization("weight", w -> w)) {
            assertEquals("cannot resize Conv2d.weight while a parametrization is attached to it: remove the compressor's"
                    + " wrapper first",
                    assertThrows(IllegalStateException.class, () -> conv.keepChannels(new long[] {0}, null)).getMessage());
        }
    }

    @Test
    void linearKeepsRowsAndColumns() {
        try (Linear fc = new Linear(3, 2)) {
            fc.weight().detach().copy_(arange(2, 3));
            fc.bias().detach().copy_(arange(2));
            fc.keepFeatures(new long[] {1}, new long[] {0, 2});
            assertArrayEquals(new float[] {3, 5}, values(fc.weight()));
            assertArrayEquals(new float[] {1}, values(fc.bias()));
            assertEquals("Linear(in_features=2, out_features=1, bias=True)", fc.toString());
            assertArrayEquals(new float[] {3 + 5 + 1}, values(fc.call(torch.ones(1, 2))));
        }
    }

    @Test
    void batchNormKeepsEveryPerChannelTensor() {
        try (BatchNorm2d bn = new BatchNorm2d(3)) {
            Tensor mean = bn.runningMean();
            bn.weight().detach().copy_(arange(3));
            mean.copy_(arange(3).add(new Scalar(10)));
            bn.runningVar().copy_(arange(3).add(new Scalar(1)));
            bn.keepChannels(new long[] {0, 2});
            assertSame(mean, bn.runningMean());
            assertArrayEquals(new float[] {10, 12}, values(bn.stateDict().get("running_mean")));
            assertArrayEquals(new float[] {1, 3}, values(bn.runningVar()));
            assertArrayEquals(new float[] {0, 2}, values(bn.weight()));
            assertArrayEquals(new long[] {2}, bn.bias().shape());
            assertEquals(2, bn.numFeatures());
            assertEquals(0L, bn.numBatchesTracked().item_long());
            assertEquals("BatchNorm2d(2, eps=1.0E-5, momentum=0.1, affine=True, track_running_stats=True) channels: index 2"
                    + " is outside [0, 2)",
                    assertThrows(IllegalArgumentException.class, () -> bn.keepChannels(new long[] {2})).getMessage());
        }
    }
}
