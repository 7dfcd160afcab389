package dev.shrink4j.onnx;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.io.StrictJson;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import dev.shrink4j.onnx.proto.OnnxProtos.ValueInfoProto;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link OnnxImporter} on the small OpsNet that {@code src/test/resources/onnx-import/make_fixtures.py} exported
 * with real PyTorch at opsets 11, 13 and 17 (committed, so these run everywhere), and on broken files made from it.
 */
class OnnxImporterOpsTest {

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(OnnxImporterOpsTest.class.getResource("/onnx-import/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonObject expected() throws IOException {
        return StrictJson.parse(Files.readString(fixture("ops.json"))).getAsJsonObject();
    }

    /** The layer each step of {@code m} calls, by path, in call order, as its type name. */
    static Map<String, String> describe(ImportedModel m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        Map<dev.shrink4j.nn.Module, String> names = new java.util.IdentityHashMap<>();
        m.namedModules().forEach((k, v) -> names.put(v, k));
        for (ImportedModel.Step s : m.steps()) {
            out.put(names.get(s.module()), s.module().typeName());
        }
        return out;
    }

    @Test
    void trainsLikeAnyModel() throws IOException {
        // one training step: every parameter gets a gradient, and SGD lowers the loss on the same batch
        try (ImportedModel model = OnnxImporter.load(fixture("ops_opset13.onnx")); PointerScope s = new PointerScope()) {
            model.train();
            torch.manual_seed(3);
            Tensor x = torch.randn(8, 3, 20, 20);
            Tensor y = torch.arange(new Scalar(8)).remainder(new Scalar(10));
            Tensor loss = torch.cross_entropy(model.call(x), y);
            loss.backward();
            for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
                Tensor g = p.getValue().grad();
                assertTrue(g.defined() && g.abs().sum().item_double() > 0, p.getKey() + " got no gradient");
            }
            try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                for (Tensor p : model.parameters()) {
                    p.sub_(p.grad().mul(new Scalar(0.05)));
                }
            }
            double after = torch.cross_entropy(model.call(x), y).item_double();
            assertTrue(after < loss.item_double(), after + " vs " + loss.item_double());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ops_opset11.onnx", "ops_opset13.onnx", "ops_opset17.onnx"})
    void computesPyTorchsLogitsAndExportsBackToTheSame(String file) throws IOException {
        JsonObject expected = expected();
        Path out = dir.resolve("roundtrip-" + file);
        try (ImportedModel model = OnnxImporter.load(fixture(file)); PointerScope s = new PointerScope()) {
            Tensor x = SharedModels.input(expected);
            float[] logits = OnnxTesting.evalOutput(model, x);
            assertTrue(maxAbsDiff(SharedModels.logits(expected), logits) <= 1e-4, file + ": "
                    + maxAbsDiff(SharedModels.logits(expected), logits));
            assertArrayEquals(new long[] {3, 20, 20}, model.inputShape());
            assertEquals(10, model.classCount());
            // the tracer sees every layer: one graph node per layer call
            assertEquals(model.stepCount(), ModelGraph.trace(model, torch.zeros(1, 3, 20, 20)).moduleNodes().size());
            OnnxExporter.builder().setModel(model).setInputShape(model.inputShape()).build().export(out);
            try (OnnxModel ort = OnnxModel.load(out, 2)) {
                float[] viaOrt = OnnxTesting.values(ort.run(x));
                assertTrue(maxAbsDiff(SharedModels.logits(expected), viaOrt) <= 1e-4, file + " through ONNX Runtime: "
                        + maxAbsDiff(SharedModels.logits(expected), viaOrt));
            }
        }
    }

    @Test
    void mapsEachOperatorToItsLayerUnderItsPyTorchName() throws IOException {
        try (ImportedModel model = OnnxImporter.load(fixture("ops_opset13.onnx"))) {
            Map<String, String> layers = describe(model);
            assertEquals(List.of("Sub", "Div", "stem", "bn", "act.HardSigmoid", "act.Mul", "dw", "Clip", "Sub_1", "Sigmoid", "Add", "grouped", "Reshape_1",
                    "se.ReduceMean", "se.fc1", "se.Relu", "se.fc2", "se.gate", "se.Mul", "pool", "rect", "Mul", "Add_1",
                    "ReduceMean", "ReduceMean_flatten", "GlobalAveragePool", "Reshape_2", "Add_2", "MatMul", "classifier.1"),
                    List.copyOf(layers.keySet()));
            assertEquals(List.of("ConstantOperand", "ConstantOperand", "Conv2d", "BatchNorm2d", "HardSigmoid", "Elementwise",
                    "Conv2d", "Clamp", "ConstantOperand", "Sigmoid", "Add",
                    "Conv2d", "ChannelShuffle", "AdaptiveAvgPool2d", "Conv2d", "ReLU", "Conv2d", "HardSigmoid", "Elementwise",
                    "Pool2dFull", "Pool2dFull", "ConstantOperand", "ConstantOperand", "AdaptiveAvgPool2d", "Flatten", "AdaptiveAvgPool2d",
                    "Flatten", "Add", "Linear", "Linear"), List.copyOf(layers.values()));
            assertEquals("Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(2, 2), dilation=(2, 2), groups=8)",
                    model.getSubmodule("dw").toString());
            assertEquals("Clamp(min=-1.5, max=2.0)", model.getSubmodule("Clip").toString());
            assertEquals("ConstantOperand(Div, shape=[1, 3, 1, 1])", model.getSubmodule("Div").toString());
            assertEquals("ConstantOperand(Sub, shape=[], constant first)", model.getSubmodule("Sub_1").toString());
            assertEquals("HardSigmoid(alpha=0.16666667, beta=0.5)", model.getSubmodule("se.gate").toString());
            assertEquals("AvgPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=True, count_include_pad=False)",
                    model.getSubmodule("pool").toString());
            assertEquals("MaxPool2d(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(1, 1), ceil_mode=False)",
                    model.getSubmodule("rect").toString());
            assertEquals("ChannelShuffle(groups=2)", model.getSubmodule("Reshape_1").toString());
            // MatMul(x, proj_w [16, 12]) + proj_b: a Linear whose weight is proj_w transposed
            assertEquals("Linear(in_features=16, out_features=12, bias=True)", model.getSubmodule("MatMul").toString());
            // shrink4j's export names nodes after the layers: importing it again gives the same paths
            Path exported = dir.resolve("reexport.onnx");
            OnnxExporter.builder().setModel(model).setInputShape(model.inputShape()).build().export(exported);
            try (ImportedModel again = OnnxImporter.load(exported)) {
                assertEquals(layers, describe(again));
            }
            // opset 17, exported the default way: the batch norm is folded into the stem's weights (onnx::Conv_… names)
            try (ImportedModel folded = OnnxImporter.load(fixture("ops_opset17.onnx"))) {
                assertEquals("Conv2d", describe(folded).get("stem"));
                assertEquals("HardSwish", describe(folded).get("act"));
                assertTrue(folded.stateDict().containsKey("stem.bias"), folded.stateDict().keySet().toString());
            }
        }
    }

    /** The opset-13 fixture changed by {@code edit}, written to {@code name} in {@code dir}. */
    static Path edited(Path dir, String name, UnaryOperator<ModelProto.Builder> edit) throws IOException {
        ModelProto.Builder b = ModelProto.parseFrom(Files.readAllBytes(fixture("ops_opset13.onnx"))).toBuilder();
        Path p = dir.resolve(name);
        Files.write(p, edit.apply(b).build().toByteArray());
        return p;
    }

    static NodeProto.Builder node(ModelProto.Builder b, String name) {
        return b.getGraphBuilder().getNodeBuilderList().stream().filter(n -> n.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void autoPadSameResolvesToThePadsItStandsFor() throws IOException {
        // the dilated depthwise convolution (3×3, dilation 2, pads 2) with auto_pad SAME_UPPER instead: the same function
        Path same = edited(dir, "auto-pad.onnx", b -> {
            NodeProto.Builder dw = node(b, "/dw/Conv");
            int pads = dw.getAttributeList().stream().map(a -> a.getName()).toList().indexOf("pads");
            dw.removeAttribute(pads).addAttribute(OnnxGraph.stringAttr("auto_pad", "SAME_UPPER"));
            return b;
        });
        JsonObject expected = expected();
        try (ImportedModel model = OnnxImporter.load(same); PointerScope s = new PointerScope()) {
            assertEquals("Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(2, 2), dilation=(2, 2), groups=8)",
                    model.getSubmodule("dw").toString());
            assertTrue(maxAbsDiff(SharedModels.logits(expected), OnnxTesting.evalOutput(model, SharedModels.input(expected))) <= 1e-4);
        }
        // on the stride-2 stem, SAME_UPPER pads 20 → 10 by one pixel at the end only, which Conv2d cannot express
        Path odd = edited(dir, "auto-pad-odd.onnx", b -> {
            NodeProto.Builder stem = node(b, "/stem/Conv");
            int pads = stem.getAttributeList().stream().map(a -> a.getName()).toList().indexOf("pads");
            stem.removeAttribute(pads).addAttribute(OnnxGraph.stringAttr("auto_pad", "SAME_UPPER"));
            return b;
        });
        assertEquals(odd + ": node '/stem/Conv' has op type Conv with pads [0, 0, 1, 1] (from auto_pad SAME_UPPER): only the"
                + " same padding at both ends of an axis is supported, a form the importer does not support; supported: "
                + String.join(", ", OnnxImporter.SUPPORTED_OPS),
                assertThrows(OnnxImportException.class, () -> OnnxImporter.load(odd)).getMessage());
    }

    @Test
    void dropoutIsADropoutLayerThatActsInTrainingOnly() throws IOException {
        // a Dropout(ratio 0.2) node inserted before the classifier's Gemm
        Path file = edited(dir, "dropout.onnx", b -> {
            NodeProto.Builder gemm = node(b, "/classifier/classifier.1/Gemm");
            String in = gemm.getInput(0);
            gemm.setInput(0, "dropped");
            int at = b.getGraph().getNodeList().indexOf(gemm.build());
            b.getGraphBuilder().addInitializer(OnnxGraph.tensorProto("ratio", torch.tensor(0.2f)));
            b.getGraphBuilder().addNode(at, NodeProto.newBuilder().setOpType("Dropout").setName("/classifier/classifier.0/Dropout")
                    .addInput(in).addInput("ratio").addOutput("dropped"));
            return b;
        });
        JsonObject expected = expected();
        try (ImportedModel model = OnnxImporter.load(file); PointerScope s = new PointerScope()) {
            assertEquals("Dropout(p=0.2)", model.getSubmodule("classifier.0").toString());
            Tensor x = SharedModels.input(expected);
            assertTrue(maxAbsDiff(SharedModels.logits(expected), OnnxTesting.evalOutput(model, x)) <= 1e-4);
            model.train();
            torch.manual_seed(5);
            float[] training;
            try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                training = OnnxTesting.values(model.call(x));
            }
            assertTrue(maxAbsDiff(SharedModels.logits(expected), training) > 1e-3, "dropout changes the training-mode output");
        }
    }

    @Nested
    class RejectsBadFiles {

        Path write(String name, byte[] bytes) throws IOException {
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p;
        }

        Path edited(String name, UnaryOperator<ModelProto.Builder> edit) throws IOException {
            return OnnxImporterOpsTest.edited(dir, name, edit);
        }

        String message(Path file) {
            return assertThrows(OnnxImportException.class, () -> OnnxImporter.load(file)).getMessage();
        }

        @Test
        void notAnOnnxFile() throws IOException {
            Path p = write("notes.onnx", "these are my notes, not a model\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String m = message(p);
            assertTrue(m.startsWith(p + ": not an ONNX model"), m);
        }

        @Test
        void truncatedFile() throws IOException {
            byte[] whole = Files.readAllBytes(fixture("ops_opset13.onnx"));
            Path p = write("truncated.onnx", Arrays.copyOf(whole, whole.length / 2));
            assertEquals(p + ": not an ONNX model, or a truncated one (" + whole.length / 2 + " bytes; protobuf: While parsing a"
                    + " protocol message, the input ended unexpectedly in the middle of a field.  This could mean either that"
                    + " the input has been truncated or that an embedded message misreported its own length.)", message(p));
        }

        @Test
        void unsupportedOperator() throws IOException {
            Path p = edited("softsign.onnx", b -> {
                b.getGraphBuilder().getNodeBuilderList().stream().filter(n -> n.getOpType().equals("Sigmoid"))
                        .forEach(n -> n.setOpType("Softsign"));
                return b;
            });
            assertEquals(p + ": node '/Sigmoid' has op type Softsign, which the importer does not support; supported: "
                    + String.join(", ", OnnxImporter.SUPPORTED_OPS), message(p));
            assertEquals("Add, AveragePool, BatchNormalization, Cast, Clip, Concat, Constant, Conv, Div, Dropout, Flatten, Gather,"
                    + " Gemm, GlobalAveragePool, HardSigmoid, HardSwish, Identity, MatMul, MaxPool, Mul, ReduceMean, Relu, Reshape,"
                    + " Shape, Sigmoid, Squeeze, Sub, Transpose, Unsqueeze", String.join(", ", OnnxImporter.SUPPORTED_OPS));
        }

        @Test
        void unsupportedFormOfASupportedOperator() throws IOException {
            Path p = edited("concat-axis2.onnx", b -> {
                NodeProto.Builder mul = b.getGraphBuilder().getNodeBuilderList().stream()
                        .filter(n -> n.getName().equals("/se/Mul")).findFirst().orElseThrow();
                mul.setOpType("Concat").addAttribute(OnnxGraph.intAttr("axis", 2));
                return b;
            });
            assertEquals(p + ": node '/se/Mul' has op type Concat along axis 2 of rank-4 values (only along the channels,"
                    + " axis 1), a form the importer does not support; supported: " + String.join(", ", OnnxImporter.SUPPORTED_OPS),
                    message(p));
        }

        @Test
        void opsetOutsideTheRange() throws IOException {
            for (int opset : new int[] {9, 18}) {
                Path p = edited("opset" + opset + ".onnx", b -> {
                    b.getOpsetImportBuilder(0).setVersion(opset);
                    return b;
                });
                assertEquals(p + ": has opset " + opset + ", outside the 11–17 the importer reads (re-export with"
                        + " torch.onnx.export(..., opset_version=13))", message(p));
            }
        }

        @Test
        void moreThanOneInput() throws IOException {
            Path p = edited("two-inputs.onnx", b -> {
                ValueInfoProto first = b.getGraph().getInput(0);
                b.getGraphBuilder().addInput(first.toBuilder().setName("mask"));
                return b;
            });
            assertEquals(p + ": the graph has 2 inputs [input, mask]; the importer takes models with exactly one input", message(p));
        }

        @Test
        void initializerWhoseShapeContradictsItsOperator() throws IOException {
            // the stem's weight [8, 3, 3, 3] rewritten as [8, 2, 3, 3] (its data shortened to fit): 2 input channels
            Path p = edited("bad-stem.onnx", b -> {
                TensorProto.Builder w = b.getGraphBuilder().getInitializerBuilderList().stream()
                        .filter(t -> t.getName().equals("stem.weight")).findFirst().orElseThrow();
                ByteBuffer data = ByteBuffer.allocate(8 * 2 * 3 * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
                w.clearDims().addAllDims(List.of(8L, 2L, 3L, 3L)).setRawData(ByteString.copyFrom(data.array()));
                return b;
            });
            assertEquals(p + ": node '/stem/Conv' (Conv): initializer 'stem.weight' has shape [8, 2, 3, 3], which contradicts"
                    + " an input of 3 channels with group 1 (the weight must be [out, in/group, kH, kW] with out divisible by"
                    + " group)", message(p));
        }

        @Test
        void initializerShorterThanItsShape() throws IOException {
            Path p = edited("short-data.onnx", b -> {
                TensorProto.Builder w = b.getGraphBuilder().getInitializerBuilderList().stream()
                        .filter(t -> t.getName().equals("dw.bias")).findFirst().orElseThrow();
                w.setRawData(w.getRawData().substring(0, 12));
                return b;
            });
            assertEquals(p + ": initializer 'dw.bias' holds 12 data units where its shape [8] needs 32 (a truncated or"
                    + " damaged file)", message(p));
        }

        @Test
        void dynamicImageSize() throws IOException {
            Path p = edited("dynamic-side.onnx", b -> {
                b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                        .getDimBuilder(2).clearDimValue().setDimParam("height");
                return b;
            });
            assertEquals(p + ": the graph input 'input' has a dynamic dimension 'height' at axis 2; only the batch axis (0)"
                    + " may be dynamic (export with a fixed image size)", message(p));
        }
    }

    @Test
    void channelShuffleMovesChannelsAsShuffleNetDoes() {
        try (PointerScope s = new PointerScope(); var shuffle = new dev.shrink4j.onnx.layers.ChannelShuffle(2)) {
            // channel c holds the value c; groups of 3: channel i·3 + j goes to j·2 + i
            Tensor x = torch.arange(new Scalar(6)).to(torch.ScalarType.Float).reshape(1, 6, 1, 1);
            float[] out = OnnxTesting.values(shuffle.call(x));
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, out);
        }
    }
}
