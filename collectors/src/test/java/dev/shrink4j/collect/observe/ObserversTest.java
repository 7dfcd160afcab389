package dev.shrink4j.collect.observe;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ObserversTest {

    static Tensor t(float[] v, long... shape) {
        return Tensor.create(v, shape);
    }

    @Nested
    class Ema {
        @Test
        void reluOutputRangeMatchesNniQatGolden() {
            // NNI test_torch_QAT_quantizer: tracked range of relu(x) with decay 0.99
            EmaObserver ema = EmaObserver.perTensor();
            ema.observe(torch.relu(t(new float[] {-0.2f, 0f, 0.1f, 0.2f}, 2, 2)));
            assertArrayEquals(new float[] {0f}, values(ema.min()));
            assertArrayEquals(new float[] {0.2f}, values(ema.max()));
            ema.observe(torch.relu(t(new float[] {0.2f, 0.4f, 0.6f, 0.8f}, 2, 2)));
            // 0·0.99 + 0.01·0.2 and 0.2·0.99 + 0.01·0.8, exactly as float32 torch computes them
            assertArrayEquals(new float[] {0.002f}, values(ema.min()));
            assertArrayEquals(new float[] {0.2060f}, values(ema.max()));
            assertEquals(2, ema.batches());
        }

        @Test
        void perChannelAveragesEachChannelAndResetRestarts() {
            EmaObserver ema = new EmaObserver(torch.zeros(1, 2), torch.zeros(1, 2), 1, 0.5);
            ema.observe(t(new float[] {1, -2, 3, 4}, 2, 2));           // channel ranges (1, 3), (−2, 4)
            ema.observe(t(new float[] {-1, 0, 1, 8}, 2, 2));           // (−1, 1), (0, 8)
            assertArrayEquals(new float[] {0f, -1f}, values(ema.min()));
            assertArrayEquals(new float[] {2f, 6f}, values(ema.max()));
            ema.reset();
            assertFalse(ema.hasObserved());
            ema.observe(t(new float[] {5, 6, 7, 9}, 2, 2));
            assertArrayEquals(new float[] {5f, 6f}, values(ema.min()));
            assertArrayEquals(new float[] {7f, 9f}, values(ema.max()));
        }

        @Test
        void rejectsDecayOutsideUnitInterval() {
            assertEquals("EMA decay 1.0 is outside [0, 1)", assertThrows(IllegalArgumentException.class,
                    () -> new EmaObserver(torch.zeros(), torch.zeros(), RangeObserver.PER_TENSOR, 1.0)).getMessage());
        }
    }

    @Nested
    class MinMax {
        @Test
        void keepsTheRunningExtremesAcrossBatches() {
            MinMaxObserver mm = MinMaxObserver.perTensor();
            mm.observe(t(new float[] {0.5f, -1f, 2f}, 3));
            mm.observe(t(new float[] {0f, 1f, 1.5f}, 3));
            mm.observe(t(new float[] {-3f, 0f, 0f}, 3));
            assertArrayEquals(new float[] {-3f}, values(mm.min()));
            assertArrayEquals(new float[] {2f}, values(mm.max()));
            assertEquals(3, mm.batches());
        }

        @Test
        void perChannelOnTheWeightDimensionOfAConvWeight() {
            MinMaxObserver mm = MinMaxObserver.perChannel(4, 0, 2);
            mm.observe(torch.arange(new org.bytedeco.pytorch.Scalar(1), new org.bytedeco.pytorch.Scalar(19))
                    .to(torch.ScalarType.Float).view(2, 1, 3, 3));
            assertArrayEquals(new long[] {2, 1, 1, 1}, mm.min().shape());
            assertArrayEquals(new float[] {1f, 10f}, values(mm.min()));
            assertArrayEquals(new float[] {9f, 18f}, values(mm.max()));
        }

        @Test
        void updatesItsStateInPlaceInsideStepScopes() {
            Tensor min = torch.zeros();
            Tensor max = torch.zeros();
            MinMaxObserver mm = new MinMaxObserver(min, max, RangeObserver.PER_TENSOR);
            for (int i = 0; i < 3; i++) {
                try (PointerScope s = new PointerScope()) {
                    mm.observe(t(new float[] {-i, 2 * i}, 2));
                }
            }
            assertSame(min, mm.min());
            assertArrayEquals(new float[] {-2f}, values(min));
            assertArrayEquals(new float[] {4f}, values(max));
        }

        @Test
        void rejectsAMismatchedChannelCount() {
            MinMaxObserver mm = MinMaxObserver.perChannel(2, 1, 3);
            assertEquals("MinMaxObserver on dimension 1 keeps ranges of shape [1, 3], but a tensor of shape [2, 2] "
                    + "has ranges of shape [1, 2]", assertThrows(IllegalArgumentException.class,
                            () -> mm.observe(torch.zeros(2, 2))).getMessage());
        }
    }

    @Test
    void rangesRejectABadDimensionAndKeepOneDimensionalTensors() {
        assertEquals("channel dimension 2 is outside a tensor of rank 2 (expected 0..1)",
                assertThrows(IllegalArgumentException.class, () -> Ranges.min(torch.zeros(2, 2), 2)).getMessage());
        assertArrayEquals(new float[] {3f, -1f}, values(Ranges.max(t(new float[] {3f, -1f}, 2), 0)));
        assertTrue(Ranges.min(torch.ones(2).requires_grad_(true)).requires_grad() == false);
        assertEquals("a per-tensor observer needs one-element state, got shape [2]", assertThrows(
                IllegalArgumentException.class, () -> new MinMaxObserver(torch.zeros(2), torch.zeros(2),
                        RangeObserver.PER_TENSOR)).getMessage());
    }

    @Nested
    class NonFinite {
        @Test
        void minMaxRefusesANaNBatchAndKeepsItsRange() {
            MinMaxObserver mm = MinMaxObserver.perTensor();
            mm.observe(t(new float[] {-1f, 2f}, 2));
            NonFiniteRangeException e = assertThrows(NonFiniteRangeException.class,
                    () -> mm.observe(t(new float[] {1f, Float.NaN, 3f, 4f}, 2, 2)));
            assertEquals("MinMaxObserver: non-finite range observed: min NaN, max NaN in a tensor of shape [2, 2]"
                    + " that holds NaN or infinite values", e.getMessage());
            assertEquals("MinMaxObserver", e.label());
            assertArrayEquals(new float[] {-1f}, values(mm.min()), "state untouched");
            assertArrayEquals(new float[] {2f}, values(mm.max()));
            assertEquals(1, mm.batches());
        }

        @Test
        void emaPerChannelNamesItsLabelAndTheFirstBadChannel() {
            EmaObserver ema = new EmaObserver(torch.zeros(1, 3), torch.zeros(1, 3), 1, 0.5);
            assertSame(ema, ema.label("conv1 input"));
            NonFiniteRangeException e = assertThrows(NonFiniteRangeException.class, () -> ema.observe(t(new float[] {
                0.5f, 1f, 2f,
                0.25f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}, 2, 3)));
            assertEquals("conv1 input: non-finite range observed: 2 of 3 channels (dimension 1), the first, channel 1:"
                    + " min -inf, max 1.0 in a tensor of shape [2, 3] that holds NaN or infinite values", e.getMessage());
            assertFalse(ema.hasObserved(), "the refused batch does not count");
            assertArrayEquals(new float[] {0f, 0f, 0f}, values(ema.min()));
        }
    }
}
