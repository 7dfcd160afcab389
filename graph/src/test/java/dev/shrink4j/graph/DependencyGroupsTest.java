package dev.shrink4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.ModelGraphTest.Inline;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.MobileNetV2;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DependencyGroupsTest {

    /** "layer DIM" of every member. */
    static List<String> members(ChannelGroup g) {
        return g.members().stream().map(m -> m.layer() + " " + m.dim()).toList();
    }

    @Test
    void leNet5ByHand() {
        try (LeNet5 net = new LeNet5()) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 1, 28, 28));
            assertEquals("""
                    group 0: 1 channel, pinned: the model input
                      conv1 IN (1): channel = index
                    group 1: 6 channels, prunable
                      conv1 OUT (6): channel = index
                      conv2 IN (6): channel = index
                    group 2: 16 channels, prunable
                      conv2 OUT (16): channel = index
                      fc1 IN (400): channel = index / 25
                    group 3: 120 channels, prunable
                      fc1 OUT (120): channel = index
                      fc2 IN (120): channel = index
                    group 4: 84 channels, prunable
                      fc2 OUT (84): channel = index
                      fc3 IN (84): channel = index
                    group 5: 10 channels, pinned: the model output
                      fc3 OUT (10): channel = index
                    """, groups.toString());
            // pruning conv2's filter 3 removes fc1's input features 75..99: c·H·W … (c+1)·H·W−1
            GroupMember fc1In = groups.member("fc1", ChannelDim.IN);
            assertArrayEquals(java.util.stream.LongStream.range(75, 100).toArray(), fc1In.indicesOf(3));
            assertSame(groups.groupOf("conv2", ChannelDim.OUT), groups.groupOf("fc1", ChannelDim.IN));
            assertSame(net.fc1, fc1In.module());
            assertEquals(4, groups.prunableGroups().size());
            assertEquals(java.util.Optional.of("the model output"), groups.groups().get(5).pinReason(0));
            assertEquals(0, groups.groups().get(5).prunableChannels().length);
        }
    }

    @Nested
    class ResNet20 {

        @Test
        void optionBHasOneGroupPerStageAndOnePerBlock() {
            try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10)) {
                DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 3, 32, 32));
                // input, stage 1 (with the stem), 9 block-inner groups, stages 2 and 3, the classifier's output.
                assertEquals(14, groups.groups().size());
                assertEquals(12, groups.prunableGroups().size());
                assertEquals(List.of("conv1 OUT", "bn1 OUT", "layer1.0.conv1 IN", "layer1.0.conv2 OUT", "layer1.0.bn2 OUT",
                        "layer1.1.conv1 IN", "layer1.1.conv2 OUT", "layer1.1.bn2 OUT", "layer1.2.conv1 IN", "layer1.2.conv2 OUT",
                        "layer1.2.bn2 OUT", "layer2.0.conv1 IN", "layer2.0.shortcut.0 IN"),
                        members(groups.groupOf("conv1", ChannelDim.OUT)));
                assertEquals(List.of("layer2.0.conv2 OUT", "layer2.0.bn2 OUT", "layer2.0.shortcut.0 OUT",
                        "layer2.0.shortcut.1 OUT", "layer2.1.conv1 IN", "layer2.1.conv2 OUT", "layer2.1.bn2 OUT", "layer2.2.conv1 IN",
                        "layer2.2.conv2 OUT", "layer2.2.bn2 OUT", "layer3.0.conv1 IN", "layer3.0.shortcut.0 IN"),
                        members(groups.groupOf("layer2.0.shortcut.0", ChannelDim.OUT)));
                assertEquals("""
                        group 2: 16 channels, prunable
                          layer1.0.conv1 OUT (16): channel = index
                          layer1.0.bn1 OUT (16): channel = index
                          layer1.0.conv2 IN (16): channel = index
                        """, groups.groupOf("layer1.0.conv1", ChannelDim.OUT).details());
                assertEquals(64, groups.groupOf("linear", ChannelDim.IN).size());
                assertTrue(members(groups.groupOf("linear", ChannelDim.IN)).contains("layer3.2.bn2 OUT"));
            }
        }

        @Test
        void optionATiesEveryStageThroughThePaddedShortcuts() {
            try (ResNet net = ResNet.resnet20()) {
                DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 3, 32, 32));
                assertEquals(12, groups.groups().size());
                ChannelGroup trunk = groups.groupOf("conv1", ChannelDim.OUT);
                assertSame(trunk, groups.groupOf("linear", ChannelDim.IN));
                assertEquals(64, trunk.size());
                assertTrue(trunk.isPrunable());
                // stage 1 sits at channels 24..39 of the last stage, stage 2 at 16..47 (the pads put 8 and 16 zeros in front).
                List<String> lines = trunk.details().lines().toList();
                for (String expected : List.of("  conv1 OUT (16): channel = index + 24", "  bn1 OUT (16): channel = index + 24",
                        "  layer1.0.conv1 IN (16): channel = index + 24", "  layer1.2.bn2 OUT (16): channel = index + 24",
                        "  layer2.0.conv1 IN (16): channel = index + 24", "  layer2.0.conv2 OUT (32): channel = index + 16",
                        "  layer2.0.shortcut OUT (32): channel = index + 16", "  layer3.0.conv1 IN (32): channel = index + 16",
                        "  layer3.0.shortcut OUT (64): channel = index", "  layer3.2.bn2 OUT (64): channel = index",
                        "  linear IN (64): channel = index")) {
                    assertTrue(lines.contains(expected), expected + " in\n" + trunk.details());
                }
                assertEquals("group 1: 64 channels, prunable", lines.get(0));
                // stem conv+bn, 3 per block (conv1 IN, conv2 OUT, bn2 OUT), the two pads, the classifier's input.
                assertEquals(2 + 9 * 3 + 2 + 1, trunk.members().size());
                GroupMember pad = trunk.member("layer2.0.shortcut", ChannelDim.OUT).orElseThrow();
                assertArrayEquals(new long[] {8}, pad.indicesOf(24));
            }
        }
    }

    @Test
    void mobileNetV2TiesDepthwiseConvolutionsAndResidualChains() {
        try (MobileNetV2 net = MobileNetV2.builder().optNumClasses(10).build()) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 3, 32, 32));
            // input, stem (with block 1's depthwise conv), 16 expansion groups, 7 stage outputs, the last conv, the logits.
            assertEquals(27, groups.groups().size());
            assertEquals(25, groups.prunableGroups().size());
            assertEquals(List.of("features.0.0 OUT", "features.0.1 OUT", "features.1.conv.0.0 OUT", "features.1.conv.0.1 OUT",
                    "features.1.conv.1 IN"), members(groups.groupOf("features.0.0", ChannelDim.OUT)));
            assertEquals(List.of("features.2.conv.0.0 OUT", "features.2.conv.0.1 OUT", "features.2.conv.1.0 OUT",
                    "features.2.conv.1.1 OUT", "features.2.conv.2 IN"), members(groups.groupOf("features.2.conv.1.0", ChannelDim.OUT)));
            assertEquals(List.of("features.2.conv.2 OUT", "features.2.conv.3 OUT", "features.3.conv.0.0 IN",
                    "features.3.conv.2 OUT", "features.3.conv.3 OUT", "features.4.conv.0.0 IN"),
                    members(groups.groupOf("features.3.conv.2", ChannelDim.OUT)));
            assertEquals(List.of("features.18.0 OUT", "features.18.1 OUT", "classifier.1 IN"),
                    members(groups.groupOf("classifier.1", ChannelDim.IN)));
            assertEquals(96, groups.groupOf("features.2.conv.1.0", ChannelDim.OUT).size());
        }
    }

    @Test
    void concatOffsetsTheSecondOperand() {
        try (Inline net = new Inline(self -> x -> self.child("c").call(((Concat) self.child("cat"))
                .call(self.child("a").call(x), self.child("b").call(x))),
                "a", new Conv2d(1, 2, 1), "b", new Conv2d(1, 3, 1), "cat", new Concat(), "c", new Conv2d(5, 4, 1))) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 1, 2, 2));
            assertEquals("""
                    group 1: 5 channels, prunable
                      a OUT (2): channel = index
                      b OUT (3): channel = index + 2
                      c IN (5): channel = index
                    """, groups.groupOf("b", ChannelDim.OUT).details());
        }
    }

    /** A parameter-free layer of a user's own. */
    static final class Swish extends Module {
        @Override
        protected Tensor forward(Tensor x) {
            return x.mul(torch.sigmoid(x));
        }
    }

    @Test
    void anUnknownLayerPinsItsChannelsUnlessGivenARule() {
        try (Inline net = new Inline(self -> x -> self.child("b").call(self.child("act").call(self.child("a").call(x))),
                "a", new Conv2d(1, 4, 1), "act", new Swish(), "b", new Conv2d(4, 2, 1))) {
            ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 1, 2, 2));
            DependencyGroups without = DependencyGroups.of(g);
            // the unknown layer joins nothing: a's output and b's input are two groups, both pinned.
            assertEquals("group 1: 4 channels, pinned: act (Swish) has no channel rule\n  a OUT (4): channel = index\n",
                    without.groupOf("a", ChannelDim.OUT).details());
            assertEquals("group 2: 4 channels, pinned: act (Swish) has no channel rule\n  b IN (4): channel = index\n",
                    without.groupOf("b", ChannelDim.IN).details());
            assertFalse(without.groupOf("a", ChannelDim.OUT).isPrunable());
            ChannelGroup free = DependencyGroups.of(g, Map.of(Swish.class, ChannelRule.ELEMENTWISE)).groupOf("a", ChannelDim.OUT);
            assertTrue(free.isPrunable());
            assertEquals(List.of("a OUT", "b IN"), members(free));
            assertEquals("group 1: 4 channels, pinned: act (Swish) is pinned by its ChannelRule",
                    DependencyGroups.of(g, Map.of(Swish.class, ChannelRule.PINNED)).groupOf("a", ChannelDim.OUT).details()
                            .lines().findFirst().orElseThrow());
        }
    }

    /** A Swish that declares it keeps channels, or not, as the importer's layers do. */
    static final class DeclaredSwish extends Module implements dev.shrink4j.nn.ChannelwiseLayer {
        private final boolean keeps;

        DeclaredSwish(boolean keeps) {
            this.keeps = keeps;
        }

        @Override
        protected Tensor forward(Tensor x) {
            return x.mul(torch.sigmoid(x));
        }

        @Override
        public boolean preservesChannels() {
            return keeps;
        }
    }

    @Test
    void aLayerThatDeclaresItKeepsChannelsIsElementwiseWithoutARule() {
        for (boolean keeps : new boolean[] {true, false}) {
            try (Inline net = new Inline(self -> x -> self.child("b").call(self.child("act").call(self.child("a").call(x))),
                    "a", new Conv2d(1, 4, 1), "act", new DeclaredSwish(keeps), "b", new Conv2d(4, 2, 1))) {
                ChannelGroup g = DependencyGroups.trace(net, torch.zeros(1, 1, 2, 2)).groupOf("a", ChannelDim.OUT);
                assertEquals(keeps ? "group 1: 4 channels, prunable" : "group 1: 4 channels, pinned: act (DeclaredSwish) has no"
                        + " channel rule", g.details().lines().findFirst().orElseThrow());
                assertEquals(keeps ? List.of("a OUT", "b IN") : List.of("a OUT"), members(g));
            }
        }
    }

    @Test
    void aGroupedConvolutionThatIsNotDepthwiseIsPinned() {
        try (Inline net = new Inline(self -> x -> self.child("g").call(self.child("a").call(x)),
                "a", new Conv2d(1, 4, 1),
                "g", Conv2d.builder().setInChannels(4).setOutChannels(4).setKernelSize(1).optGroups(2).build())) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 1, 2, 2));
            assertEquals(java.util.Optional.of("g (Conv2d) has groups=2, neither 1 nor depthwise"),
                    groups.groupOf("a", ChannelDim.OUT).pinReason(0));
            assertFalse(groups.hasMember("g", ChannelDim.OUT));
            assertEquals("\"g\" has no OUT channels in any group of Inline (groups hold the Conv2d, Linear, BatchNorm and"
                    + " ChannelPad layers that forward calls)",
                    assertThrows(IllegalArgumentException.class, () -> groups.groupOf("g", ChannelDim.OUT)).getMessage());
        }
    }

    @Test
    void aModuleCalledTwiceTiesBothCalls() {
        try (Inline net = new Inline(self -> x -> {
            Tensor y = self.child("a").call(x);
            return self.child("head").call(self.child("a").call(y.narrow(1, 0, 1)));
        }, "a", new Conv2d(1, 1, 1), "head", new Conv2d(1, 3, 1))) {
            // narrow is outside any module: the tracer refuses, rather than guess.
            assertThrows(TraceException.class, () -> DependencyGroups.trace(net, torch.zeros(1, 1, 2, 2)));
        }
        try (Inline net = new Inline(self -> x -> self.child("head").call(self.child("a").call(self.child("a").call(x))),
                "a", new Conv2d(2, 2, 1), "head", new Conv2d(2, 3, 1))) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 2, 2, 2));
            // a's input is pinned by the model input, and its second call reads its own output: one pinned group.
            ChannelGroup g = groups.groupOf("a", ChannelDim.OUT);
            assertSame(g, groups.groupOf("a", ChannelDim.IN));
            assertSame(g, groups.groupOf("head", ChannelDim.IN));
            assertFalse(g.isPrunable());
            List<String> names = new ArrayList<>(members(g));
            assertEquals(List.of("a OUT", "a IN", "head IN"), names);
        }
    }
}
