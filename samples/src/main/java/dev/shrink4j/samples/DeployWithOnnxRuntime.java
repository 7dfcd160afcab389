package dev.shrink4j.samples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Deploying with ONNX Runtime: LeNet-5 on Fashion-MNIST exported as ONNX and run by ONNX Runtime's own Java API
 * (no shrink4j and no libtorch on that side), then the whole test set through {@link OnnxModel} against libtorch.
 *
 * <pre>
 * samples/run DeployWithOnnxRuntime [--data DIR] [--limit N] [--out DIR] [--weights FILE] [--seed N]
 * </pre>
 * Without {@code --weights} it first trains a baseline for one epoch. See {@link SampleArgs}.
 */
public final class DeployWithOnnxRuntime {

    /** How many test images go through ONNX Runtime's API directly. */
    static final int IMAGES = 64;

    /**
     * What the run measured.
     *
     * @param file           the ONNX file written
     * @param libtorchLogits shrink4j's logits of the first {@value #IMAGES} test images (row-major)
     * @param onnxLogits     ONNX Runtime's logits of the same images
     * @param libtorch       shrink4j's evaluation of the test set
     * @param onnx           ONNX Runtime's evaluation of the test set
     */
    public record Result(Path file, float[] libtorchLogits, float[] onnxLogits, Evaluation libtorch, Evaluation onnx) {
    }

    private DeployWithOnnxRuntime() {
    }

    /** Runs the sample; see the class documentation. */
    public static Result run(SampleArgs args) throws IOException, OrtException {
        torch.manual_seed(args.seed());
        Files.createDirectories(args.out());
        Path file = args.out().resolve("lenet5.onnx");
        try (Dataset train = args.trainSet(); Dataset test = args.testSet(); LeNet5 model = new LeNet5();
                Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters());
                PointerScope scope = new PointerScope()) {
            args.baseline(model, sgd, args.trainLoader(train));
            int n = Math.min(IMAGES, test.size());
            Tensor batch = test.images().narrow(0, 0, n).contiguous();
            float[] images = new float[(int) batch.numel()];
            batch.data_ptr_float().get(images);
            float[][] logits;

            // README:begin
            // Export: one self-contained file (graph, weights; architecture and input normalisation in its metadata).
            OnnxExporter.builder().setModel(model).setInputShape(1, 28, 28)
                    .optMetadata(ModelMetadata.empty().withArch("lenet5").withNormalization(Normalization.FASHION_MNIST))
                    .build().export(file);
            // Deploy with ONNX Runtime's own Java API: no shrink4j, no libtorch. images: n normalised 28x28 images.
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
                    OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {n, 1, 28, 28});
                    OrtSession.Result result = session.run(Map.of("input", input))) {
                logits = (float[][]) result.get("logits").orElseThrow().getValue();
            }
            // README:end

            float[] expected;
            try (NoGradGuard g = new NoGradGuard()) {
                model.eval();
                Tensor out = model.call(batch).contiguous();
                expected = new float[(int) out.numel()];
                out.data_ptr_float().get(expected);
            }
            float[] actual = new float[n * logits[0].length];
            for (int i = 0; i < n; i++) {
                System.arraycopy(logits[i], 0, actual, i * logits[i].length, logits[i].length);
            }
            DataLoader testLoader = SampleArgs.testLoader(test);
            Evaluation libtorch = new Evaluator().evaluate(model, testLoader);
            Evaluation onnx;
            try (OnnxModel deployed = OnnxModel.load(file, 2)) {
                onnx = deployed.evaluate(testLoader);
            }
            return new Result(file, expected, actual, libtorch, onnx);
        }
    }

    /** Runs the sample and prints what both runtimes computed. */
    public static void main(String[] argv) throws IOException, OrtException {
        Result r = run(SampleArgs.parseOrExit("DeployWithOnnxRuntime", argv));
        double diff = 0;
        for (int i = 0; i < r.libtorchLogits().length; i++) {
            diff = Math.max(diff, Math.abs(r.libtorchLogits()[i] - r.onnxLogits()[i]));
        }
        System.out.println("wrote " + r.file());
        System.out.printf(Locale.ROOT, "first %d test images: max |ONNX Runtime - libtorch| logit difference %.2e%n",
                r.libtorchLogits().length / 10, diff);
        System.out.printf(Locale.ROOT, "test set: libtorch %s, %.2f ms/batch; ONNX Runtime %s, %.2f ms/batch%n",
                SampleArgs.percent(r.libtorch().accuracy()), r.libtorch().meanBatchMillis(),
                SampleArgs.percent(r.onnx().accuracy()), r.onnx().meanBatchMillis());
    }
}
