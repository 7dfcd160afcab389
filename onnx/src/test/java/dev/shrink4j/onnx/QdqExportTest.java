package dev.shrink4j.onnx;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static dev.shrink4j.nn.TensorDifferences.rawBytes;
import static dev.shrink4j.onnx.OnnxTesting.evalOutput;
import static dev.shrink4j.onnx.OnnxTesting.initializers;
import static dev.shrink4j.onnx.OnnxTesting.metadata;
import static dev.shrink4j.onnx.OnnxTesting.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.nn.Module;
import dev.shrink4j.quant.algo.BnnQuantizer;
import dev.shrink4j.quant.algo.LsqQuantizer;
import dev.shrink4j.quant.algo.NaiveQuantizer;
import dev.shrink4j.quant.algo.DoReFaQuantizer;
import dev.shrink4j.quant.algo.ObserverQuantizer;
import dev.shrink4j.quant.algo.QatQuantizer;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.data.TestFiles;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.ResNet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** Quantized models as QDQ (and DoReFa/BNN as float32): what ONNX Runtime runs and what it fuses. */
class QdqExportTest {

    @TempDir
    Path dir;

    /** The op types of the graph ONNX Runtime runs after its optimisations (QDQ pairs fused into integer kernels). */
    static Set<String> optimizedOps(Path file, Path optimized) throws OrtException, IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(1);
            o.setOptimizedModelFilePath(optimized.toString());
            env.createSession(file.toString(), o).close();
        }
        Set<String> ops = new TreeSet<>();
        read(optimized).getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
        return ops;
    }

    @Test
    @Tag("slow")
    void qatLeNet5RunsInInt8WithinAFifthOfAPointOfShrink4jsAccuracy() throws Exception {
        torch.manual_seed(5);
        Path data = TestFiles.fashionMnistDir();
        try (Dataset trainFull = IdxDataset.FASHION_MNIST.load(data, Split.TRAIN); Dataset train = trainFull.limit(6000);
                Dataset testFull = IdxDataset.FASHION_MNIST.load(data, Split.TEST); Dataset test = testFull.limit(2000);
                LeNet5 net = new LeNet5();
                Sgd sgd = Sgd.builder().setLearningRate(0.05).optMomentum(0.9).build(net.parameters())) {
            DataLoader trainLoader = DataLoader.builder().setDataset(train).setBatchSize(64).optShuffle(1).build();
            DataLoader testLoader = DataLoader.builder().setDataset(test).setBatchSize(100).build();
            Trainer.builder().setModel(net).setOptimizer(sgd).optProgressBar(false).build().fit(trainLoader, 1);
            QatQuantizer quantizer = new QatQuantizer(net, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\"],"
                    + " \"quant_bits\": 8, \"op_types\": [\"Conv2d\", \"Linear\"]}]"), sgd);
            quantizer.compress();
            Trainer.builder().setModel(net).setOptimizer(sgd).optProgressBar(false).build().fit(trainLoader, 1);
            Evaluation fakeQuant = new Evaluator().evaluate(net, testLoader);

            Path file = dir.resolve("lenet5-qat.onnx");
            ExportedModel exported = OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer)
                    .optMetadata(ModelMetadata.empty().withArch("lenet5")).build().export(file);
            quantizer.exportInt8(dir.resolve("lenet5-int8.safetensors"));
            Evaluation onnx;
            try (OnnxModel model = OnnxModel.load(file, 2)) {
                onnx = model.evaluate(testLoader);
            }
            LoggerFactory.getLogger(QdqExportTest.class).info("QAT LeNet-5 on 2000 test images: shrink4j (fake quant) {};"
                    + " ONNX Runtime (int8) {}", fakeQuant, onnx);
            assertTrue(fakeQuant.accuracy() > 0.70, "trained a little: " + fakeQuant);
            assertEquals(fakeQuant.accuracy(), onnx.accuracy(), 0.002, "shrink4j " + fakeQuant + ", ONNX Runtime " + onnx);

            // the integers are the int8 export's, under the same keys
            ModelProto m = read(file);
            Map<String, TensorProto> init = initializers(m);
            try (PointerScope s = new PointerScope()) {
                Map<String, Tensor> int8 = SafeTensors.load(dir.resolve("lenet5-int8.safetensors"));
                for (String layer : List.of("conv1", "conv2", "fc1", "fc2", "fc3")) {
                    for (String key : List.of(layer + ".weight", layer + ".weight_scale", layer + ".weight_zero_point")) {
                        assertArrayEquals(rawBytes(int8.get(key)), init.get(key).getRawData().toByteArray(), key);
                    }
                    assertEquals(TensorProto.DataType.UINT8_VALUE, init.get(layer + ".weight").getDataType(), layer);
                    assertEquals(TensorProto.DataType.INT32_VALUE, init.get(layer + ".bias").getDataType(), layer);
                }
            }
            assertEquals(ModelMetadata.INT8_WEIGHTS, metadata(m).get(ModelMetadata.CONTENTS));
            assertEquals("QatQuantizer", metadata(m).get(ModelMetadata.ALGORITHM));
            assertEquals(ModelMetadata.INT8_WEIGHTS, exported.metadata().contents().orElseThrow());
            // every layer's input gets one Q/DQ pair, every weight and bias one DQ
            assertEquals(5, count(m, "QuantizeLinear"));
            assertEquals(15, count(m, "DequantizeLinear"));
            // ONNX Runtime runs the convolutions and the fully connected layers in integers
            Set<String> ops = optimizedOps(file, dir.resolve("optimized.onnx"));
            assertTrue(ops.contains("QLinearConv"), "fused: " + ops);
            assertTrue(!ops.contains("Conv"), "no float convolution left: " + ops);
            quantizer.close();
        }
    }

    /**
     * uint8 weights written as int8: an affine grid shifts by 128 (zero point too), a symmetric one (zero point
     * 127) by 127 to zero point 0; ONNX Runtime computes the same outputs with either.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"per_tensor_affine, 128", "per_tensor_symmetric, 127", "per_channel_symmetric, 127"})
    void uint8WeightsWrittenAsInt8AreTheSameValues(String scheme, int offset) throws IOException {
        torch.manual_seed(17);
        try (LeNet5 net = new LeNet5(); PointerScope s = new PointerScope()) {
            QatQuantizer quantizer = new QatQuantizer(net, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\"],"
                    + " \"quant_bits\": 8, \"quant_scheme\": \"" + scheme + "\", \"op_types\": [\"Conv2d\", \"Linear\"]}]"), null);
            quantizer.compress();
            net.train();
            try (NoGradGuard g = new NoGradGuard()) {
                net.call(torch.randn(32, 1, 28, 28));
            }
            Path unsigned = dir.resolve("unsigned.onnx");
            Path signed = dir.resolve("signed.onnx");
            OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer).build().export(unsigned);
            OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer).optSignedWeights(true)
                    .build().export(signed);
            Map<String, TensorProto> u = initializers(read(unsigned));
            Map<String, TensorProto> i = initializers(read(signed));
            for (String key : List.of("conv1.weight", "conv1.weight_zero_point", "fc3.weight", "fc3.weight_zero_point")) {
                assertEquals(TensorProto.DataType.UINT8_VALUE, u.get(key).getDataType(), key);
                assertEquals(TensorProto.DataType.INT8_VALUE, i.get(key).getDataType(), key);
                byte[] ub = u.get(key).getRawData().toByteArray();
                byte[] ib = i.get(key).getRawData().toByteArray();
                for (int k = 0; k < ub.length; k++) {
                    assertEquals((ub[k] & 0xff) - offset, ib[k], key + "[" + k + "]");
                }
            }
            if (offset == 127) {
                for (byte zp : i.get("conv2.weight_zero_point").getRawData().toByteArray()) {
                    assertEquals(0, zp, "symmetric: zero point 0");
                }
            }
            Tensor x = torch.randn(16, 1, 28, 28);
            try (OnnxModel a = OnnxModel.load(unsigned, 1); OnnxModel b = OnnxModel.load(signed, 1)) {
                double diff = maxAbsDiff(OnnxTesting.values(a.run(x)), OnnxTesting.values(b.run(x)));
                assertTrue(diff < 1e-4, "the same values through other integer kernels: " + diff);
            }
            quantizer.close();
        }
    }

    /** A ResNet-20 (seeded) whose batch norms have random affine parameters and the statistics of its activations. */
    static ResNet settledResNet20(long seed) {
        torch.manual_seed(seed);
        ResNet net = ResNet.resnet20();
        try (PointerScope s = new PointerScope()) {
            OnnxTesting.randomizeBatchNorms(net, torch.randn(8, 3, 32, 32));
        }
        return net;
    }

    static long count(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }

    @Test
    void observerPerChannelResNetIsCloseToTheFakeQuantizedForward() throws IOException {
        try (ResNet net = settledResNet20(9); PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(8, 3, 32, 32);
            ObserverQuantizer quantizer = new ObserverQuantizer(net, ConfigList.fromJson("[{\"quant_types\": [\"weight\","
                    + " \"input\"], \"quant_bits\": 8, \"quant_scheme\": \"per_channel_symmetric\", \"quant_dtype\": \"int\","
                    + " \"op_types\": [\"Conv2d\"]}, {\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 8,"
                    + " \"op_types\": [\"Linear\"]}]"));
            quantizer.compress();
            quantizer.calibrate(List.of(torch.randn(16, 3, 32, 32), torch.randn(16, 3, 32, 32)));
            float[] expected = evalOutput(net, x);
            Path file = dir.resolve("resnet20-ptq.onnx");
            OnnxExporter.builder().setModel(net).setInputShape(3, 32, 32).optQuantizer(quantizer).build().export(file);
            try (OnnxModel model = OnnxModel.load(file, 1)) {
                double diff = maxAbsDiff(expected, OnnxTesting.values(model.run(x)));
                assertTrue(diff < 0.05, "max |ONNX Runtime − fake quant| " + diff);
            }
            ModelProto m = read(file);
            // every batch norm follows an int8 convolution: folded into its per-channel scales and its bias
            assertEquals(0, count(m, "BatchNormalization"));
            TensorProto scale = initializers(m).get("layer1.0.conv1.weight_scale_folded");
            assertEquals(List.of(16L), scale.getDimsList(), "per-channel weight scales are 1-D");
            try (PointerScope t = new PointerScope()) {
                Map<String, Tensor> ints = quantizer.integerStateDict();
                assertArrayEquals(rawBytes(ints.get("layer1.0.conv1.weight")),
                        initializers(m).get("layer1.0.conv1.weight").getRawData().toByteArray(), "the integers stay");
                // folded scale = weight scale · γ / sqrt(running_var + eps)
                dev.shrink4j.nn.layers.BatchNorm bn = ((dev.shrink4j.workbench.zoo.BasicBlock) net.layer1.get(0)).bn1;
                float[] expectedScale = OnnxTesting.values(ints.get("layer1.0.conv1.weight_scale").reshape(-1)
                        .mul(bn.weight().div(bn.runningVar().add(new org.bytedeco.pytorch.Scalar(bn.eps())).sqrt())));
                assertArrayEquals(expectedScale, OnnxExporterTest.floats(scale), 1e-9f);
            }
            assertEquals(TensorProto.DataType.FLOAT_VALUE, initializers(m).get("layer1.0.conv1.bias").getDataType(),
                    "the folded shift is the bias; float, as the inputs are quantized per channel (int32 needs one scale)");
            NodeProto dq = m.getGraph().getNodeList().stream()
                    .filter(n -> n.getName().equals("layer1.0.conv1.weight/dequantize")).findFirst().orElseThrow();
            assertEquals("axis=0", OnnxExporterTest.attributes(dq));
            assertEquals(TensorProto.DataType.INT8_VALUE, initializers(m).get("layer1.0.conv1.weight").getDataType());
            // the symmetric int grid [-127, 127] of the 19 convolutions' inputs is narrower than int8: clipped between
            // Q and DQ; the linear layer's uint8 grid [0, 255] is not
            assertEquals(19, count(m, "Clip"));
            ModelProto unfolded = OnnxExporter.builder().setModel(net).setInputShape(3, 32, 32).optQuantizer(quantizer)
                    .optFoldBatchNorms(false).build().toModelProto();
            assertEquals(19, count(unfolded, "BatchNormalization"));
            assertEquals(List.of(16L), initializers(unfolded).get("layer1.0.conv1.weight_scale").getDimsList());
            quantizer.close();
        }
    }

    static Stream<Arguments> weightOnlyQuantizers() {
        String weights = "[{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\", \"Linear\"]}]";
        String perChannel = "[{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"quant_scheme\": \"per_channel_affine\","
                + " \"op_types\": [\"Conv2d\", \"Linear\"]}]";
        String fourBits = "[{\"quant_types\": [\"weight\"], \"quant_bits\": 4, \"op_types\": [\"Conv2d\", \"Linear\"]}]";
        return Stream.of(
                Arguments.of("naive", (Function<Module, Quantizer>) m -> new NaiveQuantizer(m, ConfigList.fromJson(weights), null)),
                Arguments.of("qat", (Function<Module, Quantizer>) m -> new QatQuantizer(m, ConfigList.fromJson(weights), null)),
                Arguments.of("qat per channel", (Function<Module, Quantizer>) m -> new QatQuantizer(m,
                        ConfigList.fromJson(perChannel), null)),
                Arguments.of("lsq 4 bits", (Function<Module, Quantizer>) m -> LsqQuantizer.builder().setModel(m)
                        .setConfigList(ConfigList.fromJson(fourBits)).build()));
    }

    /**
     * Weight-only quantization: the integers through DequantizeLinear are exactly the fake-quantized weights, and
     * without quantized activations ONNX Runtime computes in float what shrink4j computes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("weightOnlyQuantizers")
    void weightOnlyIntegersDequantizeToTheFakeQuantizedForward(String name, Function<Module, Quantizer> quantizerOf)
            throws IOException {
        torch.manual_seed(6);
        try (LeNet5 net = new LeNet5(); PointerScope s = new PointerScope()) {
            Quantizer quantizer = quantizerOf.apply(net);
            quantizer.compress();
            Tensor x = torch.randn(4, 1, 28, 28);
            float[] expected = evalOutput(net, x); // also computes QAT's and naive's weight qparams
            Path file = dir.resolve(name.replace(' ', '-') + ".onnx");
            OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer).build().export(file);
            try (OnnxModel model = OnnxModel.load(file, 1)) {
                assertFloatClose(expected, OnnxTesting.values(model.run(x)));
            }
            ModelProto m = read(file);
            assertEquals(5, count(m, "DequantizeLinear"), "one per weight");
            assertEquals(0, count(m, "QuantizeLinear"), "no activation is quantized");
            assertEquals(TensorProto.DataType.FLOAT_VALUE, initializers(m).get("conv1.bias").getDataType(),
                    "a float input keeps the bias float");
            quantizer.close();
        }
    }

    @Test
    void doReFaExportsItsFakeQuantizedFloatWeightsAndSaysSo() throws IOException {
        torch.manual_seed(2);
        try (LeNet5 net = new LeNet5(); PointerScope s = new PointerScope()) {
            DoReFaQuantizer quantizer = new DoReFaQuantizer(net, ConfigList.fromJson(
                    "[{\"quant_types\": [\"weight\"], \"quant_bits\": 3, \"op_types\": [\"Conv2d\", \"Linear\"]}]"), null);
            quantizer.compress();
            Tensor x = torch.randn(4, 1, 28, 28);
            float[] expected = evalOutput(net, x);
            Path file = dir.resolve("dorefa.onnx");
            ExportedModel exported = OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer)
                    .build().export(file);
            try (OnnxModel model = OnnxModel.load(file, 1)) {
                assertFloatClose(expected, OnnxTesting.values(model.run(x)));
            }
            ModelProto m = read(file);
            assertEquals(0, count(m, "DequantizeLinear"));
            assertEquals(ModelMetadata.FAKE_QUANT_WEIGHTS, metadata(m).get(ModelMetadata.CONTENTS));
            assertEquals("DoReFaQuantizer: weight levels 2r/K - 1 are not one affine integer grid, so the weights are exported"
                    + " as their fake-quantized float32 values", metadata(m).get(OnnxExporter.QUANTIZATION_NOTE));
            assertEquals(metadata(m).get(OnnxExporter.QUANTIZATION_NOTE),
                    exported.metadata().get(OnnxExporter.QUANTIZATION_NOTE).orElseThrow());
            // 3 bits: at most 8 distinct values per layer
            assertTrue(new TreeSet<>(asList(OnnxExporterTest.floats(initializers(m).get("conv2.weight")))).size() <= 8);
            quantizer.close();
        }
    }

    /**
     * Float32 agreement: ±1-valued weights make logits in the thousands, so the bound is relative, 1e-6 of the
     * largest logit (float32 rounding of sums in another order), and at least 1e-4.
     */
    static void assertFloatClose(float[] expected, float[] actual) {
        double largest = 0;
        for (float v : expected) {
            largest = Math.max(largest, Math.abs(v));
        }
        double diff = maxAbsDiff(expected, actual);
        assertTrue(diff <= Math.max(1e-4, 1e-6 * largest), "max |ONNX Runtime − shrink4j| " + diff + " for logits up to "
                + largest);
    }

    static List<Float> asList(float[] a) {
        List<Float> out = new java.util.ArrayList<>();
        for (float v : a) {
            out.add(v);
        }
        return out;
    }

    @Test
    void bnnExportsSignOutputsAndBinaryWeights() throws IOException {
        torch.manual_seed(4);
        try (LeNet5 net = new LeNet5(); PointerScope s = new PointerScope()) {
            BnnQuantizer quantizer = new BnnQuantizer(net, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"output\"],"
                    + " \"quant_bits\": 1, \"op_types\": [\"Conv2d\"]}, {\"quant_types\": [\"weight\"], \"quant_bits\": 1,"
                    + " \"op_types\": [\"Linear\"]}]"), null);
            quantizer.compress();
            Tensor x = torch.randn(4, 1, 28, 28);
            float[] expected = evalOutput(net, x);
            Path file = dir.resolve("bnn.onnx");
            OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer).build().export(file);
            try (OnnxModel model = OnnxModel.load(file, 1)) {
                assertFloatClose(expected, OnnxTesting.values(model.run(x)));
            }
            ModelProto m = read(file);
            assertEquals(2, count(m, "Where"));
            assertEquals(Set.of(-1f, 1f), new TreeSet<>(asList(OnnxExporterTest.floats(initializers(m).get("conv1.weight")))));
            quantizer.close();
        }
    }

    @Test
    void aQuantizerThatHasNotFixedItsQParamsIsRefused() {
        try (LeNet5 net = new LeNet5()) {
            ObserverQuantizer quantizer = new ObserverQuantizer(net, ConfigList.fromJson(
                    "[{\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\"]}]"));
            OnnxExporter before = OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).optQuantizer(quantizer).build();
            assertEquals("ObserverQuantizer has not compressed its model: call compress() (and train or calibrate) before"
                    + " exporting", assertThrows(IllegalStateException.class, before::toByteArray).getMessage());
            quantizer.compress();
            assertEquals("ObserverQuantizer has not fixed its qparams: calibrate (or fix()) before exporting",
                    assertThrows(IllegalStateException.class, before::toByteArray).getMessage());
            quantizer.close();
        }
    }

    @Test
    void qatWithFoldedBatchNormElidesTheBatchNorm() throws IOException {
        try (ResNet net = settledResNet20(13); PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(8, 3, 32, 32);
            QatQuantizer quantizer = QatQuantizer.builder().setModel(net).setConfigList(ConfigList.fromJson(
                    "[{\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\", \"Linear\"]}]"))
                    .optDummyInput(torch.zeros(1, 3, 32, 32)).optFoldBatchNorm(true).build();
            quantizer.compress();
            net.train();
            try (NoGradGuard g = new NoGradGuard()) {
                for (int i = 0; i < 3; i++) {
                    net.call(torch.randn(16, 3, 32, 32)); // tracks the input ranges (and the folded statistics)
                }
            }
            float[] expected = evalOutput(net, x);
            Path file = dir.resolve("resnet20-qat-folded.onnx");
            OnnxExporter.builder().setModel(net).setInputShape(3, 32, 32).optQuantizer(quantizer).build().export(file);
            ModelProto m = read(file);
            assertEquals(0, count(m, "BatchNormalization"), "every batch norm is folded into its convolution");
            assertEquals(TensorProto.DataType.INT32_VALUE, initializers(m).get("layer1.0.conv1.bias").getDataType());
            try (OnnxModel model = OnnxModel.load(file, 1)) {
                double diff = maxAbsDiff(expected, OnnxTesting.values(model.run(x)));
                // integer kernels vs fp32 fake quantization: an activation that lands on a rounding boundary moves
                // one step; below 0.05 with libtorch's oneDNN convolutions, 0.062 with its native ones (NativeDefaults)
                assertTrue(diff < 0.1, "max |ONNX Runtime − fake quant| " + diff);
            }
            quantizer.close();
        }
    }
}
