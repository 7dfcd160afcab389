package dev.shrink4j.workbench.train;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Native memory stays flat over thousands of training steps: without a scope per step a small CNN
 * grows by gigabytes (see the bytedeco guide), with it the growth is a few megabytes. The check itself
 * ({@link TrainingMemory}) is shared with the tests that run it on QAT- and AGP-wrapped models
 * ({@code QatTrainingMemoryTest}, {@code AgpTrainingMemoryTest}).
 */
class TrainerMemoryTest {

    @Test
    @Tag("slow")
    void threeThousandCnnStepsKeepResidentMemoryFlat() {
        try (TrainingMemory.Rig rig = new TrainingMemory.Rig()) {
            rig.assertFlat("");
        }
    }
}
