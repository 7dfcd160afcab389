package dev.shrink4j.prune.importance;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.prune.ActivationMeanRankFilterPruner;
import dev.shrink4j.nn.TensorValues;
import dev.shrink4j.prune.TestConvs.OneConv;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Every importance on tiny tensors with hand-computed scores. */
class ImportancesTest {

    /** A weight of {@code shape} with the given values and mask. */
    static ImportanceInput input(String layer, float[] weight, float[] mask, long... shape) {
        return new ImportanceInput(layer, Tensor.create(weight, shape), Tensor.create(mask, shape));
    }

    /** {@code importance} has {@code granularity} and scores {@code in} as {@code expected} (to float rounding). */
    static void assertScores(Importance importance, Granularity granularity, ImportanceInput in, float... expected) {
        assertEquals(granularity, importance.granularity(), importance.toString());
        Tensor scores = importance.scores(in);
        long[] shape = granularity == Granularity.ELEMENT ? in.weight().shape() : new long[] {in.units()};
        assertArrayEquals(shape, scores.shape(), importance.toString());
        assertArrayEquals(expected, values(scores), 1e-6f, importance.toString());
    }

    @Test
    void magnitudeScoresEachElementByItsMaskedMagnitude() {
        assertScores(Importances.MAGNITUDE, Granularity.ELEMENT,
                input("fc", new float[] {1, -2, 3, -4, 0.5f, -6}, new float[] {1, 0, 1, 1, 1, 0}, 2, 3), 1, 0, 3, 4, 0.5f, 0);
    }

    @Test
    void filterNormsAreTakenOverEachFiltersMaskedWeights() {
        // filter 0 = (3, −4 | 0, 0): L1 7, L2 5; filter 1 = (1, 1 | 1, 1) with its last two weights masked: L1 2, L2 √2
        ImportanceInput twoFilters = input("conv", new float[] {3, -4, 0, 0, 1, 1, 1, 1}, new float[] {1, 1, 1, 1, 1, 1, 0, 0},
                2, 1, 2, 2);
        assertScores(Importances.L1_FILTER_NORM, Granularity.OUTPUT_UNIT, twoFilters, 7, 2);
        assertScores(Importances.L2_FILTER_NORM, Granularity.OUTPUT_UNIT, twoFilters, 5, (float) Math.sqrt(2));
        // a Linear's rows are its units: (5, 5) pruned, (−.1, .3), (−2, .2) → L1 0, .4, 2.2
        assertScores(Importances.L1_FILTER_NORM, Granularity.OUTPUT_UNIT,
                input("fc", new float[] {5, 5, -0.1f, 0.3f, -2, 0.2f}, new float[] {0, 0, 1, 1, 1, 1}, 3, 2), 0, 0.4f, 2.2f);
    }

    @Test
    void fpgmSumsEachFiltersDistancesToTheOthersOnTheStoredWeight() {
        // one-weight filters 0, 1, 3: Σ_j |w_i − w_j| = 1 + 3, 1 + 2, 3 + 2; filter 1's mask is 0, but FPGM
        // measures the stored weights, as NNI does
        assertScores(Importances.FPGM, Granularity.OUTPUT_UNIT, input("conv", new float[] {0, 1, 3}, new float[] {1, 0, 1}, 3, 1, 1, 1),
                4, 3, 5);
    }

    @Test
    void batchNormScaleScoresEachChannelByItsMaskedGamma() {
        assertScores(Importances.BATCH_NORM_SCALE, Granularity.OUTPUT_UNIT,
                input("bn1", new float[] {0.5f, -2, 0.1f}, new float[] {1, 1, 0}, 3), 0.5f, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Importances.BATCH_NORM_SCALE
                .scores(input("conv1", new float[] {1, 2}, new float[] {1, 1}, 2, 1)));
        assertEquals("conv1: batch-norm scale importance needs a 1-D weight γ, got shape [2, 1]", e.getMessage());
    }

    @Test
    void aCustomImportanceIsAFunction() {
        Importance rows = Importances.of("row count", Granularity.OUTPUT_UNIT, in -> torch.ones(in.units()));
        assertEquals("row count", rows.toString());
        assertScores(rows, Granularity.OUTPUT_UNIT, input("fc", new float[] {1, 2}, new float[] {1, 1}, 2, 1), 1, 1);
    }

    /** Channel c outputs w[c]·x with x = (1, 2, 3, −1): ReLU means 1.5, .25, .5, .15 (see ActivationRankFilterPrunersTest). */
    @Test
    void collectedChannelsAreTheCollectorsScoresOnceItHasEnoughBatches() {
        try (OneConv m = new OneConv(1, 4); ActivationMeanRankFilterPruner p = ActivationMeanRankFilterPruner.builder()
                .setModel(m).setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]")).build()) {
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

    @Test
    void theMaskMustHaveTheWeightsShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImportanceInput("conv1", torch.ones(4, 1, 3, 3), torch.ones(4, 9)));
        assertEquals("conv1: the weight mask has shape [4, 9] but the weight has [4, 1, 3, 3]", e.getMessage());
    }
}
