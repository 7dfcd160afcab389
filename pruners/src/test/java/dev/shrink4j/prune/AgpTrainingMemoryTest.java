package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import dev.shrink4j.workbench.train.TrainingMemory;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resident-memory check of {@code TrainerMemoryTest} on an AGP-wrapped model: 3,000 steps of the
 * tiny CNN with masked weights, the masks recomputed at the first step of each of the 30 schedule
 * epochs (0 → 80% of both layers), so mask computation runs inside the measured steps too.
 */
class AgpTrainingMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(AgpTrainingMemoryTest.class);

    @Test
    @Tag("slow")
    void threeThousandAgpStepsKeepResidentMemoryFlat() {
        try (Dataset ds = TrainingMemory.noise(); TrainingMemory.TinyCnn model = new TrainingMemory.TinyCnn();
             Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters());
             AgpPruner agp = AgpPruner.builder().setModel(model)
                     .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.8, \"op_types\": [\"Conv2d\", \"Linear\"]}]"))
                     .optOptimizer(sgd).optEndEpoch(TrainingMemory.WARMUP_EPOCHS + TrainingMemory.MEASURED_EPOCHS - 1)
                     .build()) {
            agp.compress();
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onEpochStart(Trainer t, int epoch) {
                            agp.updateEpoch(epoch);
                        }
                    }).build();
            TrainingMemory.Growth g = TrainingMemory.measure(trainer, TrainingMemory.loader(ds));
            LOG.info("3000 AGP tiny-CNN steps at batch 16: {}", g);
            assertEquals(3300, g.steps());
            assertEquals(32, agp.currentEpoch());
            // the schedule ran to its end (epoch 32): floor(72·0.8) = 57 of conv's weights, floor(3920·0.8) = 3136 of fc's
            assertEquals(Map.of("conv", 57 / 72.0, "fc", 3136 / 3920.0), agp.layerSparsity());
            assertTrue(g.growth() < TrainingMemory.LIMIT_BYTES, "native resident memory (Java heap excluded) grew by " + (g.growth() >> 20)
                    + " MB over 3000 AGP steps");
        }
    }
}
