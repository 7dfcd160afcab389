package dev.shrink4j.onnx;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static dev.shrink4j.onnx.OnnxTesting.evalOutput;
import static dev.shrink4j.onnx.OnnxTesting.initializers;
import static dev.shrink4j.onnx.OnnxTesting.metadata;
import static dev.shrink4j.onnx.OnnxTesting.randomizeBatchNorms;
import static dev.shrink4j.onnx.OnnxTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.speedup.ChannelMasks;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.AvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm1d;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.ReLU6;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import dev.shrink4j.prune.LevelPruner;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.MobileNetV2;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import dev.shrink4j.workbench.zoo.Vgg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OnnxExporterTest {

    @TempDir
    Path dir;

    /** Exports {@code model}, runs the batch in ONNX Runtime and returns the largest difference from shrink4j's eval output. */
    double exportAndCompare(Module model, Tensor x, Path file) throws IOException {
        long[] sample = java.util.Arrays.copyOfRange(x.shape(), 1, (int) x.dim());
        OnnxExporter.builder().setModel(model).setInputShape(sample).build().export(file);
        float[] expected = evalOutput(model, x);
        try (OnnxModel onnx = OnnxModel.load(file, 1); PointerScope s = new PointerScope()) {
            return maxAbsDiff(expected, OnnxTesting.values(onnx.run(x)));
        }
    }

    static Stream<Arguments> zoo() {
        return Stream.of(
                Arguments.of("lenet5", (Supplier<Module>) LeNet5::new, new long[] {1, 28, 28}),
                Arguments.of("vgg", (Supplier<Module>) Vgg::new, new long[] {3, 32, 32}),
                Arguments.of("resnet20 option A", (Supplier<Module>) ResNet::resnet20, new long[] {3, 32, 32}),
                Arguments.of("resnet20 option B", (Supplier<Module>) () -> new ResNet(20, ShortcutOption.B, 3, 10),
                        new long[] {3, 32, 32}),
                Arguments.of("resnet32", (Supplier<Module>) ResNet::resnet32, new long[] {3, 32, 32}),
                Arguments.of("resnet56", (Supplier<Module>) () -> ResNet.resnet56(3, 10), new long[] {3, 32, 32}),
                Arguments.of("mobilenetv2", (Supplier<Module>) () -> MobileNetV2.builder().optNumClasses(10).build(),
                        new long[] {3, 32, 32}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("zoo")
    void everyZooModelRunsInOnnxRuntimeAsInShrink4j(String name, Supplier<Module> factory, long[] sample) throws IOException {
        torch.manual_seed(7);
        try (Module model = factory.get(); PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(java.util.stream.LongStream.concat(java.util.stream.LongStream.of(5),
                    java.util.Arrays.stream(sample)).toArray());
            randomizeBatchNorms(model, x);
            model.train(); // the export is of evaluation mode whatever the model's mode
            double diff = exportAndCompare(model, x, dir.resolve(name.replace(' ', '-') + ".onnx"));
            assertTrue(diff < 1e-4, name + ": max |ONNX Runtime − shrink4j| = " + diff);
            assertTrue(model.isTraining(), "the model's mode is restored");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("zoo")
    void everyZooModelShrunkToHalfItsChannelsRunsInOnnxRuntimeAsInShrink4j(String name, Supplier<Module> factory,
            long[] sample) throws IOException {
        torch.manual_seed(8);
        try (Module model = factory.get(); PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(java.util.stream.LongStream.concat(java.util.stream.LongStream.of(5),
                    java.util.Arrays.stream(sample)).toArray());
            randomizeBatchNorms(model, x);
            long before = model.parameterCount();
            DependencyGroups groups = DependencyGroups.of(dev.shrink4j.graph.ModelGraph.trace(model, x.narrow(0, 0, 1)));
            ModelSpeedup.apply(groups, ChannelMasks.of(groups, ChannelMasks.randomChannels(groups, 0.5, 8)));
            assertTrue(model.parameterCount() < 0.6 * before, name + " shrunk: " + model.parameterCount() + " of " + before);
            Path file = dir.resolve(name.replace(' ', '-') + "-shrunk.onnx");
            double diff = exportAndCompare(model, x, file);
            assertTrue(diff < 1e-4, name + " shrunk: max |ONNX Runtime − shrink4j| = " + diff);
            // the smaller layers are in the file: the initializers hold exactly the shrunk model's parameters
            long values = initializers(read(file)).entrySet().stream().filter(e -> model.namedParameters().containsKey(e.getKey()))
                    .mapToLong(e -> e.getValue().getDimsList().stream().reduce(1L, (a, b) -> a * b)).sum();
            assertEquals(model.parameterCount(), values);
        }
    }

    @Nested
    class LeNet5File {

        ModelProto export(LeNet5 net, ModelMetadata metadata) throws IOException {
            Path file = dir.resolve("lenet5.onnx");
            ExportedModel exported = OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optMetadata(metadata).build()
                    .export(file);
            assertEquals(12, exported.nodeCount());
            return read(file);
        }

        @Test
        void hasTheOpsInCallOrderInitializersByStateDictKeyAndADynamicBatch() throws IOException {
            try (LeNet5 net = new LeNet5()) {
                ModelProto m = export(net, ModelMetadata.empty());
                assertEquals(8, m.getIrVersion());
                assertEquals(17, m.getOpsetImport(0).getVersion());
                assertEquals("", m.getOpsetImport(0).getDomain());
                assertEquals("shrink4j", m.getProducerName());
                assertEquals(List.of("Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm",
                        "Relu", "Gemm"), m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList());
                assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
                        "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"), List.copyOf(initializers(m).keySet()));
                NodeProto conv2 = m.getGraph().getNode(3);
                assertEquals("conv2", conv2.getName());
                assertEquals(List.of("pool1", "conv2.weight", "conv2.bias"), conv2.getInputList());
                assertEquals("kernel_shape=[5, 5] strides=[1, 1] pads=[0, 0, 0, 0] dilations=[1, 1] group=1",
                        attributes(conv2));
                NodeProto pool = m.getGraph().getNode(2);
                assertEquals("kernel_shape=[2, 2] strides=[2, 2] pads=[0, 0, 0, 0]", attributes(pool));
                NodeProto fc3 = m.getGraph().getNode(11);
                assertEquals(List.of("relu4", "fc3.weight", "fc3.bias"), fc3.getInputList());
                assertEquals(List.of("logits"), fc3.getOutputList());
                assertEquals("transB=1", attributes(fc3));
                assertEquals("input", m.getGraph().getInput(0).getName());
                assertEquals("batch", m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
                assertEquals(List.of(1L, 28L, 28L), m.getGraph().getInput(0).getType().getTensorType().getShape().getDimList()
                        .stream().skip(1).map(d -> d.getDimValue()).toList());
                assertEquals("batch", m.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
                assertEquals(10L, m.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
                // the weights are the state dict's, byte for byte
                TensorProto w = initializers(m).get("conv1.weight");
                assertEquals(List.of(6L, 1L, 5L, 5L), w.getDimsList());
                assertEquals(TensorProto.DataType.FLOAT_VALUE, w.getDataType());
                assertArrayEquals(OnnxTesting.values(net.conv1.weight()), floats(w));
            }
        }

        @Test
        void carriesTheMetadata() throws IOException {
            try (LeNet5 net = new LeNet5()) {
                ModelMetadata md = ModelMetadata.empty().withArch("lenet5").withDataset("fashion-mnist")
                        .withNormalization(dev.shrink4j.nn.Normalization.of(new double[] {0.2860}, new double[] {0.3530}))
                        .withAlgorithm("level", "{\"config_list\": []}");
                Map<String, String> props = metadata(export(net, md));
                assertEquals(ModelMetadata.shrink4jVersion(), props.get(ModelMetadata.VERSION));
                assertEquals("lenet5", props.get(ModelMetadata.ARCH));
                assertEquals("fashion-mnist", props.get(ModelMetadata.DATASET));
                assertEquals("[0.286]", props.get(ModelMetadata.INPUT_MEAN));
                assertEquals("[0.353]", props.get(ModelMetadata.INPUT_STD));
                assertEquals("level", props.get(ModelMetadata.ALGORITHM));
                assertEquals("{\"config_list\": []}", props.get(ModelMetadata.CONFIG));
                assertEquals(ModelMetadata.WEIGHTS, props.get(ModelMetadata.CONTENTS));
                try (OnnxModel onnx = OnnxModel.load(dir.resolve("lenet5.onnx"))) {
                    assertEquals("lenet5", onnx.metadata().arch().orElseThrow());
                    assertEquals(0.2860, onnx.metadata().normalization().orElseThrow().mean(0), 1e-12);
                }
            }
        }
    }

    static String attributes(NodeProto n) {
        return String.join(" ", n.getAttributeList().stream().map(a -> a.getName() + "=" + switch (a.getType()) {
            case INTS -> a.getIntsList().toString();
            case INT -> Long.toString(a.getI());
            case FLOAT -> Float.toString(a.getF());
            default -> a.getType().toString();
        }).toList());
    }

    static float[] floats(TensorProto t) {
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @Test
    void aMaskedModelExportsItsMaskedWeights() throws IOException {
        torch.manual_seed(3);
        try (LeNet5 net = new LeNet5(); PointerScope s = new PointerScope();
                LevelPruner pruner = new LevelPruner(net, ConfigList.fromJson(
                        "[{\"sparsity\": 0.75, \"op_types\": [\"Conv2d\", \"Linear\"]}]"), null)) {
            pruner.compress();
            Tensor x = torch.randn(4, 1, 28, 28);
            Path file = dir.resolve("masked.onnx");
            double diff = exportAndCompare(net, x, file);
            assertTrue(diff < 1e-4, "max diff " + diff);
            ModelProto m = read(file);
            float[] w = floats(initializers(m).get("fc1.weight"));
            long zeros = 0;
            for (float v : w) {
                zeros += v == 0f ? 1 : 0;
            }
            assertEquals(48000, w.length);
            assertEquals(36000, zeros, "75% of fc1's weights are masked");
            assertEquals(ModelMetadata.MASKED_WEIGHTS, metadata(m).get(ModelMetadata.CONTENTS));
            // the stored parameter keeps its values: the export reads through the mask
            assertTrue(OnnxTesting.values(net.fc1.weight()).length == 48000);
            assertFalse(java.util.Arrays.equals(OnnxTesting.values(net.fc1.weight()), w));
        }
    }

    /** Layers the zoo does not use: ReLU6, AvgPool2d, BatchNorm1d, a non-global adaptive pool, Concat, ChannelPad. */
    static final class Glue extends Module {
        final Conv2d a = registerModule("a", Conv2d.builder().setInChannels(3).setOutChannels(4).setKernelSize(3).optPadding(1)
                .build());
        final ChannelPad pad = registerModule("pad", new ChannelPad(3, 1, 2, 2));
        final AvgPool2d avg = registerModule("avg", new AvgPool2d(3, 2, 1));
        final Concat cat = registerModule("cat", new Concat());
        final ReLU6 relu6 = registerModule("relu6", new ReLU6());
        final AdaptiveAvgPool2d pool = registerModule("pool", new AdaptiveAvgPool2d(2, 4));
        final Flatten flatten = registerModule("flatten", new Flatten());
        final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(80));
        final Linear fc = registerModule("fc", new Linear(80, 5));

        @Override
        protected Tensor forward(Tensor x) {
            Tensor y = cat.call(avg.call(a.call(x)), pad.call(x)); // [N, 4 + 6, 4, 4]
            return fc.call(bn.call(flatten.call(pool.call(relu6.call(y)))));
        }
    }

    @Test
    void theOtherLayersMapToo() throws IOException {
        torch.manual_seed(11);
        try (Module net = new Glue(); PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(3, 3, 8, 8).mul(new org.bytedeco.pytorch.Scalar(4.0));
            randomizeBatchNorms(net, x);
            double diff = exportAndCompare(net, x, dir.resolve("glue.onnx"));
            assertTrue(diff < 1e-4, "max diff " + diff);
            ModelProto m = read(dir.resolve("glue.onnx"));
            assertEquals(List.of("Conv", "AveragePool", "Slice", "Pad", "Concat", "Clip", "AveragePool", "Flatten",
                    "BatchNormalization", "Gemm"), m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList());
            assertEquals("kernel_shape=[2, 1] strides=[2, 1]", attributes(m.getGraph().getNode(6)));
        }
    }

    @Test
    void aLinearLayerOnA3dInputIsAMatMulPlusBias() throws IOException {
        torch.manual_seed(12);
        try (Module net = new Refuses.Net(new Linear(6, 3)); PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(2, 4, 6);
            double diff = exportAndCompare(net, x, dir.resolve("linear3d.onnx"));
            assertTrue(diff < 1e-5, "max diff " + diff);
            ModelProto m = read(dir.resolve("linear3d.onnx"));
            assertEquals(List.of("Transpose", "MatMul", "Add"), m.getGraph().getNodeList().stream().map(NodeProto::getOpType)
                    .toList());
            assertEquals(List.of(3L, 6L), initializers(m).get("body.weight").getDimsList(), "stored as in the state dict");
        }
    }

    @Nested
    class Refuses {

        /** A leaf module without an ONNX mapping. */
        static final class Square extends Module {
            @Override
            protected Tensor forward(Tensor x) {
                return x.mul(x);
            }
        }

        /** A ReLU whose forward is not a ReLU's. */
        static final class LeakyReLU extends ReLU {
            @Override
            protected Tensor forward(Tensor x) {
                return torch.leaky_relu(x, new org.bytedeco.pytorch.Scalar(0.1));
            }
        }

        static final class Net extends Module {
            final Module body;

            Net(Module body) {
                this.body = registerModule("body", body);
            }

            @Override
            protected Tensor forward(Tensor x) {
                return body.call(x);
            }
        }

        @Test
        void aModuleWithoutMappingIsNamedWithItsType() throws IOException {
            Path file = dir.resolve("square.onnx");
            Files.writeString(file, "an earlier export");
            try (Net net = new Net(new Square())) {
                OnnxExporter exporter = OnnxExporter.builder().setModel(net).setInputShape(4).build();
                OnnxExportException e = assertThrows(OnnxExportException.class, () -> exporter.export(file));
                assertEquals("no ONNX mapping for module body (Square); mapped layers: Conv2d, Linear, BatchNorm, ReLU, ReLU6,"
                        + " MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Dropout, Identity, Add, Concat, ChannelPad, Clamp,"
                        + " Sigmoid, HardSigmoid, HardSwish, Elementwise, ConstantOperand, ChannelShuffle, Pool2dFull",
                        e.getMessage());
            }
            assertEquals("an earlier export", Files.readString(file), "nothing half-written replaces the old file");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temporary file is left");
            }
        }

        @Test
        void aSubclassThatOverridesForward() {
            try (Net net = new Net(new LeakyReLU())) {
                assertEquals("no ONNX mapping for module body (LeakyReLU): it overrides forward of ReLU, so what it computes"
                        + " is unknown to the exporter", assertThrows(OnnxExportException.class,
                                () -> OnnxExporter.builder().setModel(net).setInputShape(4).build().toByteArray()).getMessage());
            }
        }

        @Test
        void anAdaptivePoolOfUnequalWindows() {
            try (Net net = new Net(new AdaptiveAvgPool2d(3))) {
                assertEquals("body (AdaptiveAvgPool2d): output size 3x3 from an input of 4x4 pools windows of different sizes,"
                        + " which no ONNX operator does (ONNX has no adaptive pooling; an input size divisible by the output"
                        + " size maps to AveragePool)", assertThrows(OnnxExportException.class,
                                () -> OnnxExporter.builder().setModel(net).setInputShape(2, 4, 4).build().toByteArray())
                        .getMessage());
            }
        }

        @Test
        void aMissingModelOrShape() {
            assertEquals("OnnxExporter: setModel(...) was not called", assertThrows(IllegalArgumentException.class,
                    () -> OnnxExporter.builder().setInputShape(1).build()).getMessage());
            try (LeNet5 net = new LeNet5()) {
                assertEquals("OnnxExporter: setInputShape(...) was not called (the shape of one sample without the batch"
                        + " axis, e.g. 1, 28, 28)", assertThrows(IllegalArgumentException.class,
                                () -> OnnxExporter.builder().setModel(net).build()).getMessage());
                assertEquals("OnnxExporter: the input shape must be positive, got [1, 0, 28]",
                        assertThrows(IllegalArgumentException.class,
                                () -> OnnxExporter.builder().setModel(net).setInputShape(1, 0, 28).build()).getMessage());
            }
        }

        @Test
        void anUntraceableModelFailsWithTheTracersMessage() {
            try (LeNet5 net = new LeNet5()) {
                var e = assertThrows(dev.shrink4j.graph.TraceException.class,
                        () -> OnnxExporter.builder().setModel(net).setInputShape(3, 28, 28).build().toByteArray());
                assertTrue(e.getMessage().startsWith("cannot trace LeNet5: its forward pass on an input of shape [1, 3, 28, 28]"
                        + " failed: "), e.getMessage());
            }
        }
    }
}
