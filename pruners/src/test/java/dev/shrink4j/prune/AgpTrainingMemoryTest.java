package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import dev.shrink4j.workbench.train.TrainingMemory;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The resident-memory check of {@code TrainerMemoryTest} on an AGP-wrapped model: 3,000 steps of the
 * tiny CNN with masked weights, the masks recomputed at the first step of each of the 30 schedule
 * epochs (0 → 80% of both layers), so mask computation runs inside the measured steps too.
 */
class AgpTrainingMemoryTest {

    @Test
    @Tag("slow")
    void threeThousandAgpStepsKeepResidentMemoryFlat() {
        try (TrainingMemory.Rig rig = new TrainingMemory.Rig();
             AgpPruner agp = AgpPruner.builder().setModel(rig.model)
                     .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.8, \"op_types\": [\"Conv2d\", \"Linear\"]}]"))
                     .optOptimizer(rig.sgd).optEndEpoch(TrainingMemory.WARMUP_EPOCHS + TrainingMemory.MEASURED_EPOCHS - 1)
                     .build()) {
            agp.compress();
            rig.assertFlat("AGP ", new TrainingListener() {
                @Override
                public void onEpochStart(Trainer t, int epoch) {
                    agp.updateEpoch(epoch);
                }
            });
            assertEquals(32, agp.currentEpoch());
            // the schedule ran to its end (epoch 32): floor(72·0.8) = 57 of conv's weights, floor(3920·0.8) = 3136 of fc's
            assertEquals(Map.of("conv", 57 / 72.0, "fc", 3136 / 3920.0), agp.layerSparsity());
        }
    }
}
