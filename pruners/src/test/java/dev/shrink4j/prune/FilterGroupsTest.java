package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.nn.HasChannelDependencies;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.workbench.zoo.ModelZoo;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class FilterGroupsTest {

    /** {@code head(cat(a(x) + b(x), c(x)))}: a and b are added (one group), c is concatenated beside them. */
    static final class AddAndCat extends Module {
        final Conv2d a = registerModule("a", new Conv2d(1, 4, 1));
        final Conv2d b = registerModule("b", new Conv2d(1, 4, 1));
        final Conv2d c = registerModule("c", new Conv2d(1, 4, 1));
        final Add add = registerModule("add", new Add());
        final Concat cat = registerModule("cat", new Concat());
        final Conv2d head = registerModule("head", new Conv2d(8, 2, 1));

        @Override
        protected Tensor forward(Tensor x) {
            return head.call(cat.call(add.call(a.call(x), b.call(x)), c.call(x)));
        }
    }

    /** {@code dw(relu(bn(pw(x))))}: a pointwise convolution, then a depthwise one over its 6 channels. */
    static final class PointwiseDepthwise extends Module {
        final Conv2d pw = registerModule("pw", new Conv2d(3, 6, 1));
        final BatchNorm2d bn = registerModule("bn", new BatchNorm2d(6));
        final ReLU relu = registerModule("relu", new ReLU());
        final Conv2d dw = registerModule("dw", Conv2d.builder().setInChannels(6).setOutChannels(6).setKernelSize(3)
                .optPadding(1).optGroups(6).build());
        final Conv2d out = registerModule("out", new Conv2d(6, 2, 1));

        @Override
        protected Tensor forward(Tensor x) {
            return out.call(dw.call(relu.call(bn.call(pw.call(x)))));
        }
    }

    /** A model declaring its groups; its forward adds raw, which the tracer could not follow. */
    static final class Declaring extends Module implements HasChannelDependencies {
        final Conv2d a = registerModule("a", new Conv2d(1, 4, 1));
        final Conv2d b = registerModule("b", new Conv2d(1, 4, 1));
        final Conv2d c = registerModule("c", new Conv2d(1, 3, 1));
        final Conv2d d = registerModule("d", new Conv2d(1, 4, 1));
        final List<Set<String>> declared;

        Declaring(List<Set<String>> declared) {
            this.declared = declared;
        }

        @Override
        protected Tensor forward(Tensor x) {
            return a.call(x).add(b.call(x));
        }

        @Override
        public List<Set<String>> channelDependencies() {
            return declared;
        }
    }

    private static List<List<String>> traced(Module m, Set<String> selected, long... shape) {
        return FilterGroups.traced(DependencyGroups.trace(m, torch.ones(shape)), m, selected);
    }

    private static Set<String> convs(Module m) {
        Set<String> out = new LinkedHashSet<>();
        m.namedModules().forEach((name, module) -> {
            if (module instanceof Conv2d) {
                out.add(name);
            }
        });
        return out;
    }

    @Test
    void theAddIsAGroupButTheConcatenationIsNot() {
        try (AddAndCat m = new AddAndCat()) {
            assertEquals(List.of(List.of("a", "b")), traced(m, convs(m), 1, 1, 3, 3));
            assertEquals(List.of(), traced(m, Set.of("a", "c", "head"), 1, 1, 3, 3), "a group counts selected layers only");
        }
    }

    @Test
    void aDepthwiseConvolutionPrunesTheChannelsOfItsProducer() {
        try (PointwiseDepthwise m = new PointwiseDepthwise()) {
            assertEquals(List.of(List.of("pw", "dw")), traced(m, convs(m), 1, 3, 4, 4));
        }
    }

    @Test
    void resNet20OptionBLinksTheProjectionToItsStage() {
        torch.manual_seed(1);
        try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10)) {
            assertEquals(List.of(
                    List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2"),
                    List.of("layer2.0.conv2", "layer2.0.shortcut.0", "layer2.1.conv2", "layer2.2.conv2"),
                    List.of("layer3.0.conv2", "layer3.0.shortcut.0", "layer3.1.conv2", "layer3.2.conv2")),
                    traced(net, convs(net), 1, 3, 8, 8));
        }
    }

    @Test
    void resNet20OptionAGroupsAllStagesAtTheirOffsets() {
        // The zero-padded shortcut pads 8 channels on each side into stage 2 and 16 into stage 3, so the graph
        // has one 64-channel group in which stage 2's filter c is channel c + 16 and stage 1's is c + 8 + 16: one
        // group of all stages, each member mapped onto the group's channels at its offset.
        torch.manual_seed(1);
        try (Module net = ModelZoo.create("resnet20", 3, 10)) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.ones(1, 3, 8, 8));
            assertEquals(groups.groupOf("conv1", ChannelDim.OUT), groups.groupOf("layer3.2.conv2", ChannelDim.OUT));
            assertEquals(64, groups.groupOf("conv1", ChannelDim.OUT).size());
            assertEquals("channel = index + 24", groups.member("layer1.1.conv2", ChannelDim.OUT).mapping());
            assertEquals("channel = index + 16", groups.member("layer2.1.conv2", ChannelDim.OUT).mapping());
            assertEquals("channel = index", groups.member("layer3.1.conv2", ChannelDim.OUT).mapping());
            FilterGroups.Tied tied = FilterGroups.traced(groups, net, convs(net), Conv2d.class);
            assertEquals(List.of(List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2", "layer2.0.conv2",
                    "layer2.1.conv2", "layer2.2.conv2", "layer3.0.conv2", "layer3.1.conv2", "layer3.2.conv2")), tied.groups());
            assertEquals(10, tied.channelsOf().size());
            assertArrayEquals(IntStream.range(24, 40).toArray(), tied.channelsOf().get("conv1"));
            assertArrayEquals(IntStream.range(16, 48).toArray(), tied.channelsOf().get("layer2.1.conv2"));
            assertArrayEquals(IntStream.range(0, 64).toArray(), tied.channelsOf().get("layer3.2.conv2"));
        }
    }

    @Test
    void declaredSetsAreCheckedMergedAndRestrictedToTheSelection() {
        try (Declaring m = new Declaring(List.of())) {
            assertEquals(List.of(List.of("a", "b", "d")), FilterGroups.declared(m,
                    List.of(new LinkedHashSet<>(List.of("d", "b")), Set.of("a", "b")), convs(m)), "sets sharing b merge");
            assertEquals(List.of(List.of("b", "d")), FilterGroups.declared(m,
                    List.of(Set.of("a", "b", "d")), Set.of("b", "c", "d")));
            assertEquals(List.of(), FilterGroups.declared(m, List.of(Set.of("a", "b")), Set.of("a")));
            assertEquals("channel dependency set 0 [a]: needs at least 2 layers", assertThrows(IllegalArgumentException.class,
                    () -> FilterGroups.declared(m, List.of(Set.of("a")), convs(m))).getMessage());
            assertEquals("channel dependency set 1 [a, nope]: \"nope\" is not a module of Declaring",
                    assertThrows(IllegalArgumentException.class, () -> FilterGroups.declared(m, List.of(Set.of("a", "b"),
                            new LinkedHashSet<>(List.of("a", "nope"))), convs(m))).getMessage());
            assertEquals("channel dependency set 0 [a, c]: a (Conv2d, 4 out channels) and c (Conv2d, 3 out channels)"
                    + " cannot share channels", assertThrows(IllegalArgumentException.class, () -> FilterGroups.declared(m,
                            List.of(new LinkedHashSet<>(List.of("a", "c"))), convs(m))).getMessage());
        }
        try (AddAndCat m = new AddAndCat()) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> FilterGroups.declared(m,
                    List.of(new LinkedHashSet<>(List.of("a", "add"))), convs(m))).getMessage()
                    .endsWith("\"add\" is a Add, not a Conv2d"));
        }
    }
}
