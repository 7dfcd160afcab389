package dev.shrink4j.search.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.TrainingMemory;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A search scores hundreds of candidates, each a fresh copy of the model pruned, refitted, recalibrated, fine-tuned and
 * evaluated: the resident set must stay flat over them, as over training steps, measured the same way
 * ({@link TrainingMemory#measure(Runnable, Runnable, long)}). LeNet-5 on
 * random 28×28 images, scored the way {@code genetic-refit-epoch.json} scores (least-squares reconstruction, a short
 * Adam fine-tune, held-out accuracy), 20 candidates of warm-up, then 150 measured, each also scored on a second
 * fine-tune seed as finalists are. The reading settles before the warm-up: the garbage of the module's earlier tests,
 * freed inside the window, hid 125 MB in a module run without it.
 */
class CandidateEvaluatorMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(CandidateEvaluatorMemoryTest.class);

    private static final int WARMUP = 20;
    private static final int MEASURED = 150;
    /**
     * The native growth that fails the check. Measured with the tests' pre-touched 2 GB heap (the collector then runs
     * rarely, so memory left to it piles up): −3 and −2 MB; before the evaluator took its batches and the fresh copy's
     * initialisation inside scopes, +101 MB; keeping a reference to each candidate's pruned LeNet-5 copy, +31 MB.
     */
    private static final long LIMIT_BYTES = 16L << 20;

    @Test
    @Tag("slow")
    void scoringOneHundredFiftyCandidatesKeepsResidentMemoryFlat() {
        torch.manual_seed(11);
        Supplier<Module> architecture = () -> ModelZoo.create("lenet5", 1, 10);
        try (Module model = architecture.get();
                Dataset data = randomData()) {
            ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(model).setInputShape(1, 1, 28, 28).setBudget(0.5)
                    .build();
            CandidateEvaluator evaluator = CandidateEvaluator.builder().setModel(model).setArchitecture(architecture)
                    .setEnvironment(env).setInputShape(1, 1, 28, 28).setTrainData(data).optValidationSize(100)
                    .optBatchSize(50).optCalibrationBatches(9).optReconstruction(true).optFineTune(4, 1e-3, 1)
                    .optFineTuneBatchSize(32).build();
            Random random = new Random(3);
            TrainingMemory.Growth g = TrainingMemory.measure(() -> score(evaluator, random, WARMUP),
                    () -> score(evaluator, random, MEASURED), MEASURED);
            long growth = g.growth();
            LOG.info(String.format(Locale.ROOT, "%d LeNet-5 candidates (refit, 4 fine-tune steps, 2 seeds): resident %d MB"
                    + " → native growth %d MB (Java heap +%d MB), %.0f ms per candidate", MEASURED, g.residentBefore() >> 20,
                    growth >> 20, g.heapGrowth() >> 20, g.millisPerStep()));
            assertTrue(growth < LIMIT_BYTES, "native resident memory grew by " + (growth >> 20) + " MB over " + MEASURED
                    + " candidates");
        }
    }

    /** Scores {@code count} random candidates (each layer's ratio in [0.2, 1]) on fine-tune seeds 1 and 2. */
    private static void score(CandidateEvaluator evaluator, Random random, int count) {
        for (int c = 0; c < count; c++) {
            double[] ratios = new double[evaluator.layerCount()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = 0.2 + 0.8 * random.nextDouble();
            }
            evaluator.evaluate(ratios);
            evaluator.evaluate(ratios, 2);
        }
    }

    /**
     * 700 random images of LeNet-5's input size with random labels of 10 classes: 9 batches of 50 calibrate, as fc1's
     * refit needs up to 16 · 25 + 1 samples, and the last 100 are held out.
     */
    private static Dataset randomData() {
        try (PointerScope scope = new PointerScope()) {
            return new Dataset("random", torch.randn(700, 1, 28, 28), torch.randint(0, 10, new long[] {700}), 10);
        }
    }
}
