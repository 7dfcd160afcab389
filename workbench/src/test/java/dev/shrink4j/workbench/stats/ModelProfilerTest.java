package dev.shrink4j.workbench.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.workbench.zoo.ResNet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ModelProfilerTest {

    /** conv 1→2 3×3 pad 1 (bias), ReLU, flatten, linear 32→3 on a 1×1×4×4 input. */
    private static Sequential tiny() {
        return new Sequential(Conv2d.builder().setInChannels(1).setOutChannels(2).setKernelSize(3).optPadding(1).build(),
                new ReLU(), new Flatten(), new Linear(32, 3));
    }

    @Test
    void countsConvAndLinearMultiplyAccumulatesPlusBias() {
        try (Sequential net = tiny()) {
            ModelProfile p = ModelProfiler.profile(net, 1, 1, 4, 4);
            // conv: 32 outputs x 9 MACs + 32 bias adds; relu: 32 elements; linear: 3 x 32 MACs + 3 bias adds.
            assertEquals(List.of(
                    new LayerProfile("0", "Conv2d", List.of(1L, 2L, 4L, 4L), 20, 32 * 9 + 32, 1),
                    new LayerProfile("1", "ReLU", List.of(1L, 2L, 4L, 4L), 0, 32, 1),
                    new LayerProfile("2", "Flatten", List.of(1L, 32L), 0, 0, 1),
                    new LayerProfile("3", "Linear", List.of(1L, 3L), 99, 3 * 32 + 3, 1)), p.layers());
            assertEquals(119, p.totalParams());
            assertEquals(451, p.totalFlops());
            assertEquals(List.of(1L, 3L), p.outputShape());
            assertEquals(List.of(1L, 1L, 4L, 4L), p.inputShape());
        }
    }

    @Test
    void printsAnAlignedTable() {
        try (Sequential net = tiny()) {
            assertEquals(""
                    + "Name   Type     Output shape  Params  FLOPs\n"
                    + "-------------------------------------------\n"
                    + "0      Conv2d   [1, 2, 4, 4]      20    320\n"
                    + "1      ReLU     [1, 2, 4, 4]       0     32\n"
                    + "2      Flatten  [1, 32]            0      0\n"
                    + "3      Linear   [1, 3]            99     99\n"
                    + "-------------------------------------------\n"
                    + "Total           [1, 3]           119    451\n", ModelProfiler.profile(net, 1, 1, 4, 4).toTable());
        }
    }

    @Test
    void countsBatchNormPoolingAndGroupedConvolutions() {
        try (Sequential net = new Sequential(
                Conv2d.builder().setInChannels(4).setOutChannels(4).setKernelSize(3).optStride(2).optPadding(1).optGroups(2)
                        .optBias(false).build(),
                new BatchNorm2d(4), new MaxPool2d(2), new AdaptiveAvgPool2d(1))) {
            ModelProfile p = ModelProfiler.profile(net, 2, 4, 8, 8);
            // conv: 2x4x4x4 = 128 outputs, each 4/2 x 3 x 3 = 18 MACs; BN: 2 x 128; max pool: 2x4x2x2 = 32 outputs;
            // adaptive pool 2x2 → 1x1: (4 adds + 1 division) x 8 outputs.
            assertEquals(128 * 18, p.layer("0").flops());
            assertEquals(2 * 128, p.layer("1").flops());
            assertEquals(32, p.layer("2").flops());
            assertEquals(5 * 8, p.layer("3").flops());
            assertEquals(List.of(2L, 4L, 1L, 1L), p.layer("3").outputShape());
            assertEquals(4 * 2 * 9 + 8, p.totalParams());
        }
    }

    @Test
    void resnet20ConvolutionsCostTheKnown40Point55MegaMacs() {
        try (ResNet net = ResNet.resnet20()) {
            ModelProfile p = ModelProfiler.profile(net, 1, 3, 32, 32);
            long conv = p.layers().stream().filter(l -> l.type().equals("Conv2d")).mapToLong(LayerProfile::flops).sum();
            // stem 16·32²·27, stage 1: 6 convs of 16·32²·144, stages 2 and 3: 1 + 5 convs of 1,179,648 + 2,359,296 MACs.
            assertEquals(16L * 1024 * 27 + 6L * 16 * 1024 * 144 + 2 * (1_179_648L + 5 * 2_359_296L), conv);
            assertEquals(40_550_400L, conv);
            assertEquals(64 * 10 + 10, p.layer("linear").flops());
            assertEquals(269_722L, p.totalParams());
            assertEquals(List.of(1L, 64L, 8L, 8L), p.layer("layer3.2.conv2").outputShape());
            assertEquals("PadShortcut", p.layer("layer2.0.shortcut").type());
        }
    }

    @Test
    void restoresModesLeavesRunningStatsAloneAndRemovesItsHooks() {
        try (Sequential net = new Sequential(new Conv2d(1, 2, 1), new BatchNorm2d(2), new Flatten(), new Linear(2, 1))) {
            net.train();
            net.get(3).eval();
            AtomicInteger linearCalls = new AtomicInteger();
            ModelProfile p = new ModelProfiler().withCounter(Linear.class, (m, x, y) -> {
                linearCalls.incrementAndGet();
                return 7;
            }).run(net, 2, 1, 1, 1);
            assertEquals(7, p.layer("3").flops());
            assertTrue(net.isTraining());
            assertTrue(net.get(1).isTraining());
            assertFalse(net.get(3).isTraining());
            BatchNorm2d bn = (BatchNorm2d) net.get(1);
            assertEquals(0L, bn.numBatchesTracked().item_long(), "ran in eval mode");
            net.call(torch.ones(2, 1, 1, 1));
            assertEquals(1, linearCalls.get(), "the profiler's hook is gone after profiling");
        }
    }

    @Test
    void aLayerTheForwardPassSkipsShowsNoShape() {
        try (Module net = new Module() {
            final Linear used = registerModule("used", new Linear(2, 2));
            final Linear unused = registerModule("unused", new Linear(2, 5));

            @Override
            protected org.bytedeco.pytorch.Tensor forward(org.bytedeco.pytorch.Tensor x) {
                return used.call(used.call(x));
            }
        }) {
            ModelProfile p = ModelProfiler.profile(net, 1, 2);
            assertEquals(new LayerProfile("unused", "Linear", List.of(), 15, 0, 0), p.layer("unused"));
            assertEquals(2, p.layer("used").calls());
            assertEquals(2 * (2 * 2 + 2), p.layer("used").flops());
            assertTrue(p.toTable().contains("unused  Linear  -"), p.toTable());
            assertTrue(p.toTable().startsWith("Name    Type    Output shape  Params  FLOPs  Calls\n"), p.toTable());
        }
    }

    @Test
    void rejectsBadShapesNamingTheModel() {
        try (Sequential net = tiny()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelProfiler.profile(net, 1, 3, 4, 4));
            assertTrue(e.getMessage().startsWith("profiling Sequential with input shape [1, 3, 4, 4] failed: "), e.getMessage());
            assertEquals("input shape must be non-empty and positive (batch included), got [1, 0]",
                    assertThrows(IllegalArgumentException.class, () -> ModelProfiler.profile(net, 1, 0)).getMessage());
            assertTrue(net.isTraining(), "modes are restored after a failure");
        }
    }
}
