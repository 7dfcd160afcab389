package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgpScheduleTest {

    private static AgpSchedule schedule(double start, double end, double frequency) {
        return AgpSchedule.of(start, end, frequency);
    }

    /** The message with which {@link AgpSchedule#of} refuses these options. */
    private static String refusal(double start, double end, double frequency) {
        return assertThrows(IllegalArgumentException.class, () -> schedule(start, end, frequency)).getMessage();
    }

    @Test
    void wholeFrequencyKeepsNnisEpochs() {
        assertEquals(new AgpSchedule(1, 2, 10, 3), schedule(2, 10, 3));
        assertEquals(new AgpSchedule(1, 0, 10, 1), AgpSchedule.of(AgpSchedule.DEFAULT_START_EPOCH,
                AgpSchedule.DEFAULT_END_EPOCH, AgpSchedule.DEFAULT_FREQUENCY));
    }

    @Test
    void fractionalFrequencyCountsTicks() {
        // 0.1 epoch per tick: 1.2 epochs are 12 ticks (1.2 · 10 = 12.000000000000002 in binary)
        assertEquals(new AgpSchedule(10, 0, 12, 1), schedule(0, 1.2, 0.1));
        assertEquals(new AgpSchedule(4, 2, 7, 1), schedule(0.5, 1.75, 0.25));
    }

    @Test
    void badSchedulesNameTheOption() {
        assertEquals("agp option \"frequency\" must be a whole number of epochs or 1/k of an epoch (0.5, 0.25, 0.1, ...), got 0.3", refusal(0, 3, 0.3));
        assertEquals("agp option \"frequency\" must be positive, got 0.0", refusal(0, 3, 0));
        assertEquals("agp option \"end_epoch\" must be a multiple of \"frequency\" (0.25), got 1.1", refusal(0, 1.1, 0.25));
        assertEquals("agp option \"start_epoch\" must be ≥ 0, got -1.0", refusal(-1, 3, 1));
        assertEquals("agp option \"end_epoch\" (1.0) must be after \"start_epoch\" (1.0)", refusal(1, 1, 0.5));
        // beyond int: once rounded to −1 ticks, the end came "before" the start, or the frequency was −1
        assertEquals("agp option \"end_epoch\" must be at most 2147483647 epochs, got 1.0E20", refusal(0, 1e20, 1));
        assertEquals("agp option \"end_epoch\" must be at most 214748364 epochs when \"frequency\" is 0.1, got 3.0E8", refusal(0, 3e8, 0.1));
        assertEquals("agp option \"frequency\" must be at most 2147483647 epochs, got 1.0E20", refusal(0, 3, 1e20));
    }

    /** Ticks of 1/4 epoch over 10 batches: updates after batches ⌈10/4⌉ = 3, ⌈20/4⌉ = 5 and ⌈30/4⌉ = 8. */
    @Test
    void scheduledTicksInsideTheEpoch() {
        try (Sequential model = new Sequential(new Linear(4, 2))) {
            List<Integer> updates = new ArrayList<>();
            ConfigList list = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]");
            AgpPruner agp = AgpPruner.builder().setModel(model).setConfigList(list).optSchedule(schedule(0, 2, 0.25)).build();
            assertEquals(4, agp.ticksPerEpoch());
            assertEquals(8, agp.endEpoch());
            agp.compress();
            for (int epoch = 0; epoch < 2; epoch++) {
                agp.onEpochStart(epoch);
                updates.add(agp.currentEpoch());
                for (int b = 0; b < 10; b++) {
                    int before = agp.currentEpoch();
                    agp.onBatchEnd(epoch, b, 10);
                    if (agp.currentEpoch() != before) {
                        updates.add(b + 1);
                        updates.add(agp.currentEpoch());
                    }
                }
            }
            // epoch 0: tick 0 at the start (ignored by updateEpoch, as NNI), ticks 1, 2, 3 after batches 3, 5, 8;
            // epoch 1: tick 4 at the start, then 5, 6, 7
            assertEquals(List.of(0, 3, 1, 5, 2, 8, 3, 4, 3, 5, 5, 6, 8, 7), updates);
        }
    }
}
