package dev.shrink4j.onnx;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {

    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void exportLeNet5() throws IOException {
        torch.manual_seed(21);
        file = dir.resolve("lenet5.onnx");
        try (LeNet5 net = new LeNet5()) {
            OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).build().export(file);
        }
    }

    /** {@code n} random images of {@code shape} with labels {@code i % classes}. */
    static Dataset random(int n, long[] shape, int classes) {
        try (PointerScope s = new PointerScope()) {
            long[] full = java.util.stream.LongStream.concat(java.util.stream.LongStream.of(n), java.util.Arrays.stream(shape))
                    .toArray();
            Tensor labels = torch.arange(new org.bytedeco.pytorch.Scalar(n)).remainder(new org.bytedeco.pytorch.Scalar(classes));
            return new Dataset("random", torch.randn(full), labels, classes);
        }
    }

    @Test
    void evaluatesAsTheEvaluatorDoesOnTheSameModel() throws IOException {
        torch.manual_seed(22);
        Path other = dir.resolve("lenet5-b.onnx");
        try (LeNet5 net = new LeNet5(); Dataset data = random(150, new long[] {1, 28, 28}, 10)) {
            OnnxExporter.builder().setModel(net).setInputShape(1, 28, 28).build().export(other);
            DataLoader loader = DataLoader.builder().setDataset(data).setBatchSize(64).build();
            Evaluation expected = new Evaluator().evaluate(net, loader);
            try (OnnxModel model = OnnxModel.load(other, 1)) {
                Evaluation e = model.evaluate(loader);
                assertEquals(150, e.samples());
                assertEquals(3, e.batches());
                assertEquals(expected.accuracy(), e.accuracy());
                assertEquals(expected.loss(), e.loss(), 1e-5);
                assertTrue(e.meanBatchMillis() > 0, e.toString());
            }
        }
    }

    @Test
    void runsTensorsAndFloatArraysAlike() throws IOException {
        try (OnnxModel model = OnnxModel.load(file); PointerScope s = new PointerScope()) {
            assertArrayEquals(new long[] {-1, 1, 28, 28}, model.inputShape());
            assertArrayEquals(new long[] {-1, 10}, model.outputShape());
            Tensor x = torch.randn(3, 1, 28, 28);
            Tensor logits = model.run(x);
            assertArrayEquals(new long[] {3, 10}, logits.shape());
            float[] flat = model.run(OnnxTesting.values(x), 3, 1, 28, 28);
            assertEquals(0.0, maxAbsDiff(OnnxTesting.values(logits), flat));
            assertEquals("OnnxModel(" + file + ", input [batch, 1, 28, 28], output [batch, 10])", model.toString());
        }
    }

    @Test
    void notAnOnnxFile() throws IOException {
        Path bad = Files.writeString(dir.resolve("model.onnx"), "model.safetensors by another name");
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OnnxModel.load(bad));
        assertTrue(e.getMessage().startsWith(bad + " is not an ONNX model ONNX Runtime can load: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), "one line");
        assertEquals(bad, e.file());
        assertEquals(dir.resolve("missing.onnx").toString(),
                assertThrows(NoSuchFileException.class, () -> OnnxModel.load(dir.resolve("missing.onnx"))).getFile());
        assertEquals("intraOpThreads must be 0 (default) or positive, got -1",
                assertThrows(IllegalArgumentException.class, () -> OnnxModel.load(file, -1)).getMessage());
    }

    @Test
    void anInputShapeThatDoesNotFitTheData() throws IOException {
        try (OnnxModel model = OnnxModel.load(file); Dataset cifar = random(4, new long[] {3, 32, 32}, 10)) {
            assertEquals(file + ": the model takes input [batch, 1, 28, 28], the data's samples are [3, 32, 32]",
                    evaluationError(model, cifar));
            try (PointerScope s = new PointerScope()) {
                assertEquals(file + ": the model takes input [batch, 1, 28, 28], got a batch of [2, 28, 28]",
                        assertThrows(OnnxModelException.class, () -> model.run(torch.zeros(2, 28, 28))).getMessage());
            }
        }
    }

    @Test
    void anOutputWidthThatIsNotTheClassCount() throws IOException {
        try (OnnxModel model = OnnxModel.load(file); Dataset sevenClasses = random(4, new long[] {1, 28, 28}, 7)) {
            assertEquals(file + ": the model outputs 10 logits per sample (output [batch, 10]), the data has 7 classes",
                    evaluationError(model, sevenClasses));
        }
    }

    /** The message of the {@link OnnxModelException} that evaluating {@code model} on {@code data} (batches of 2) throws. */
    private static String evaluationError(OnnxModel model, Dataset data) {
        DataLoader loader = DataLoader.builder().setDataset(data).setBatchSize(2).build();
        return assertThrows(OnnxModelException.class, () -> model.evaluate(loader)).getMessage();
    }
}
