package dev.shrink4j.prune;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.prune.TestConvs.AddedConvs;
import dev.shrink4j.prune.TestConvs.OneConv;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ActivationRankFilterPrunersTest {

    static final ConfigList HALF = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]");

    /**
     * Input x = (1, 2, 3, −1) over W; w = (1, −1, 1, 0.1), b = (0, 0, −1.5, 0). ReLU outputs:
     * ch0 (1, 2, 3, 0): APoZ 1/4, mean 1.5; ch1 (0, 0, 0, 1): APoZ 3/4, mean 0.25;
     * ch2 (0, .5, 1.5, 0): APoZ 1/2, mean 0.5; ch3 (.1, .2, .3, 0): APoZ 1/4, mean 0.15.
     */
    static OneConv handSetModel() {
        OneConv m = new OneConv(1, 4);
        set(m.conv.weight(), new float[] {1f, -1f, 1f, 0.1f});
        set(m.conv.bias(), new float[] {0f, 0f, -1.5f, 0f});
        return m;
    }

    static Tensor input() {
        return Tensor.create(new float[] {1f, 2f, 3f, -1f}, 1, 1, 1, 4);
    }

    @Test
    void apozPrunesTheFiltersWithMostZerosAndDetachesItsCollector() {
        try (OneConv model = handSetModel();
                ActivationApozRankFilterPruner pruner = ActivationApozRankFilterPruner.builder().setModel(model)
                        .setConfigList(HALF).optStatisticsBatchNum(2).build()) {
            pruner.compress();
            assertTrue(pruner.isCollecting());
            assertTrue(pruner.apozCollector().isAttached("conv"));
            assertArrayEquals(new float[] {1, 1, 1, 1}, values(pruner.weightMask("conv")), "all ones until masks exist");
            model.call(input());
            IllegalStateException early = assertThrows(IllegalStateException.class, pruner::updateMask);
            assertEquals("ActivationApozRankFilterPruner needs 2 batch(es) of statistics per layer before computing masks;"
                    + " seen so far: conv (1)", early.getMessage());
            model.call(input());
            assertArrayEquals(new double[] {0.25, 0.75, 0.5, 0.25}, pruner.apozCollector().apoz("conv"));
            pruner.updateMask();
            // scores 1 − APoZ = (.75, .25, .5, .75): floor(4·0.5) = 2 lowest → channels 1 and 2
            assertArrayEquals(new float[] {1, 0, 0, 1}, values(pruner.weightMask("conv")));
            assertArrayEquals(new float[] {1, 0, 0, 1}, values(pruner.masks().get("conv.bias_mask")));
            assertTrue(pruner.masksComputed());
            assertFalse(pruner.isCollecting());
            assertFalse(pruner.apozCollector().isAttached("conv"), "collector detached once masks exist");
            Tensor out = model.call(input());
            assertEquals(2, pruner.apozCollector().batches("conv"), "no batch counted after detaching");
            assertArrayEquals(new float[] {1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1f, 0.2f, 0.3f, 0},
                    values(org.bytedeco.pytorch.global.torch.relu(out)), "pruned channels output exactly 0 (bias masked)");
            pruner.updateMask(); // computed once: a no-op now
            assertArrayEquals(new float[] {1, 0, 0, 1}, values(pruner.weightMask("conv")));
        }
    }

    @Test
    void meanPrunesTheSmallestMeanActivationsAtTheOptimizerStep() {
        try (OneConv model = handSetModel(); Sgd sgd = Sgd.builder().setLearningRate(0.0).build(model.parameters());
                ActivationMeanRankFilterPruner pruner = new ActivationMeanRankFilterPruner(model, HALF, sgd)) {
            pruner.compress();
            assertEquals(1, sgd.stepListenerCount());
            sgd.zeroGrad();
            model.call(input()).sum().backward();
            assertFalse(pruner.masksComputed());
            sgd.step();
            // means (1.5, .25, .5, .15): the two lowest are channels 3 and 1
            assertArrayEquals(new float[] {1, 0, 1, 0}, values(pruner.weightMask("conv")));
            assertEquals(1.5, pruner.meanCollector().mean("conv")[0]);
            assertEquals(0.25, pruner.meanCollector().mean("conv")[1]);
            assertEquals(0.5, pruner.meanCollector().mean("conv")[2]);
            assertFalse(pruner.meanCollector().isAttached("conv"));
            model.call(input());
            assertEquals(1, pruner.meanCollector().batches("conv"));
            pruner.close();
            assertEquals(0, sgd.stepListenerCount());
        }
    }

    /**
     * x = (1, 2, 3, −1) into {@code a(x) + b(x)} (1×1, 4 channels each). Channel c outputs {@code w[c]·x + bias[c]};
     * {@code (w, bias)} = (1, 0) gives ReLU (1, 2, 3, 0), (0, 0) zeros, (1, −1.5) (0, .5, 1.5, 0), (0, 1) ones,
     * (−1, 0) (0, 0, 0, 1).
     */
    static AddedConvs addedConvs(float[] aW, float[] aBias, float[] bW, float[] bBias) {
        AddedConvs m = new AddedConvs(4, false);
        set(m.a.weight(), aW);
        set(m.a.bias(), aBias);
        set(m.b.weight(), bW);
        set(m.b.bias(), bBias);
        return m;
    }

    @Test
    void apozDependencyAwarePrunesAddedConvolutionsOnCommonChannels() {
        // 1 − APoZ: a = (.75, 0, .5, 1), b = (.25, 1, .75, .5). Alone a prunes {1, 2} and b {0, 3}; dependency-aware
        // the sums (1, 1, 1.25, 1.5) give the common channels {0, 1}.
        float[] aW = {1, 0, 1, 0};
        float[] aBias = {0, 0, -1.5f, 1};
        float[] bW = {-1, 0, 1, 1};
        float[] bBias = {0, 1, 0, -1.5f};
        for (boolean aware : new boolean[] {false, true}) {
            ScoreCollectingFilterPruner.ActivationBuilder<ActivationApozRankFilterPruner> b = ActivationApozRankFilterPruner.builder().setConfigList(HALF);
            try (AddedConvs model = addedConvs(aW, aBias, bW, bBias);
                    ActivationApozRankFilterPruner pruner = (aware ? b.optDependencyAware(1, 1, 1, 4) : b).setModel(model).build()) {
                pruner.compress();
                assertEquals(0, pruner.apozCollector().batches("a"), "tracing the groups is not a statistics batch");
                model.call(input());
                pruner.updateMask();
                assertArrayEquals(new double[] {0.75, 0, 0.5, 1}, pruner.apozCollector().scores("a"));
                assertArrayEquals(new double[] {0.25, 1, 0.75, 0.5}, pruner.apozCollector().scores("b"));
                assertArrayEquals(aware ? new float[] {0, 0, 1, 1} : new float[] {1, 0, 0, 1}, values(pruner.masks().get("a.bias_mask")));
                assertArrayEquals(aware ? new float[] {0, 0, 1, 1} : new float[] {0, 1, 1, 0}, values(pruner.masks().get("b.bias_mask")));
                assertEquals(aware ? List.of(List.of("a", "b")) : List.of(), pruner.dependencyGroups());
            }
        }
    }

    @Test
    void meanActivationGlobalSortRanksTheChannelsOfBothLayersTogether() {
        // means a = (1.5, 0, .5, 1), b = (1.5, 1, 1.5, 1). Per layer a loses {1, 2}, b the tied {1, 3}; globally
        // floor(8·0.5) = 4: a1 (0), a2 (.5), then the 1s in layer order, a3 and b1.
        for (boolean global : new boolean[] {false, true}) {
            try (AddedConvs model = addedConvs(new float[] {1, 0, 1, 0}, new float[] {0, 0, -1.5f, 1}, new float[] {1, 0, 1, 0},
                    new float[] {0, 1, 0, 1}); ActivationMeanRankFilterPruner pruner = ActivationMeanRankFilterPruner.builder()
                            .setModel(model).setConfigList(HALF).optGlobalSort(global).build()) {
                pruner.compress();
                model.call(input());
                pruner.updateMask();
                assertArrayEquals(new double[] {1.5, 1, 1.5, 1}, pruner.meanCollector().mean("b"));
                assertArrayEquals(global ? new float[] {1, 0, 0, 0} : new float[] {1, 0, 0, 1}, values(pruner.weightMask("a")));
                assertArrayEquals(global ? new float[] {1, 0, 1, 1} : new float[] {1, 0, 1, 0}, values(pruner.weightMask("b")));
            }
        }
    }

    @Test
    void relu6ByNameCapsActivations() {
        try (OneConv model = handSetModel();
                ActivationMeanRankFilterPruner pruner = ActivationMeanRankFilterPruner.builder().setModel(model)
                        .setConfigList(HALF).optActivation("relu6").build()) {
            set(model.conv.weight(), new float[] {4f, -1f, 1f, 0.1f});
            pruner.compress();
            model.call(input());
            // ch0: 4·(1, 2, 3, −1) → relu6 (4, 6, 6, 0), mean 4 (ReLU would give 6)
            assertEquals(4.0, pruner.meanCollector().mean("conv")[0]);
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ActivationApozRankFilterPruner.builder().optActivation("tanh"));
        assertEquals("activation \"tanh\" is not supported; expected one of relu, relu6, identity", bad.getMessage());
        IllegalArgumentException batches = assertThrows(IllegalArgumentException.class,
                () -> ActivationApozRankFilterPruner.builder().setModel(new OneConv(1, 4)).setConfigList(HALF)
                        .optStatisticsBatchNum(0).build());
        assertEquals("ActivationApozRankFilterPruner: statistics_batch_num must be at least 1, got 0", batches.getMessage());
    }

    @Test
    void rejectsLayersThatAreNotConvolutions() {
        try (PrunerTest.OneLinear model = new PrunerTest.OneLinear();
                ActivationApozRankFilterPruner pruner = new ActivationApozRankFilterPruner(model,
                        ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]"), null)) {
            ConfigException e = assertThrows(ConfigException.class, pruner::compress);
            assertEquals(List.of("config_list[0]: fc is a Linear; ActivationApozRankFilterPruner prunes Conv2d filters only"),
                    e.errors());
        }
    }
}
