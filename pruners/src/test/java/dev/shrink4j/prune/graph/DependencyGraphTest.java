package dev.shrink4j.prune.graph;

import dev.shrink4j.nn.HasChannelDependencies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.workbench.zoo.ModelZoo;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DependencyGraphTest {

    /** {@code head(a(x) + b(x))} next to {@code c(x)} concatenated: only a and b depend on each other. */
    static final class AddAndCat extends Module {
        final Conv2d a = registerModule("a", new Conv2d(1, 4, 1));
        final Conv2d b = registerModule("b", new Conv2d(1, 4, 1));
        final Conv2d c = registerModule("c", new Conv2d(1, 4, 1));
        final Conv2d head = registerModule("head", new Conv2d(8, 2, 1));

        @Override
        protected Tensor forward(Tensor x) {
            return head.call(torch.cat(new TensorVector(a.call(x).add(b.call(x)), c.call(x)), 1));
        }
    }

    /** The same model declaring its dependency. */
    static final class Declaring extends Module implements HasChannelDependencies {
        final Conv2d a = registerModule("a", new Conv2d(1, 4, 1));
        final Conv2d b = registerModule("b", new Conv2d(1, 4, 1));
        final Conv2d c = registerModule("c", new Conv2d(1, 3, 1));
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

    @Test
    void tracingFindsTheAddButNotTheConcatenation() {
        try (AddAndCat m = new AddAndCat()) {
            m.train();
            DependencyGraph g = DependencyGraph.of(m, 1, 1, 3, 3);
            assertEquals(List.of("a", "b", "c", "head"), List.copyOf(g.nodes().keySet()));
            assertEquals(1, g.groups().size());
            assertEquals(List.of("a", "b"), g.groups().get(0).names());
            assertEquals("a ⇔ b (4 channels)\n", g.details());
            assertEquals("a (Conv2d, 4 out channels) ⇒ b (Conv2d, 4 out channels) (via head)".replace(
                    " (Conv2d, 4 out channels)", ""), g.couplings().get(0).toString());
            assertTrue(g.groupOf("b").isPresent());
            assertFalse(g.groupOf("c").isPresent());
            assertTrue(m.isTraining() && m.a.isTraining(), "training mode restored");
        }
    }

    @Test
    void resNet20OptionATracesOneGroupPerStage() {
        torch.manual_seed(1);
        try (Module net = ModelZoo.create("resnet20", 3, 10)) {
            DependencyGraph g = DependencyGraph.of(net, 1, 3, 8, 8);
            assertEquals(List.of(
                    "conv1 ⇔ layer1.0.conv2 ⇔ layer1.1.conv2 ⇔ layer1.2.conv2 (16 channels)",
                    "layer2.0.conv2 ⇔ layer2.1.conv2 ⇔ layer2.2.conv2 (32 channels)",
                    "layer3.0.conv2 ⇔ layer3.1.conv2 ⇔ layer3.2.conv2 (64 channels)"),
                    g.groups().stream().map(Group::details).toList(),
                    "option A's zero-padded shortcut shifts channels, so stages are not linked");
        }
    }

    @Test
    void resNet20OptionBLinksTheProjectionToItsStage() {
        torch.manual_seed(1);
        try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10)) {
            DependencyGraph g = DependencyGraph.of(net, 1, 3, 8, 8);
            assertEquals(List.of(
                    "conv1 ⇔ layer1.0.conv2 ⇔ layer1.1.conv2 ⇔ layer1.2.conv2 (16 channels)",
                    "layer2.0.conv2 ⇔ layer2.0.shortcut.0 ⇔ layer2.1.conv2 ⇔ layer2.2.conv2 (32 channels)",
                    "layer3.0.conv2 ⇔ layer3.0.shortcut.0 ⇔ layer3.1.conv2 ⇔ layer3.2.conv2 (64 channels)"),
                    g.groups().stream().map(Group::details).toList());
        }
    }

    @Test
    void aDeclaringModelIsTakenAtItsWordAndChecked() {
        try (Declaring ok = new Declaring(List.of(Set.of("a", "b")));
                Declaring missing = new Declaring(List.of(Set.of("a", "nope")));
                Declaring mismatch = new Declaring(List.of(new java.util.LinkedHashSet<>(List.of("a", "c"))))) {
            DependencyGraph g = DependencyGraph.of(ok);
            assertEquals(1, g.groups().size());
            assertEquals(Set.of("a", "b"), Set.copyOf(g.groups().get(0).names()));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> DependencyGraph.of(missing)).getMessage()
                    .contains("\"nope\" is not a module of Declaring"));
            assertEquals("channel dependency set 0 [a, c]: a (Conv2d, 4 out channels) and c (Conv2d, 3 out channels)"
                    + " cannot share channels",
                    assertThrows(IllegalArgumentException.class, () -> DependencyGraph.of(mismatch)).getMessage());
        }
    }

    @Test
    void tracingWithoutAnInputShapeIsRefused() {
        try (AddAndCat m = new AddAndCat()) {
            assertEquals("AddAndCat does not implement HasChannelDependencies: give a dummy input shape to trace its"
                    + " channel dependencies",
                    assertThrows(IllegalArgumentException.class, () -> DependencyGraph.of(m)).getMessage());
        }
    }
}
