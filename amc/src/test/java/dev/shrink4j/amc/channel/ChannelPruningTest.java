package dev.shrink4j.amc.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChannelPruningTest {

    private static LeNet5 lenet(long seed) {
        torch.manual_seed(seed);
        return new LeNet5();
    }

    private static List<Tensor> images(long seed, int batches, int size) {
        torch.manual_seed(seed);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            out.add(torch.randn(size, 1, 28, 28));
        }
        return out;
    }

    private static Map<String, Double> half(String... layers) {
        Map<String, Double> r = new LinkedHashMap<>();
        for (String l : layers) {
            r.put(l, 0.5);
        }
        return r;
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    @Nested
    class LeNetAtHalf {

        @ParameterizedTest
        @EnumSource(ChannelSelection.class)
        void shrinksToTheExpectedShapesAndTraces(ChannelSelection selection) {
            try (PointerScope scope = new PointerScope(); LeNet5 model = lenet(1)) {
                List<Tensor> images = images(2, 4, 64);
                ChannelPruningResult r = ChannelPruning.builder().setModel(model).setSampleBatches(images)
                        .setLayerRatios(half("conv2", "fc1", "fc2", "fc3")).optSelection(selection).build().prune();
                assertArrayEquals(new long[] {3, 1, 5, 5}, model.conv1.weight().shape());
                assertArrayEquals(new long[] {8, 3, 5, 5}, model.conv2.weight().shape());
                assertArrayEquals(new long[] {60, 200}, model.fc1.weight().shape());   // 8 channels × 25 features
                assertArrayEquals(new long[] {42, 60}, model.fc2.weight().shape());
                assertArrayEquals(new long[] {10, 42}, model.fc3.weight().shape());
                assertArrayEquals(new long[] {42}, model.fc2.bias().shape());
                ModelGraph g = ModelGraph.trace(model, torch.zeros(2, 1, 28, 28));
                assertEquals(List.of(2L, 10L), g.output().outputShape(), "the shrunk model traces: " + g);
                // fc1 loses whole groups of 25 features: the removed channels are its input channel groups
                assertEquals(8, r.removedInputChannels("fc1").length);
                // MACs by hand: conv1 6·25·784 → 3·25·784; conv2 16·6·25·100 → 8·3·25·100; fc 400·120+120·84+84·10 → 200·60+60·42+42·10
                assertEquals(6 * 25 * 784 + 16 * 6 * 25 * 100 + 400 * 120 + 120 * 84 + 84 * 10, r.macsBefore());
                assertEquals(3 * 25 * 784 + 8 * 3 * 25 * 100 + 200 * 60 + 60 * 42 + 42 * 10, r.macsAfter());
                assertEquals(16 * 6 * 25 * 100, r.layer("conv2").macsBefore());
                assertEquals(8 * 3 * 25 * 100, r.layer("conv2").macsAfter());
            }
        }

        /** Least squares minimises the error over a set that contains the masked weights: never worse. */
        @ParameterizedTest
        @EnumSource(ChannelSelection.class)
        void reconstructionIsNeverWorseThanMasking(ChannelSelection selection) {
            for (long seed : new long[] {1, 2, 3}) {
                try (PointerScope scope = new PointerScope(); LeNet5 model = lenet(seed)) {
                    ChannelPruningResult r = ChannelPruning.builder().setModel(model).setSampleBatches(images(seed + 10, 4, 64))
                            .setLayerRatios(half("conv2", "fc1", "fc2", "fc3")).optSelection(selection).optSeed(seed).build().prune();
                    for (LayerReport l : r.layers()) {
                        assertTrue(l.reconstructionError() <= l.maskingError() + 1e-9, "seed " + seed + ": " + l);
                        assertTrue(l.reconstructionError() < l.maskingError(), "strictly better on random weights: " + l);
                    }
                }
            }
        }

        /**
         * The α search of each layer starts from the previous layer's final α by default: on LeNet-5 at half it solves
         * fewer LASSO problems than starting every layer from lars_alpha_init, and the first layer's search is the same
         * either way (nothing to start from).
         */
        @Test
        void warmStartedAlphaSearchSolvesFewerLassoProblems() {
            Map<Boolean, ChannelPruningResult> results = new LinkedHashMap<>();
            for (boolean warm : new boolean[] {true, false}) {
                try (PointerScope scope = new PointerScope(); LeNet5 model = lenet(8)) {
                    ChannelPruning.Builder b = ChannelPruning.builder().setModel(model).setSampleBatches(images(9, 4, 64))
                            .setLayerRatios(half("conv2", "fc1", "fc2", "fc3"));
                    results.put(warm, (warm ? b : b.optLarsAlphaWarmStart(false)).build().prune());
                }
            }
            ChannelPruningResult warm = results.get(true);
            ChannelPruningResult cold = results.get(false);
            assertEquals(cold.layer("conv2").lassoSolves(), warm.layer("conv2").lassoSolves());
            assertEquals(cold.layer("conv2").alpha(), warm.layer("conv2").alpha());
            assertTrue(cold.layers().stream().allMatch(l -> l.lassoSolves() > 0), cold.summary());
            assertTrue(warm.lassoSolves() < cold.lassoSolves(), warm.lassoSolves() + " warm vs " + cold.lassoSolves() + " cold");
        }

        /** The physically shrunk model computes what the refitted network with the channels zeroed computed. */
        @Test
        void shrunkModelEqualsTheRefittedMaskedNetwork() {
            try (PointerScope scope = new PointerScope(); LeNet5 shrunk = lenet(4); LeNet5 kept = lenet(4)) {
                List<Tensor> images = images(5, 4, 64);
                ChannelPruning.builder().setModel(shrunk).setSampleBatches(images).setLayerRatios(half("conv2", "fc1", "fc2"))
                        .build().prune();
                ChannelPruning.builder().setModel(kept).setSampleBatches(images).setLayerRatios(half("conv2", "fc1", "fc2"))
                        .optShrink(false).build().prune();
                assertArrayEquals(new long[] {16, 6, 5, 5}, kept.conv2.weight().shape());
                shrunk.eval();
                kept.eval();
                try (NoGradGuard g = new NoGradGuard()) {
                    Tensor x = torch.randn(16, 1, 28, 28);
                    assertTrue(maxAbsDiff(shrunk.call(x), kept.call(x)) < 1e-4);
                }
            }
        }

        /**
         * New bias = old bias + intercept: least squares with an intercept leaves residuals of mean zero, so the refitted
         * layer's outputs on the samples match the original layer's (bias included) on average. The reference's bias
         * (intercept alone) would be off by the old bias.
         */
        @Test
        void biasIsOldBiasPlusIntercept() {
            try (PointerScope scope = new PointerScope(); LeNet5 model = lenet(6)) {
                List<Tensor> images = images(7, 4, 64);
                model.eval();
                Tensor[] fc3Inputs = new Tensor[images.size()];
                Tensor[] fc3Outputs = new Tensor[images.size()];
                try (NoGradGuard g = new NoGradGuard()) {
                    for (int b = 0; b < images.size(); b++) {
                        final int batch = b;
                        try (var h = model.fc3.registerForwardHook((m, in, out) -> {
                            fc3Inputs[batch] = in.clone();
                            fc3Outputs[batch] = out.clone();
                            return out;
                        })) {
                            model.call(images.get(b));
                        }
                    }
                }
                Tensor x = torch.cat(new org.bytedeco.pytorch.TensorVector(fc3Inputs), 0);
                Tensor original = torch.cat(new org.bytedeco.pytorch.TensorVector(fc3Outputs), 0);
                double oldBiasNorm = model.fc3.bias().abs().max().item_double();
                ChannelPruningResult r = ChannelPruning.builder().setModel(model).setSampleBatches(images)
                        .setLayerRatios(half("fc3")).optSelection(ChannelSelection.L1).optShrink(false).build().prune();
                assertEquals(42, r.layer("fc3").kept());
                try (NoGradGuard g = new NoGradGuard()) {
                    // fc2's outputs are unchanged (only fc3 is refitted), so fc3's sample inputs are the captured ones
                    Tensor refitted = Linear.linear(x, model.fc3.weight(), model.fc3.bias());
                    Tensor meanResidual = refitted.sub(original).mean(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
                    assertTrue(meanResidual.abs().max().item_double() < 1e-4, "mean residual " + meanResidual.abs().max().item_double());
                    assertTrue(oldBiasNorm > 1e-2, "the old bias matters in this case");
                }
            }
        }
    }

    @Nested
    class AccuracyFirst {

        /**
         * An evaluator whose accuracy is the number of input channels fc2 still reads (zero columns of its weight do not
         * count), so the threshold decides layer by layer: at 100 fc2 (120 -> at most 60 live) is refused and restored, fc3 passes.
         */
        @Test
        void aLayerBelowTheThresholdKeepsAllItsChannels() {
            try (PointerScope scope = new PointerScope(); LeNet5 model = lenet(8)) {
                Tensor fc2Before = model.fc2.weight().clone();
                java.util.function.ToDoubleFunction<dev.shrink4j.nn.Module> liveFc2Inputs = m -> ((LeNet5) m).fc2.weight().abs()
                        .sum(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).gt(new org.bytedeco.pytorch.Scalar(0))
                        .sum().item_double();
                ChannelPruningResult r = ChannelPruning.builder().setModel(model).setSampleBatches(images(9, 4, 64))
                        .setLayerRatios(half("fc2", "fc3")).optSelection(ChannelSelection.L1)
                        .optAccuracyFirst(liveFc2Inputs, 100).build().prune();
                assertEquals(120, r.layer("fc2").kept());
                // at most 60 of fc2's inputs stay live (a kept input that is dead on every sample gets a zero column)
                assertTrue(r.layer("fc2").note().matches("accuracy_first: (60|5\\d)\\.0000 < 100\\.0000 with it pruned, kept whole"),
                        r.layer("fc2").note());
                assertEquals(42, r.layer("fc3").kept());
                assertEquals(120.0, r.accuracyBefore());
                assertEquals(120.0, r.accuracyAfter(), "fc2 reads all its inputs again");
                assertArrayEquals(new long[] {42, 120}, model.fc2.weight().shape(), "fc2 loses only its filters (fc3's inputs)");
                assertEquals(0.0, maxAbsDiff(fc2Before.index_select(0, torch.arange(new org.bytedeco.pytorch.Scalar(84)).index_select(0,
                        Tensor.create(keptRows(r.removedInputChannels("fc3"), 84), 42))), model.fc2.weight()), "restored weights");
            }
        }

        private long[] keptRows(int[] removed, int total) {
            java.util.Set<Integer> gone = new java.util.HashSet<>();
            for (int i : removed) {
                gone.add(i);
            }
            return java.util.stream.IntStream.range(0, total).filter(i -> !gone.contains(i)).asLongStream().toArray();
        }
    }

    @Nested
    class RejectsBadInput {

        private String message(Map<String, Double> ratios, int images) {
            try (PointerScope scope = new PointerScope(); LeNet5 model = lenet(1)) {
                Tensor before = model.conv1.weight().clone();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelPruning.builder()
                        .setModel(model).setSampleBatches(images(2, 1, images)).setLayerRatios(ratios).build().prune());
                assertEquals(0.0, maxAbsDiff(before, model.conv1.weight()), "nothing changed");
                return e.getMessage();
            }
        }

        @Test
        void ratioOutsideUnitInterval() {
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("fc2", 1.5);
            r.put("fc3", 0.0);
            assertEquals("channel pruning of LeNet5: fc2: compress_ratio 1.5 is outside (0, 1]; "
                    + "fc3: compress_ratio 0.0 is outside (0, 1]", message(r, 8));
        }

        @Test
        void layersTheGraphCannotShrink() {
            assertEquals("channel pruning of LeNet5: conv1: its input channels cannot be removed (the model input); the first "
                    + "layer is not pruned; relu1 (ReLU) is not a Conv2d or Linear; channel pruning refits those only; "
                    + "layer \"fc9\" is not a module of LeNet5", message(half("conv1", "relu1", "fc9"), 8));
        }

        @Test
        void tooFewSamplesForTheRequestedChannels() {
            assertEquals("channel pruning of LeNet5: fc1: 100 samples (100 images × 1 positions) for up to 201 unknowns per "
                    + "output (8 kept channels × 25 features + intercept); too few samples for the requested channels: give "
                    + "more images (statistics_batch_num, trainset_ratio)", message(half("fc1"), 100));
        }
    }
}
