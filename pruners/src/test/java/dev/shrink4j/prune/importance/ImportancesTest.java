package dev.shrink4j.prune.importance;

import static dev.shrink4j.prune.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.prune.ActivationMeanRankFilterPruner;
import dev.shrink4j.prune.TestConvs.OneConv;
import dev.shrink4j.prune.TensorValues;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every importance on tiny tensors with hand-computed scores. */
class ImportancesTest {

    /** A weight of {@code shape} with the given values and an all-ones mask except where {@code mask} says 0. */
    static ImportanceInput input(String layer, float[] weight, float[] mask, long... shape) {
        return new ImportanceInput(layer, Tensor.create(weight, shape), Tensor.create(mask, shape));
    }

    @Nested
    class Magnitude {
        @Test
        void scoresEachElementByTheMagnitudeOfTheMaskedWeight() {
            Importance m = new MagnitudeImportance();
            assertEquals(Granularity.ELEMENT, m.granularity());
            Tensor scores = m.scores(input("fc", new float[] {1, -2, 3, -4, 0.5f, -6}, new float[] {1, 0, 1, 1, 1, 0}, 2, 3));
            assertArrayEquals(new long[] {2, 3}, scores.shape());
            assertArrayEquals(new float[] {1, 0, 3, 4, 0.5f, 0}, values(scores));
        }
    }

    @Nested
    class FilterNorm {
        // filter 0 = (3, −4 | 0, 0), filter 1 = (1, 1 | 1, 1) with its last two weights masked: (1, 1 | 0, 0)
        final ImportanceInput twoFilters = input("conv", new float[] {3, -4, 0, 0, 1, 1, 1, 1}, new float[] {1, 1, 1, 1, 1, 1, 0, 0},
                2, 1, 2, 2);

        @Test
        void l1SumsTheAbsoluteMaskedWeightsOfEachFilter() {
            FilterNormImportance l1 = FilterNormImportance.l1();
            assertEquals(Granularity.OUTPUT_UNIT, l1.granularity());
            assertEquals(1, l1.order());
            assertArrayEquals(new float[] {7, 2}, values(l1.scores(twoFilters)));
        }

        @Test
        void l2IsTheEuclideanNormOfTheMaskedWeightsOfEachFilter() {
            assertArrayEquals(new float[] {5, (float) Math.sqrt(2)}, values(FilterNormImportance.l2().scores(twoFilters)), 1e-6f);
            assertEquals(2, FilterNormImportance.l2().order());
        }

        @Test
        void aLinearLayersRowsAreItsUnits() {
            // rows (5, 5) pruned, (−.1, .3), (−2, .2): L1 0, .4, 2.2
            ImportanceInput rows = input("fc", new float[] {5, 5, -0.1f, 0.3f, -2, 0.2f}, new float[] {0, 0, 1, 1, 1, 1}, 3, 2);
            assertArrayEquals(new float[] {0, 0.4f, 2.2f}, values(FilterNormImportance.l1().scores(rows)), 1e-6f);
        }
    }

    @Nested
    class Fpgm {
        @Test
        void sumsEachFiltersDistancesToTheOthersOnTheStoredWeight() {
            // one-weight filters 0, 1, 3: Σ_j |w_i − w_j| = 1 + 3, 1 + 2, 3 + 2; filter 1's mask is 0 but FPGM
            // measures the stored weights, as NNI does
            Importance fpgm = new FpgmImportance();
            assertEquals(Granularity.OUTPUT_UNIT, fpgm.granularity());
            assertArrayEquals(new float[] {4, 3, 5}, values(fpgm.scores(input("conv", new float[] {0, 1, 3},
                    new float[] {1, 0, 1}, 3, 1, 1, 1))));
        }
    }

    @Nested
    class BatchNormScale {
        @Test
        void scoresEachChannelByItsMaskedScale() {
            Importance slim = new BatchNormScaleImportance();
            assertEquals(Granularity.OUTPUT_UNIT, slim.granularity());
            assertArrayEquals(new float[] {0.5f, 2, 0}, values(slim.scores(input("bn1", new float[] {0.5f, -2, 0.1f},
                    new float[] {1, 1, 0}, 3))));
        }

        @Test
        void needsAOneDimensionalScale() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchNormScaleImportance()
                    .scores(input("conv1", new float[] {1, 2}, new float[] {1, 1}, 2, 1)));
            assertEquals("conv1: batch-norm scale importance needs a 1-D weight γ, got shape [2, 1]", e.getMessage());
        }
    }

    @Nested
    class CollectedChannels {
        /** Channel c outputs w[c]·x with x = (1, 2, 3, −1): ReLU means 1.5, .25, .5, .15 (see ActivationRankFilterPrunersTest). */
        @Test
        void answersTheCollectorsScoresOnceItHasEnoughBatches() {
            try (OneConv m = new OneConv(1, 4); ActivationMeanRankFilterPruner p = ActivationMeanRankFilterPruner.builder()
                    .setModel(m).setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
                    .build()) {
                TensorValues.set(m.conv.weight(), new float[] {1f, -1f, 1f, 0.1f});
                TensorValues.set(m.conv.bias(), new float[] {0f, 0f, -1.5f, 0f});
                p.compress();
                CollectedChannelImportance scores = (CollectedChannelImportance) p.importance();
                assertEquals(Granularity.OUTPUT_UNIT, scores.granularity());
                ImportanceInput conv = ImportanceInput.of(p.getWrapper("conv"));
                IllegalStateException early = assertThrows(IllegalStateException.class, () -> scores.scores(conv));
                assertEquals("MeanActivationCollector has seen 0 batch(es) of conv; statistics_batch_num is 1", early.getMessage());
                m.call(Tensor.create(new float[] {1f, 2f, 3f, -1f}, 1, 1, 1, 4));
                Tensor s = scores.scores(conv);
                assertEquals(torch.ScalarType.Double, s.scalar_type().intern(), "the collector's doubles, unrounded");
                double[] read = new double[4];
                s.contiguous().data_ptr_double().get(read);
                assertArrayEquals(new double[] {1.5, 0.25, 0.5, 0.15}, read, 1e-7);
                IllegalStateException count = assertThrows(IllegalStateException.class, () -> scores.scores(
                        new ImportanceInput("conv", torch.ones(3, 1, 1, 1), torch.ones(3, 1, 1, 1))));
                assertEquals("conv has 3 filters but MeanActivationCollector scored 4 channels", count.getMessage());
            }
        }
    }

    @Test
    void theMaskMustHaveTheWeightsShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImportanceInput("conv1", torch.ones(4, 1, 3, 3), torch.ones(4, 9)));
        assertEquals("conv1: the weight mask has shape [4, 9] but the weight has [4, 1, 3, 3]", e.getMessage());
    }
}
