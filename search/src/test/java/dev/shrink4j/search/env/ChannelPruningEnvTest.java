package dev.shrink4j.search.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.workbench.stats.ModelProfiler;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The environment on a 4-layer toy, every number computed by hand below.
 *
 * <p>Toy: conv1 1→4 3×3 (8×8 → 6×6), conv2 4→8 3×3 (→ 4×4), flatten (128), fc1 128→10, fc2 10→3, all with bias.
 * Channel groups: A = conv1 out / conv2 in (4), B = conv2 out / fc1 in (8, 16 features each), C = fc1 out /
 * fc2 in (10). With kA, kB, kC channels kept the FLOPs are
 * conv1 = 36·kA·9 + 36·kA = 360·kA; conv2 = 16·kB·kA·9 + 16·kB = 144·kA·kB + 16·kB;
 * fc1 = kC·16·kB + kC; fc2 = 3·kC + 3. Full: 1440 + 4736 + 1290 + 33 = 7499.
 */
class ChannelPruningEnvTest {

    private static final double EPS = 1e-12;

    static Module toy() {
        return new Sequential(new Conv2d(1, 4, 3), new ReLU(), new Conv2d(4, 8, 3), new ReLU(), new Flatten(),
                new Linear(128, 10), new ReLU(), new Linear(10, 3));
    }

    static ChannelPruningEnv env(double budget) {
        return ChannelPruningEnv.builder().setModel(toy()).setInputShape(1, 1, 8, 8).setBudget(budget).build();
    }

    @Test
    void fullFlopsMatchTheHandCountAndTheProfiler() {
        ChannelPruningEnv env = env(0.5);
        assertEquals(7499, env.fullFlops());
        long profiled = ModelProfiler.profile(toy(), 1, 1, 8, 8).layers().stream()
                .filter(l -> l.type().equals("Conv2d") || l.type().equals("Linear")).mapToLong(l -> l.flops()).sum();
        assertEquals(profiled, env.fullFlops());
        assertEquals(List.of("0", "2", "5", "7"), env.prunableLayerNames());
        assertArrayEquals(new int[] {4, 8, 10}, env.groupSizes());
    }

    @Test
    void statesCappedActionsAndFlopsByHand() {
        ChannelPruningEnv env = env(0.5);   // limit 3749.5
        // Static columns, min-max normalised: index 0..3; type 0,0,1,1; c_in 1,4,128,10 (−1)/127;
        // c_out 4,8,10,3 (−3)/7; stride 1,1,0,0; kernel 3,3,1,1; weights 36,288,1280,30 (−30)/1250.
        double[][] statics = {
            {0, 0, 0, 1 / 7.0, 1, 1, 6 / 1250.0},
            {1 / 3.0, 0, 3 / 127.0, 5 / 7.0, 1, 1, 258 / 1250.0},
            {2 / 3.0, 1, 1, 1, 0, 0, 1},
            {1, 1, 9 / 127.0, 0, 0, 0, 0}};
        double[] s0 = env.reset();
        assertArrayEquals(concat(statics[0], 0, 6059 / 7499.0, 1), s0, EPS);

        // conv1 reads the image: its group is pinned, any action gives 1.
        ChannelPruningEnv.Step r0 = env.step(0.3);
        assertEquals(1.0, r0.appliedRatio(), EPS);
        assertArrayEquals(concat(statics[1], 0, 1323 / 7499.0, 1), r0.nextState(), EPS);

        // conv2: 0.6·4 = 2.4 → 2 channels of A; with B, C at their minimum 2: 720+576+32+66+9 = 1403 fits.
        ChannelPruningEnv.Step r1 = env.step(0.6);
        assertEquals(0.5, r1.appliedRatio(), EPS);
        // FLOPs now (kA 2, kB 8, kC 10): 720 + 2432 + 1290 + 33 = 4475, reduced 3024.
        assertArrayEquals(concat(statics[2], 3024 / 7499.0, 33 / 7499.0, 0.5), r1.nextState(), EPS);

        // fc1: 0.9·8 = 7.2 → 7; with C at 2: 720 + 2128 + 226 + 9 = 3083 fits.
        ChannelPruningEnv.Step r2 = env.step(0.9);
        assertEquals(0.875, r2.appliedRatio(), EPS);
        // FLOPs now (2, 7, 10): 720 + 2128 + 1130 + 33 = 4011, reduced 3488.
        assertArrayEquals(concat(statics[3], 3488 / 7499.0, 0, 0.875), r2.nextState(), EPS);

        // fc2: 0.9·10 → 9: 720+2128+1017+30 = 3895 > 3749.5; 8: 3779 >; 7: 720+2128+791+24 = 3663 fits.
        ChannelPruningEnv.Step r3 = env.step(0.9);
        assertEquals(0.7, r3.appliedRatio(), EPS);
        assertTrue(r3.done());
        assertEquals(3663, env.flops());
        assertArrayEquals(new int[] {2, 7, 7}, env.keptChannels());
        assertArrayEquals(new double[] {1, 0.5, 0.875, 0.7}, env.keepRatios(), EPS);
        assertThrows(IllegalStateException.class, () -> env.step(1));
    }

