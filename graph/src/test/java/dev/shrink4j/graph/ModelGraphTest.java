package dev.shrink4j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Dropout;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.MobileNetV2;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import dev.shrink4j.workbench.zoo.Vgg;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ModelGraphTest {

    /** "source -> target[i] shape" for every edge into {@code node}. */
    static List<String> inputs(ModelGraph g, String node) {
        return g.inputsOf(g.node(node)).stream().map(GraphEdge::toString).toList();
    }

    /** A tiny model written in-line: {@code forward} is the lambda, {@code children} are registered in order. */
    static final class Inline extends Module {
        private final Function<Tensor, Tensor> body;

        Inline(Function<Inline, Function<Tensor, Tensor>> body, Object... namesAndModules) {
            for (int i = 0; i < namesAndModules.length; i += 2) {
                registerModule((String) namesAndModules[i], (Module) namesAndModules[i + 1]);
            }
            this.body = body.apply(this);
        }

        Module child(String name) {
            return getSubmodule(name);
        }

        @Override
        protected Tensor forward(Tensor x) {
            return body.apply(x);
        }
    }

    @Nested
    class LeNet5Graph {

        @Test
        void isTheChainOfItsLayersWithShapes() {
            try (LeNet5 net = new LeNet5()) {
                ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 1, 28, 28));
                assertEquals("""
                        ModelGraph of LeNet5: 14 nodes, 13 edges
                          <input>: Input -> [1, 1, 28, 28]
                          conv1: Conv2d(<input> [1, 1, 28, 28]) -> [1, 6, 28, 28]
                          relu1: ReLU(conv1 [1, 6, 28, 28]) -> [1, 6, 28, 28]
                          pool1: MaxPool2d(relu1 [1, 6, 28, 28]) -> [1, 6, 14, 14]
                          conv2: Conv2d(pool1 [1, 6, 14, 14]) -> [1, 16, 10, 10]
                          relu2: ReLU(conv2 [1, 16, 10, 10]) -> [1, 16, 10, 10]
                          pool2: MaxPool2d(relu2 [1, 16, 10, 10]) -> [1, 16, 5, 5]
                          flatten: Flatten(pool2 [1, 16, 5, 5]) -> [1, 400]
                          fc1: Linear(flatten [1, 400]) -> [1, 120]
                          relu3: ReLU(fc1 [1, 120]) -> [1, 120]
                          fc2: Linear(relu3 [1, 120]) -> [1, 84]
                          relu4: ReLU(fc2 [1, 84]) -> [1, 84]
                          fc3: Linear(relu4 [1, 84]) -> [1, 10]
                          <output>: Output(fc3 [1, 10])
                        """, g.toString());
                assertSame(net.conv2, g.node("conv2").module());
                assertEquals(List.of("conv1 -> relu1[0] [1, 6, 28, 28]"),
                        g.consumersOf(g.node("conv1")).stream().map(GraphEdge::toString).toList());
                assertEquals(GraphNode.Kind.INPUT, g.input().kind());
                assertEquals(List.of(1L, 10L), g.output().outputShape());
            }
        }

        @Test
        void rendersGraphvizDot() {
            try (LeNet5 net = new LeNet5()) {
                String dot = ModelGraph.trace(net, torch.zeros(2, 1, 28, 28)).toDot();
                assertTrue(dot.startsWith("""
                        digraph "LeNet5" {
                          rankdir=TB;
                          node [shape=box, fontname="Helvetica"];
                          edge [fontname="Helvetica", fontsize=10];
                          n0 [label="<input>\\nInput", shape=ellipse];
                          n1 [label="conv1\\nConv2d"];
                          n2 [label="relu1\\nReLU"];
                        """), dot);
                assertTrue(dot.contains("  n12 [label=\"fc3\\nLinear\"];\n  n13 [label=\"<output>\\nOutput\", shape=ellipse];\n"
                        + "  n0 -> n1 [label=\"2x1x28x28\"];\n  n1 -> n2 [label=\"2x6x28x28\"];\n"), dot);
                assertTrue(dot.endsWith("  n7 -> n8 [label=\"2x400\"];\n  n8 -> n9 [label=\"2x120\"];\n"
                        + "  n9 -> n10 [label=\"2x120\"];\n  n10 -> n11 [label=\"2x84\"];\n  n11 -> n12 [label=\"2x84\"];\n"
                        + "  n12 -> n13 [label=\"2x10\"];\n}\n"), dot);
            }
        }

        @Test
        void restoresModesAndRemovesItsHooks() {
            try (LeNet5 net = new LeNet5()) {
                net.train();
                net.fc1.eval();
                ModelGraph.trace(net, torch.zeros(1, 1, 28, 28));
                assertTrue(net.isTraining());
                assertTrue(net.conv1.isTraining());
                assertFalse(net.fc1.isTraining());
                net.namedModules().values().forEach(m -> {
                    assertEquals(0, m.forwardHookCount());
                    assertEquals(0, m.forwardPreHookCount());
                });
            }
        }

        @Test
        void leavesTheCallersInputAlone() {
            try (LeNet5 net = new LeNet5()) {
                Tensor x = torch.zeros(1, 1, 28, 28);
                long version = x._version();
                ModelGraph.trace(net, x);
                assertFalse(x.requires_grad());
                assertEquals(version, x._version());
            }
        }
    }

    @Nested
    class ResNetGraph {

        @Test
        void oneOptionABlockByHand() {
            try (ResNet net = ResNet.resnet20()) {
                ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 3, 32, 32));
                assertEquals(80, g.nodes().size());
                assertEquals(88, g.edges().size());
                // layer1.0: identity shortcut on the stem's output.
                assertEquals(List.of("relu -> layer1.0.conv1[0] [1, 16, 32, 32]"), inputs(g, "layer1.0.conv1"));
                assertEquals(List.of("relu -> layer1.0.shortcut[0] [1, 16, 32, 32]"), inputs(g, "layer1.0.shortcut"));
                assertEquals(List.of("layer1.0.bn2 -> layer1.0.add[0] [1, 16, 32, 32]",
                        "layer1.0.shortcut -> layer1.0.add[1] [1, 16, 32, 32]"), inputs(g, "layer1.0.add"));
                assertEquals(List.of("layer1.0.add -> layer1.0.relu2[0] [1, 16, 32, 32]"), inputs(g, "layer1.0.relu2"));
                assertEquals(List.of("layer1.0.relu2 -> layer1.1.conv1[0] [1, 16, 32, 32]",
                        "layer1.0.relu2 -> layer1.1.shortcut[0] [1, 16, 32, 32]"),
                        g.consumersOf(g.node("layer1.0.relu2")).stream().map(GraphEdge::toString).toList());
                // layer2.0: the zero-padded option-A shortcut halves the grid and doubles the channels.
                assertEquals("  layer2.0.shortcut: PadShortcut(layer1.2.relu2 [1, 16, 32, 32]) -> [1, 32, 16, 16]",
                        line(g, "layer2.0.shortcut:"));
                assertEquals("  layer2.0.add: Add(layer2.0.bn2 [1, 32, 16, 16], layer2.0.shortcut [1, 32, 16, 16])"
                        + " -> [1, 32, 16, 16]", line(g, "layer2.0.add:"));
                assertEquals("  <output>: Output(linear [1, 10])", line(g, "<output>:"));
            }
        }

        @Test
        void optionBProjectsTheShortcut() {
            try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10)) {
                ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 3, 32, 32));
                assertEquals(82, g.nodes().size());
                assertEquals(90, g.edges().size());
                assertEquals(List.of("layer1.2.relu2 -> layer2.0.shortcut.0[0] [1, 16, 32, 32]"),
                        inputs(g, "layer2.0.shortcut.0"));
                assertEquals(List.of("layer2.0.shortcut.0 -> layer2.0.shortcut.1[0] [1, 32, 16, 16]"),
                        inputs(g, "layer2.0.shortcut.1"));
                assertEquals(List.of("layer2.0.bn2 -> layer2.0.add[0] [1, 32, 16, 16]",
                        "layer2.0.shortcut.1 -> layer2.0.add[1] [1, 32, 16, 16]"), inputs(g, "layer2.0.add"));
                assertEquals("Conv2d", g.node("layer3.0.shortcut.0").type());
            }
        }
    }

    @Test
    void vggIsAChain() {
        try (Vgg net = new Vgg()) {
            ModelGraph g = ModelGraph.trace(net, torch.zeros(2, 3, 32, 32));
            // 4 x (conv, bn, relu, pool) + avgpool, flatten + 4 classifier layers = 22 modules.
            assertEquals(24, g.nodes().size());
            assertEquals(23, g.edges().size());
            for (GraphNode n : g.moduleNodes()) {
                assertEquals(List.of(g.nodes().get(n.index() - 1)),
                        g.inputsOf(n).stream().map(GraphEdge::source).toList(), n.name());
            }
            assertEquals(List.of("feature.15 -> avgpool[0] [2, 256, 2, 2]"), inputs(g, "avgpool"));
            assertEquals(List.of("classifier.0 -> classifier.1[0] [2, 512]"), inputs(g, "classifier.1"));
        }
    }

    @Test
    void mobileNetV2HasTenResidualAdds() {
        try (MobileNetV2 net = MobileNetV2.builder().optNumClasses(10).build()) {
            ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 3, 32, 32));
            // stem 3, block 1 (no expansion) 5, 16 blocks of 8, 10 adds, last conv 3, pool, flatten, dropout, linear.
            assertEquals(3 + 5 + 16 * 8 + 10 + 3 + 4 + 2, g.nodes().size());
            assertEquals(153 + 10 + 1, g.edges().size());
            List<String> adds = g.moduleNodes().stream().filter(n -> n.type().equals("Add")).map(GraphNode::name).toList();
            assertEquals(List.of("features.3.add", "features.5.add", "features.6.add", "features.8.add", "features.9.add",
                    "features.10.add", "features.12.add", "features.13.add", "features.15.add", "features.16.add"), adds);
            assertEquals(List.of("features.2.conv.3 -> features.3.add[0] [1, 24, 8, 8]",
                    "features.3.conv.3 -> features.3.add[1] [1, 24, 8, 8]"), inputs(g, "features.3.add"));
            // the depthwise convolution of block 2: groups = channels = 96
            assertEquals("  features.2.conv.1.0: Conv2d(features.2.conv.0.2 [1, 96, 16, 16]) -> [1, 96, 8, 8]",
                    line(g, "features.2.conv.1.0:"));
            assertEquals(List.of("features.3.add -> features.4.conv.0.0[0] [1, 24, 8, 8]"),
                    g.consumersOf(g.node("features.3.add")).stream().map(GraphEdge::toString).toList());
        }
    }

    static String line(ModelGraph g, String prefix) {
        return g.toString().lines().filter(l -> l.startsWith("  " + prefix)).collect(Collectors.joining("\n"));
    }

    @Nested
    class GlueAndPassThrough {

        @Test
        void concatAndIdentityAndDropoutAreNodes() {
            try (Inline net = new Inline(self -> x -> {
                Tensor a = self.child("a").call(x);
                Tensor b = ((Identity) self.child("skip")).call(x);
                Tensor c = ((Concat) self.child("cat")).call(a, b);
                return self.child("drop").call(c);
            }, "a", new Conv2d(2, 3, 1), "skip", new Identity(), "cat", new Concat(), "drop", new Dropout())) {
                ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 2, 4, 4));
                assertEquals(List.of("a -> cat[0] [1, 3, 4, 4]", "skip -> cat[1] [1, 2, 4, 4]"), inputs(g, "cat"));
                assertEquals(List.of("<input> -> skip[0] [1, 2, 4, 4]"), inputs(g, "skip"));
                // eval-mode dropout returns its input: the output node reads it from the dropout.
                assertEquals(List.of("drop -> <output>[0] [1, 5, 4, 4]"), inputs(g, "<output>"));
            }
        }

        @Test
        void aModuleCalledTwiceHasOneNodePerCall() {
            try (Inline net = new Inline(self -> x -> self.child("relu").call(self.child("conv").call(self.child("relu").call(x))),
                    "conv", new Conv2d(1, 1, 1), "relu", new ReLU())) {
                ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 1, 2, 2));
                assertEquals(List.of("<input>", "relu", "conv", "relu#2", "<output>"),
                        g.nodes().stream().map(GraphNode::name).toList());
                assertEquals(2, g.node("relu#2").call());
                assertEquals("relu", g.node("relu#2").moduleName());
                assertEquals(List.of("conv -> relu#2[0] [1, 1, 2, 2]"), inputs(g, "relu#2"));
            }
        }
    }

    @Nested
    class RejectsWhatItCannotSee {

        @Test
        void aRawAddNamesTheModuleItFeedsAndItsOperands() {
            try (Inline net = new Inline(self -> x -> self.child("relu").call(self.child("a").call(x).add(self.child("b").call(x))),
                    "a", new Conv2d(1, 2, 1), "b", new Conv2d(1, 2, 1), "relu", new ReLU())) {
                TraceException e = assertThrows(TraceException.class, () -> ModelGraph.trace(net, torch.zeros(1, 1, 4, 4)));
                assertEquals("cannot trace Inline: 1 input is computed outside any module (do the operation in a module,"
                        + " e.g. dev.shrink4j.nn.layers.Add, Concat, ChannelPad or Flatten, so the tracer sees it):\n"
                        + "  relu (ReLU) input 0 [1, 2, 4, 4] is computed outside any module by AddBackward0 from a, b",
                        e.getMessage());
                assertEquals(1, e.problems().size());
            }
        }

        @Test
        void anOperationOnTheInputAndOnTheOutputAreBothReported() {
            try (Inline net = new Inline(self -> x -> self.child("a").call(x.mul(new Scalar(2))).add(new Scalar(1)),
                    "a", new Conv2d(1, 2, 1))) {
                TraceException e = assertThrows(TraceException.class, () -> ModelGraph.trace(net, torch.zeros(1, 1, 4, 4)));
                assertEquals(List.of("a (Conv2d) input 0 [1, 1, 4, 4] is computed outside any module by MulBackward1 from <input>",
                        "<output> (what the model returns) [1, 2, 4, 4] is computed outside any module by AddBackward1 from a"),
                        e.problems());
            }
        }

        @Test
        void anInPlaceChangeBetweenModules() {
            try (Inline net = new Inline(self -> x -> self.child("relu").call(self.child("a").call(x).mul_(new Scalar(2))),
                    "a", new Conv2d(1, 2, 1), "relu", new ReLU())) {
                TraceException e = assertThrows(TraceException.class, () -> ModelGraph.trace(net, torch.zeros(1, 1, 4, 4)));
                assertEquals(List.of("relu (ReLU) input 0 [1, 2, 4, 4] is the output of a, changed in place outside any"
                        + " module (version 0 -> 1, by MulBackward1)"), e.problems());
            }
        }

        @Test
        void aTensorMadeInForwardOrAParameterUsedDirectly() {
            try (Inline made = new Inline(self -> x -> self.child("relu").call(torch.ones(1, 2)), "relu", new ReLU());
                    Inline direct = new Inline(self -> x -> self.child("relu").call(self.child("a").getParameter("weight")),
                            "a", new Conv2d(1, 2, 1), "relu", new ReLU())) {
                assertEquals(List.of("relu (ReLU) input 0 [1, 2] is a tensor without autograd history that no module produced"
                        + " (made or detached in a forward method)"),
                        assertThrows(TraceException.class, () -> ModelGraph.trace(made, torch.zeros(1, 1))).problems());
                assertEquals(List.of("relu (ReLU) input 0 [2, 1, 1, 1] is parameter \"a.weight\", used outside a leaf module"),
                        assertThrows(TraceException.class, () -> ModelGraph.trace(direct, torch.zeros(1, 1))).problems());
            }
        }

        @Test
        void aFailingForwardNamesTheShape() {
            try (LeNet5 net = new LeNet5()) {
                TraceException e = assertThrows(TraceException.class, () -> ModelGraph.trace(net, torch.zeros(1, 3, 28, 28)));
                assertTrue(e.getMessage().startsWith("cannot trace LeNet5: its forward pass on an input of shape [1, 3, 28, 28]"
                        + " failed: "), e.getMessage());
                net.namedModules().values().forEach(m -> assertEquals(0, m.forwardHookCount()));
            }
        }

        @Test
        void anUnknownNodeName() {
            try (LeNet5 net = new LeNet5()) {
                ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 1, 28, 28));
                assertEquals("the graph of LeNet5 has no node \"conv9\" (only leaf modules that forward calls are nodes)",
                        assertThrows(IllegalArgumentException.class, () -> g.node("conv9")).getMessage());
            }
        }
    }

    @Test
    void anInputReplacedByAPreHookStillComesFromItsProducer() {
        // what a quantizer's input quantization does: the module computes with a new tensor made from its input
        try (LeNet5 net = new LeNet5()) {
            net.fc1.registerForwardPreHook((m, x) -> x.mul(new Scalar(0.5)));
            ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 1, 28, 28));
            assertEquals(List.of("flatten -> fc1[0] [1, 400]"), inputs(g, "fc1"));
            assertEquals(1, net.fc1.forwardPreHookCount());
        }
    }

    @Test
    void anAddModuleIsSeenAsAMerge() {
        try (Inline net = new Inline(self -> x -> ((Add) self.child("add")).call(self.child("a").call(x), x),
                "a", new Conv2d(2, 2, 1), "add", new Add())) {
            ModelGraph g = ModelGraph.trace(net, torch.zeros(1, 2, 3, 3));
            assertEquals(List.of("a -> add[0] [1, 2, 3, 3]", "<input> -> add[1] [1, 2, 3, 3]"), inputs(g, "add"));
        }
    }
}
