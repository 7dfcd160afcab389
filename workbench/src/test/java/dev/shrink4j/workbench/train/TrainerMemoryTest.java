package dev.shrink4j.workbench.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.optim.Sgd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native memory stays flat over thousands of training steps: without a scope per step a small CNN
 * grows by gigabytes (see the bytedeco guide), with it the growth is a few megabytes. The check itself
 * ({@link TrainingMemory}) is shared with the tests that run it on QAT- and AGP-wrapped models
 * ({@code QatTrainingMemoryTest}, {@code AgpTrainingMemoryTest}).
 */
class TrainerMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerMemoryTest.class);

    @Test
    @Tag("slow")
    void threeThousandCnnStepsKeepResidentMemoryFlat() {
        try (Dataset ds = TrainingMemory.noise(); TrainingMemory.TinyCnn model = new TrainingMemory.TinyCnn();
             Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters())) {
            DataLoader loader = TrainingMemory.loader(ds);
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build();
            TrainingMemory.Growth g = TrainingMemory.measure(trainer, loader);
            LOG.info("3000 tiny-CNN steps at batch 16: {}", g);
            assertEquals(3300, g.steps());
            assertTrue(g.growth() < TrainingMemory.LIMIT_BYTES, "native resident memory (Java heap excluded) grew by " + (g.growth() >> 20)
                    + " MB over 3000 steps");
        }
    }
}
