package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.arange;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.HookHandle;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class GlueModulesTest {

    @Nested
    class AddModule {

        @Test
        void sumsElementWiseAndHasNoState() {
            try (Add add = new Add()) {
                Tensor a = arange(1, 2, 2);
                Tensor b = arange(1, 2, 2).mul(new Scalar(10));
                assertArrayEquals(new float[] {0, 11, 22, 33}, values(add.call(a, b)));
                assertTrue(add.stateDict().isEmpty());
                assertEquals("Add()", add.toString());
            }
        }

        @Test
        void isBitIdenticalToTensorAdd() {
            try (Add add = new Add()) {
                Tensor a = torch.randn(2, 3, 4, 4);
                Tensor b = torch.randn(2, 3, 4, 4);
                assertEquals(0.0, add.call(a, b).sub(a.add(b)).abs().max().item_double(), 0.0);
            }
        }

        @Test
        void hooksSeeBothOperandsWhileTheCallRuns() {
            try (Add add = new Add()) {
                Tensor a = torch.ones(2);
                Tensor b = torch.zeros(2);
                List<Tensor> seen = new ArrayList<>();
                try (HookHandle h = add.registerForwardHook((m, x, y) -> {
                    seen.addAll(((Merge) m).currentInputs());
                    assertSame(a, x);
                    return y;
                })) {
                    add.call(a, b);
                }
                assertEquals(List.of(a, b), seen);
                assertTrue(add.currentInputs().isEmpty(), "no operands outside a call");
            }
        }

        @Test
        void aPreHookReplacesTheFirstOperand() {
            try (Add add = new Add(); HookHandle h = add.registerForwardPreHook((m, x) -> x.mul(new Scalar(2)))) {
                assertArrayEquals(new float[] {3, 3}, values(add.call(torch.ones(2), torch.ones(2))));
            }
        }

        @Test
        void rejectsOneInputAndMismatchedShapes() {
            try (Add add = new Add()) {
                assertEquals("Add combines 2 inputs: call it with all of them (e.g. add.call(a, b)), not with call(x)",
                        assertThrows(IllegalStateException.class, () -> add.call(torch.ones(2))).getMessage());
                assertEquals("Add: the inputs have shapes [2, 3] and [2, 1]; they must be equal",
                        assertThrows(IllegalArgumentException.class,
                                () -> add.call(torch.ones(2, 3), torch.ones(2, 1))).getMessage());
                assertEquals("Add: input 1 is null",
                        assertThrows(IllegalArgumentException.class, () -> add.call(torch.ones(2), null)).getMessage());
            }
        }
    }

    @Nested
    class ConcatModule {

        @Test
        void concatenatesAlongChannels() {
            try (Concat cat = new Concat()) {
                Tensor a = arange(1, 1, 2);
                Tensor b = arange(1, 2, 2).add(new Scalar(10));
                Tensor y = cat.call(a, b);
                assertArrayEquals(new long[] {1, 3, 2}, y.shape());
                assertArrayEquals(new float[] {0, 1, 10, 11, 12, 13}, values(y));
            }
        }

        @Test
        void rejectsMismatchedShapesNamingTheInput() {
            try (Concat cat = new Concat()) {
                assertEquals("Concat: input 1 has shape [1, 2, 3], input 0 has [1, 2, 2]; they must have at least 2"
                        + " dimensions and agree in every dimension but 1",
                        assertThrows(IllegalArgumentException.class,
                                () -> cat.call(torch.ones(1, 2, 2), torch.ones(1, 2, 3))).getMessage());
                assertEquals("Concat takes 1 or more inputs, got 0",
                        assertThrows(IllegalArgumentException.class, () -> cat.call()).getMessage());
            }
        }
    }

    @Nested
    class ChannelPadModule {

        @Test
        void subsamplesAndPadsChannels() {
            try (ChannelPad pad = new ChannelPad(2, 1, 2, 2)) {
                // channel 0: 0..15, channel 1: 16..31 on 4x4 grids; keep rows/cols 0 and 2.
                Tensor y = pad.call(arange(1, 2, 4, 4));
                assertArrayEquals(new long[] {1, 5, 2, 2}, y.shape());
                assertArrayEquals(new float[] {0, 0, 0, 0, 0, 2, 8, 10, 16, 18, 24, 26, 0, 0, 0, 0, 0, 0, 0, 0}, values(y));
                assertEquals(5, pad.outChannels());
                assertEquals("ChannelPad(2, before=1, after=2, stride=2)", pad.toString());
            }
        }

        @Test
        void setWidthsResizesTheMapping() {
            try (ChannelPad pad = new ChannelPad(4, 2, 2, 1)) {
                pad.setWidths(1, 0, 1);
                Tensor y = pad.call(arange(1, 1, 1, 2));
                assertArrayEquals(new long[] {1, 2, 1, 2}, y.shape());
                assertArrayEquals(new float[] {0, 1, 0, 0}, values(y));
            }
        }

        @Test
        void rejectsBadWidthsAndInputs() {
            assertEquals("ChannelPad needs inChannels > 0 and before, after >= 0; got inChannels=2 before=-1 after=0",
                    assertThrows(IllegalArgumentException.class, () -> new ChannelPad(2, -1, 0, 1)).getMessage());
            try (ChannelPad pad = new ChannelPad(2, 1, 1, 1)) {
                assertEquals("ChannelPad expects [N, 2, H, W], got [1, 3, 2, 2]",
                        assertThrows(IllegalArgumentException.class, () -> pad.call(torch.ones(1, 3, 2, 2))).getMessage());
            }
        }
    }
}
