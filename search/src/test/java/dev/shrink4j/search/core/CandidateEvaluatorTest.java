package dev.shrink4j.search.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The evaluator on the toy of {@code ChannelPruningEnvTest} with batch norms after the convolutions, checked
 * against independent computations: which filters L1 keeps, the FLOPs the environment predicts
 * (3663 for ratios {1, 0.5, 0.875, 0.7}), recalibrated statistics, accuracy and reward.
 */
class CandidateEvaluatorTest {

    private static final double[] RATIOS = {1, 0.5, 0.875, 0.7};

    private static Module toy() {
        return new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new Conv2d(4, 8, 3),
                new BatchNorm2d(8), new ReLU(), new Flatten(), new Linear(128, 10), new ReLU(), new Linear(10, 3));
    }

    /** The seed-3 toy, {@code samples} random 8×8 images of 3 classes and its environment at half the FLOPs. */
    private record Toy(Module model, Tensor images, Tensor labels, ChannelPruningEnv env) {

        static Toy of(int samples) {
            torch.manual_seed(3);
            Module model = toy();
            Tensor images = torch.randn(samples, 1, 8, 8);
            Tensor labels = torch.randint(0, 3, new long[] {samples});
            return new Toy(model, images, labels,
                    ChannelPruningEnv.builder().setModel(model).setInputShape(1, 1, 8, 8).setBudget(0.5).build());
        }

        /** An evaluator of the toy holding out the last {@code held} samples, batches of {@code batch}, 2 for BatchNorm. */
        CandidateEvaluator.Builder evaluator(int held, int batch) {
            return CandidateEvaluator.builder().setModel(model).setArchitecture(CandidateEvaluatorTest::toy)
                    .setEnvironment(env).setInputShape(1, 1, 8, 8).setTrainData(new Dataset("random", images, labels, 3))
                    .optValidationSize(held).optBatchSize(batch).optCalibrationBatches(2);
        }
    }

    @Test
    void prunesByL1RecalibratesAndScoresOnTheHeldOutSplit() {
        Toy toy = Toy.of(60);
        Module model = toy.model();
        Tensor images = toy.images();
        Tensor labels = toy.labels();
        ChannelPruningEnv env = toy.env();
        CandidateEvaluator evaluator = toy.evaluator(20, 10).build();

        try (Module copy = evaluator.prunedCopy(RATIOS); NoGradGuard noGrad = new NoGradGuard();
                PointerScope scope = new PointerScope()) {
            Conv2d conv1 = (Conv2d) copy.getSubmodule("0");
            assertEquals(2, conv1.outChannels());
            assertEquals(7, ((Conv2d) copy.getSubmodule("3")).outChannels());
            assertEquals(7, ((Linear) copy.getSubmodule("7")).outFeatures());
            // Independent: the two conv1 filters of largest L1 norm (group A = conv1's output only).
            float[] l1 = new float[4];
            ((Conv2d) model.getSubmodule("0")).weight().abs().sum(new long[] {1, 2, 3}, false,
                    new org.bytedeco.pytorch.ScalarTypeOptional()).contiguous().data_ptr_float().get(l1);
            int[] order = java.util.stream.IntStream.range(0, 4).boxed()
                    .sorted((a, b) -> Float.compare(l1[b], l1[a])).mapToInt(Integer::intValue).limit(2).sorted().toArray();
            Tensor expected = ((Conv2d) model.getSubmodule("0")).weight().index_select(0, Tensor.create(new long[] {order[0], order[1]}, 2));
            assertEquals(0.0, expected.sub(conv1.weight()).abs().max().item_double(), 0.0);

            // FLOPs: the profiler's Conv2d + Linear count of the real shrunk copy equals the environment's formula.
            long convLinear = ModelProfiler.profile(copy, 1, 1, 8, 8).layers().stream()
                    .filter(l -> l.type().equals("Conv2d") || l.type().equals("Linear")).mapToLong(l -> l.flops()).sum();
            assertEquals(3663, convLinear);
            assertEquals(3663, env.flopsOf(RATIOS));

            // BatchNorm 1: the mean over the two calibration batches (samples 0-9, 10-19) of conv1's channel means.
            Tensor m0 = conv1.call(images.narrow(0, 0, 10)).mean(new long[] {0, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor m1 = conv1.call(images.narrow(0, 10, 10)).mean(new long[] {0, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor mean = m0.add(m1).div(new org.bytedeco.pytorch.Scalar(2.0));
            BatchNorm2d bn1 = (BatchNorm2d) copy.getSubmodule("1");
            assertEquals(0.0, mean.sub(bn1.runningMean()).abs().max().item_double(), 1e-5);

            // Accuracy on the last 20 training samples, by an argmax of our own.
            Tensor predicted = copy.call(images.narrow(0, 40, 20)).argmax(new org.bytedeco.pytorch.LongOptional(1), false);
            double accuracy = predicted.eq(labels.narrow(0, 40, 20)).sum().item_double() / 20;
            long totalFlops = ModelProfiler.profile(copy, 1, 1, 8, 8).totalFlops();
            CandidateEvaluator.Evaluation score = evaluator.evaluate(RATIOS);
            assertEquals(accuracy, score.accuracy(), 1e-12);
            assertEquals(totalFlops, score.flops());
            assertEquals(accuracy, evaluator.score(RATIOS).reward(), 1e-12);   // ACC: percent × 0.01
            CandidateEvaluator accFlops = toy.evaluator(20, 10).optReward(CandidateEvaluator.Reward.ACC_FLOPS).build();
            assertEquals(-(100 - 100 * accuracy) * 0.01 * Math.log(totalFlops), accFlops.score(RATIOS).reward(), 1e-9);
            // NEG_LOSS: minus the mean cross entropy of the same 20 samples, log-softmax written out here.
            Tensor logits = copy.call(images.narrow(0, 40, 20));
            float[] z = new float[20 * 3];
            logits.contiguous().data_ptr_float().get(z);
            long[] y = new long[20];
            labels.narrow(0, 40, 20).contiguous().data_ptr_long().get(y);
            double sum = 0;
            for (int i = 0; i < 20; i++) {
                double max = Math.max(z[3 * i], Math.max(z[3 * i + 1], z[3 * i + 2]));
                double logSumExp = max + Math.log(Math.exp(z[3 * i] - max) + Math.exp(z[3 * i + 1] - max)
                        + Math.exp(z[3 * i + 2] - max));
                sum += logSumExp - z[3 * i + (int) y[i]];
            }
            CandidateEvaluator negLoss = toy.evaluator(20, 10).optReward(CandidateEvaluator.Reward.NEG_LOSS).build();
            assertEquals(-sum / 20, negLoss.score(RATIOS).reward(), 1e-5);
            assertEquals(accuracy, negLoss.evaluate(RATIOS).accuracy(), 1e-12);
        }
        // The trained model is untouched.
        assertArrayEquals(new long[] {4, 1, 3, 3}, ((Conv2d) model.getSubmodule("0")).weight().shape());
    }

    /**
     * The candidate key is the channels each group keeps: conv1's 4 outputs × 0.5 = 2, conv2's 8 × 0.875 = 7, fc1's
     * 10 × 0.7 = 7. Ratios that round alike (0.55 × 4 = 2.2) or differ only in the first layer, whose input is the
     * image, are the same model and score the same; 0.65 × 4 = 2.6 rounds to 3 channels, another model.
     */
    @Test
    void candidateKeyIsTheKeptChannelsAndEqualKeysScoreTheSame() {
        Toy toy = Toy.of(60);
        CandidateEvaluator evaluator = toy.evaluator(20, 10).build();
        double[] alike = {0.2, 0.55, 0.875, 0.7};
        assertEquals(List.of(2, 7, 7), evaluator.candidateKey(RATIOS));
        assertEquals(evaluator.candidateKey(RATIOS), evaluator.candidateKey(alike));
        assertEquals(List.of(3, 7, 7), evaluator.candidateKey(new double[] {1, 0.65, 0.875, 0.7}));
        assertEquals(evaluator.score(RATIOS), evaluator.score(alike));
    }

    /**
     * The short fine-tune is Adam on the training part's batches in the order a loader shuffled with the fine-tune
     * seed gives: after one step every parameter of the pruned copy has moved by Adam's first step, {@code lr · g /
     * (|g| + 1e-8)} (m̂ = g, v̂ = g²), with g the gradient of the cross entropy of that first batch, computed here on an
     * independent pruned copy; the score is the held-out accuracy of the fine-tuned copy, and scoring twice gives the
     * same model. The fine-tune's batches are the scoring batch size (10) unless a fine-tune batch size (8) is set,
     * which changes neither the BatchNorm recalibration nor the scoring.
     */
    @ParameterizedTest(name = "fine-tune batch size {0} (0: the scoring batch size, 10)")
    @ValueSource(ints = {0, 8})
    void shortFineTuneTakesAdamStepsOnTheSeededBatchesOfTheTrainingPart(int fineTuneBatchSize) {
        Toy toy = Toy.of(60);
        Module model = toy.model();
        Tensor images = toy.images();
        Tensor labels = toy.labels();
        ChannelPruningEnv env = toy.env();
        double lr = 0.01;
        CandidateEvaluator.Builder b = toy.evaluator(20, 10);
        CandidateEvaluator plain = b.build();
        if (fineTuneBatchSize > 0) {
            b.optFineTuneBatchSize(fineTuneBatchSize);
        }
        int firstBatchSize = fineTuneBatchSize > 0 ? fineTuneBatchSize : 10;
        CandidateEvaluator tuned = b.optFineTune(1, lr, 11).build();
        assertEquals(1, tuned.fineTuneSteps());

        try (Module expected = plain.prunedCopy(RATIOS); Module got = tuned.candidate(RATIOS);
                Module again = tuned.candidate(RATIOS); PointerScope scope = new PointerScope()) {
            Dataset trainPart = new Dataset("train part", images.narrow(0, 0, 40), labels.narrow(0, 0, 40), 3);
            dev.shrink4j.workbench.data.Batch first = dev.shrink4j.workbench.data.DataLoader.builder()
                    .setDataset(trainPart).setBatchSize(firstBatchSize).optShuffle(11).build().iterator().next();
            expected.train();
            torch.cross_entropy(expected.call(first.x()), first.y()).backward();
            java.util.Map<String, Tensor> before = expected.namedParameters();
            java.util.Map<String, Tensor> after = got.namedParameters();
            assertEquals(before.keySet(), after.keySet());
            try (NoGradGuard noGrad = new NoGradGuard()) {
                for (String name : before.keySet()) {
                    Tensor w = before.get(name);
                    Tensor g = w.grad();
                    Tensor step = g.div(g.abs().add(new org.bytedeco.pytorch.Scalar(1e-8))).mul(new org.bytedeco.pytorch.Scalar(lr));
                    assertEquals(0.0, w.sub(step).sub(after.get(name)).abs().max().item_double(), 1e-6, name);
                    assertEquals(0.0, after.get(name).sub(again.namedParameters().get(name)).abs().max().item_double(), 0.0, name);
                }
                // the score is the fine-tuned copy's accuracy on the last 20 samples (an argmax of our own); scoring
                // fine-tunes even under the caller's NoGradGuard
                Tensor predicted = got.call(images.narrow(0, 40, 20)).argmax(new org.bytedeco.pytorch.LongOptional(1), false);
                double accuracy = predicted.eq(labels.narrow(0, 40, 20)).sum().item_double() / 20;
                assertEquals(accuracy, tuned.evaluate(RATIOS).accuracy(), 1e-12);
            }
        }
        // four batches of 10 (five of 8) in the 40-sample training part: one step more is refused when the evaluator
        // is built
        int batches = (40 + firstBatchSize - 1) / firstBatchSize;
        IllegalArgumentException tooMany = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.optFineTune(batches + 1, lr, 11).build());
        assertEquals("fineTuneSteps " + (batches + 1) + " exceeds the " + batches + " batches of " + firstBatchSize
                + " in the training part (40 samples)", tooMany.getMessage());
        IllegalArgumentException noBatch = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.optFineTuneBatchSize(0));
        assertEquals("fineTuneBatchSize must be at least 1, got 0", noBatch.getMessage());
    }

    /**
     * A candidate scored on another fine-tune seed (a search's finalists) is the candidate of an evaluator configured
     * with that seed, to the bit, and differs from the configured seed's: the seed draws the fine-tune's batches.
     */
    @Test
    void anotherFineTuneSeedIsTheEvaluatorConfiguredWithIt() {
        Toy toy = Toy.of(60);
        CandidateEvaluator seed11 = toy.evaluator(20, 10).optFineTune(2, 0.01, 11).build();
        CandidateEvaluator seed12 = toy.evaluator(20, 10).optFineTune(2, 0.01, 12).build();
        try (Module asked = seed11.candidate(RATIOS, 12); Module configured = seed12.candidate(RATIOS);
                Module own = seed11.candidate(RATIOS); PointerScope scope = new PointerScope()) {
            java.util.Map<String, Tensor> expected = configured.namedParameters();
            double largestFromOwnSeed = 0;
            for (java.util.Map.Entry<String, Tensor> p : asked.namedParameters().entrySet()) {
                assertEquals(0.0, p.getValue().sub(expected.get(p.getKey())).abs().max().item_double(), 0.0, p.getKey());
                largestFromOwnSeed = Math.max(largestFromOwnSeed,
                        p.getValue().sub(own.namedParameters().get(p.getKey())).abs().max().item_double());
            }
            assertTrue(largestFromOwnSeed > 1e-4, "seed 12's candidate equals seed 11's: " + largestFromOwnSeed);
            assertEquals(seed12.evaluate(RATIOS).accuracy(), seed11.evaluate(RATIOS, 12).accuracy(), 0.0);
            assertEquals(seed11.evaluate(RATIOS).reward(), seed11.evaluate(RATIOS, 11).reward(), 0.0);
        }
    }

    /**
     * With reconstruction a candidate is what AMC's environment (and {@code prune} of the best config) makes of the
     * trained model: {@link dev.shrink4j.amc.channel.ChannelPruning} with L1 selection on the first calibration
     * batches, each group's reading layer at kept / group size; the copy equals that pruning done here by hand to the
     * last bit, has the environment's FLOPs (3663) and differs from the unrefitted L1-filter copy.
     */
    @Test
    void reconstructionPrunesAsAmcsEnvironmentWithTheEnvironmentsFlops() {
        Toy toy = Toy.of(300);
        Module model = toy.model();
        Tensor images = toy.images();
        Tensor labels = toy.labels();
        ChannelPruningEnv env = toy.env();
        CandidateEvaluator.Builder b = toy.evaluator(50, 100);
        CandidateEvaluator plain = b.build();
        CandidateEvaluator refit = b.optReconstruction(true).build();
        try (Module got = refit.prunedCopy(RATIOS); Module l1 = plain.prunedCopy(RATIOS); Module byHand = toy();
                PointerScope scope = new PointerScope()) {
            byHand.loadStateDict(model.stateDict(), true);
            // kept channels {2 of 4, 7 of 8, 7 of 10}: the readers of conv1's, conv2's and fc1's outputs
            java.util.Map<String, Double> ratios = new java.util.LinkedHashMap<>();
            ratios.put("3", 2 / 4.0);
            ratios.put("7", 7 / 8.0);
            ratios.put("9", 7 / 10.0);
            dev.shrink4j.amc.channel.ChannelPruning.builder().setModel(byHand)
                    .setSampleBatches(java.util.List.of(images.narrow(0, 0, 100), images.narrow(0, 100, 100)))
                    .setLayerRatios(ratios).optSelection(dev.shrink4j.amc.channel.ChannelSelection.L1).build().prune();
            java.util.Map<String, Tensor> expected = byHand.namedParameters();
            java.util.Map<String, Tensor> actual = got.namedParameters();
            assertEquals(expected.keySet(), actual.keySet());
            double refitFromL1 = 0;
            for (String name : expected.keySet()) {
                assertArrayEquals(expected.get(name).shape(), actual.get(name).shape(), name);
                assertEquals(0.0, expected.get(name).sub(actual.get(name)).abs().max().item_double(), 0.0, name);
                assertArrayEquals(l1.namedParameters().get(name).shape(), actual.get(name).shape(), name);
                refitFromL1 = Math.max(refitFromL1,
                        l1.namedParameters().get(name).sub(actual.get(name)).abs().max().item_double());
            }
            assertTrue(refitFromL1 > 1e-3, "the refit changed nothing: " + refitFromL1);
            long convLinear = ModelProfiler.profile(got, 1, 1, 8, 8).layers().stream()
                    .filter(l -> l.type().equals("Conv2d") || l.type().equals("Linear")).mapToLong(l -> l.flops()).sum();
            assertEquals(3663, convLinear);
        }
    }

    /**
     * ResNet-20's residual stream is one 64-channel group whose first-stage members carry 16 of its channels and
     * second-stage members 32 (the zero-padded shortcuts offset them); the environment counts each member's own kept
     * channels, so its FLOPs equal the profiler's count of the real shrunk copy for every ratio vector, including
     * whole episodes of random actions under the budget.
     */
    @Test
    void residualStreamFlopsEqualTheShrunkCopysOnResNet20() {
        torch.manual_seed(5);
        Supplier<Module> architecture = () -> ModelZoo.create("resnet20", 1, 10);
        Module model = architecture.get();
        Dataset data = new Dataset("random", torch.randn(40, 1, 16, 16), torch.randint(0, 10, new long[] {40}), 10);
        ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(model).setInputShape(1, 1, 16, 16).setBudget(0.5).build();
        CandidateEvaluator evaluator = CandidateEvaluator.builder().setModel(model).setArchitecture(architecture)
                .setEnvironment(env).setInputShape(1, 1, 16, 16).setTrainData(data).optValidationSize(10)
                .optBatchSize(10).optCalibrationBatches(1).build();
        // reconstruction refits one reader per group; the stream has ten: refused when the evaluator is built
        IllegalArgumentException refit = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CandidateEvaluator.builder().setModel(model).setArchitecture(architecture).setEnvironment(env)
                        .setInputShape(1, 1, 16, 16).setTrainData(data).optValidationSize(10).optReconstruction(true).build());
        assertTrue(refit.getMessage().startsWith("reconstruct: the channels of ") && refit.getMessage().contains(
                "layer1.0.conv1, ") && refit.getMessage().contains(", linear;"), refit.getMessage());
        double[] uniform = new double[env.layerCount()];
        java.util.Arrays.fill(uniform, 0.5);
        java.util.List<double[]> candidates = new java.util.ArrayList<>(java.util.List.of(uniform));
        java.util.Random random = new java.util.Random(7);
        for (int episode = 0; episode < 3; episode++) {
            env.reset();
            for (int t = 0; t < env.layerCount(); t++) {
                env.step(random.nextDouble());
            }
            assertTrue(env.flops() <= 0.5 * env.fullFlops(), "episode " + episode + ": " + env.flops());
            candidates.add(env.keepRatios());
        }
        for (double[] ratios : candidates) {
            try (Module copy = evaluator.prunedCopy(ratios)) {
                long convLinear = ModelProfiler.profile(copy, 1, 1, 16, 16).layers().stream()
                        .filter(l -> l.type().equals("Conv2d") || l.type().equals("Linear")).mapToLong(l -> l.flops()).sum();
                assertEquals(convLinear, env.flopsOf(ratios), java.util.Arrays.toString(ratios));
                // the stream's removed channels split over the stages as the group's L1 order says: stage 1's 16
                // channels are the group's 24..39, stage 2's 32 are 16..47 (each shortcut pads a quarter per side)
                int stream = env.layers().stream().filter(l -> l.name().equals("layer1.0.conv1")).findFirst().orElseThrow().inGroup();
                int[] removed = env.removedChannels(stream, env.keptChannels(ratios)[stream]);
                long stage1Removed = java.util.Arrays.stream(removed).filter(c -> c >= 24 && c < 40).count();
                long stage2Removed = java.util.Arrays.stream(removed).filter(c -> c >= 16 && c < 48).count();
                assertEquals(16 - stage1Removed, ((Conv2d) copy.getSubmodule("layer1.0.conv1")).inChannels());
                assertEquals(32 - stage2Removed, ((Conv2d) copy.getSubmodule("layer2.1.conv1")).inChannels());
                assertEquals(64 - removed.length, ((Conv2d) copy.getSubmodule("layer3.1.conv1")).inChannels());
                // effective ratios: the stem reads the image (1), every later reader of the stream follows its first
                java.util.List<String> names = env.prunableLayerNames();
                double[] effective = env.effectiveRatios(ratios);
                assertEquals(1.0, effective[names.indexOf("conv1")]);
                double first = ratios[names.indexOf("layer1.0.conv1")];
                for (String reader : java.util.List.of("layer1.0.conv1", "layer2.1.conv1", "layer3.2.conv1", "linear")) {
                    assertEquals(first, effective[names.indexOf(reader)], 0.0, reader);
                }
                assertEquals(ratios[names.indexOf("layer2.1.conv2")], effective[names.indexOf("layer2.1.conv2")], 0.0);
                assertArrayEquals(env.keptChannels(ratios), env.keptChannels(effective));
            }
        }
    }
}