    @Test
    void theWallCapsAnEarlyGreedyLayer() {
        ChannelPruningEnv env = env(0.5);
        env.reset();
        env.step(1);
        assertEquals(1.0, env.step(0.9).appliedRatio(), EPS);      // 0.9·4 → 4 (2699 with B, C at 2)
        // fc1 0.9 → 7: (4,7,2) = 1440+4144+226+9 > 3749.5; 6, 5, 4 too (4: 3947); 3: 1440+1776+98+9 = 3323.
        assertEquals(0.375, env.step(0.9).appliedRatio(), EPS);
        assertEquals(0.9, env.step(0.9).appliedRatio(), EPS);       // (4,3,9): 1440+1776+441+30 = 3687
        assertEquals(3687, env.flops());
    }

    @Test
    void onlyTheLayersReadingAShrinkableGroupDecide() {
        // layer 0 reads the image (pinned); 2, 5 and 7 read groups A, B and C first
        assertArrayEquals(new boolean[] {false, true, true, true}, env(0.5).decidingLayers());
    }

    @Test
    void effectiveRatiosGiveThePinnedLayerOneAndKeepTheDecidingOnes() {
        ChannelPruningEnv env = env(0.5);
        // layer 0's 0.3 has no effect (it reads the image); 2, 5 and 7 decide groups A, B and C
        double[] effective = env.effectiveRatios(new double[] {0.3, 0.6, 0.9, 0.9});
        assertArrayEquals(new double[] {1, 0.6, 0.9, 0.9}, effective, 0.0);
        assertArrayEquals(new int[] {2, 7, 9}, env.keptChannels(effective));
    }

    @Test
    void flopsOfRatiosRoundsWithoutTheCap() {
        ChannelPruningEnv env = env(0.5);
        assertArrayEquals(new int[] {2, 7, 9}, env.keptChannels(new double[] {1, 0.6, 0.9, 0.9}));
        assertEquals(720 + 2128 + 1017 + 30, env.flopsOf(new double[] {1, 0.6, 0.9, 0.9}));
        assertEquals(7499, env.flopsOf(new double[] {1, 1, 1, 1}));
    }

    @Test
    void theBudgetHoldsInEveryEpisodeOfRandomActions() {
        Random random = new Random(7);
        for (double budget : new double[] {0.12, 0.3, 0.5, 0.8}) {
            ChannelPruningEnv env = env(budget);
            for (int episode = 0; episode < 300; episode++) {
                env.reset();
                ChannelPruningEnv.Step s;
                do {
                    s = env.step(random.nextDouble() * 1.4 - 0.2);
                    assertTrue(s.appliedRatio() >= 0.2, "ratio below lbound: " + s.appliedRatio());
                } while (!s.done());
                assertTrue(env.flops() <= budget * env.fullFlops(),
                        "budget " + budget + " exceeded: " + env.flops() + " of " + env.fullFlops());
            }
        }
    }

    @Test
    void theBudgetHoldsWithChannelRounding() {
        Random random = new Random(11);
        for (double budget : new double[] {0.3, 0.5, 0.8}) {
            ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(toy()).setInputShape(1, 1, 8, 8)
                    .setBudget(budget).optChannelRound(2).build();
            for (int episode = 0; episode < 200; episode++) {
                env.reset();
                while (!env.step(random.nextDouble()).done()) {
                    // walk the episode
                }
                for (int kept : env.keptChannels()) {
                    assertEquals(0, kept % 2, "kept " + kept + " is not a multiple of 2");
                }
                assertTrue(env.flops() <= budget * env.fullFlops(), "budget " + budget + " exceeded: " + env.flops());
            }
        }
        // With multiples of 2 the fewest channels are 2, 2, 2: 720 + 576 + 32 + 66 + 9 = 1403 of 7499.
        assertEquals("budget 0.15 is infeasible: with the lower bound 0.2 on every prunable layer the model keeps at"
                + " least 0.1871 of its FLOPs (1403 of 7499)", assertThrows(IllegalArgumentException.class,
                () -> ChannelPruningEnv.builder().setModel(toy()).setInputShape(1, 1, 8, 8).setBudget(0.15)
                        .optChannelRound(2).build()).getMessage());
    }

    @Test
    void badInputNamesTheSetting() {
        assertEquals("budget (fraction of FLOPs to keep) must be in (0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> env(1.0)).getMessage());
        assertEquals("budget (fraction of FLOPs to keep) must be in (0, 1), got 0.0",
                assertThrows(IllegalArgumentException.class, () -> env(0.0)).getMessage());
        // Minimum at lbound 0.2: kA 1, kB 2, kC 2 → 360 + 288 + 32 + 64 + 2 + 9 = 755 of 7499.
        assertEquals("budget 0.1 is infeasible: with the lower bound 0.2 on every prunable layer the model keeps at"
                + " least 0.1007 of its FLOPs (755 of 7499)",
                assertThrows(IllegalArgumentException.class, () -> env(0.1)).getMessage());
        Module onlyFirst = new Sequential(new Conv2d(1, 4, 3));
        String message = assertThrows(IllegalArgumentException.class, () -> ChannelPruningEnv.builder()
                .setModel(onlyFirst).setInputShape(1, 1, 8, 8).setBudget(0.5).build()).getMessage();
        assertTrue(message.startsWith("model has no prunable layer"), message);
    }

    private static double[] concat(double[] statics, double reduced, double rest, double previous) {
        double[] s = new double[10];
        System.arraycopy(statics, 0, s, 0, 7);
        s[7] = reduced;
        s[8] = rest;
        s[9] = previous;
        return s;
    }
}
