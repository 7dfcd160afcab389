package dev.shrink4j.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Accuracy;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.train.Metrics;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An ONNX classifier loaded into ONNX Runtime (its Java API): runs float batches to logits and measures accuracy
 * and latency over a {@link DataLoader}, as {@code Evaluator} does for a libtorch model. Owns its
 * {@code OrtSession}; close it.
 *
 * <pre>{@code
 * try (OnnxModel model = OnnxModel.load(Path.of("lenet5.onnx"), 2)) {
 *     Evaluation e = model.evaluate(testLoader);          // accuracy and mean batch latency
 *     Tensor logits = model.run(batch);                   // [N, classes]
 * }
 * }</pre>
 *
 * <p>The model must have one float input whose first axis is the batch (symbolic or fixed) and one float output
 * {@code [batch, classes]}, as {@link OnnxExporter} writes them. ONNX Runtime applies all its graph optimisations
 * (QDQ models become integer kernels) with {@code intraOpThreads} threads per operator; its threads sleep between
 * runs instead of spinning (ONNX Runtime's default), so they leave the cores to the JVM and libtorch in between.
 */
public final class OnnxModel implements AutoCloseable {

    private final Path file;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String inputName;
    private final long[] inputShape;
    private final long[] outputShape;

    private OnnxModel(Path file, OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session, String inputName,
            long[] inputShape, long[] outputShape) {
        this.file = file;
        this.env = env;
        this.options = options;
        this.session = session;
        this.inputName = inputName;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
    }

    /** Loads {@code file} with ONNX Runtime's default thread count. See {@link #load(Path, int)}. */
    public static OnnxModel load(Path file) throws IOException {
        return load(file, 0);
    }

    /**
     * Loads {@code file} into an ONNX Runtime session.
     *
     * @param intraOpThreads threads per operator; 0 for ONNX Runtime's default (one per physical core)
     * @throws NoSuchFileException when the file does not exist
     * @throws OnnxModelException  when ONNX Runtime cannot load it (not ONNX, or an invalid model), or it does not
     *                             have exactly one float input and one float output
     */
    public static OnnxModel load(Path file, int intraOpThreads) throws IOException {
        Objects.requireNonNull(file, "file");
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be 0 (default) or positive, got " + intraOpThreads);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no ONNX model file there");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // ONNX Runtime's threads otherwise spin after every run, taking the cores the JVM and libtorch need next
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            try {
                session = env.createSession(file.toString(), options);
            } catch (OrtException e) {
                throw new OnnxModelException(file, file + " is not an ONNX model ONNX Runtime can load: " + firstLine(e), e);
            }
            TensorInfo in = floatTensor(file, "input", session.getInputInfo());
            TensorInfo out = floatTensor(file, "output", session.getOutputInfo());
            String inputName = session.getInputNames().iterator().next();
            return new OnnxModel(file, env, options, session, inputName, in.getShape(), out.getShape());
        } catch (OrtException e) {
            closeQuietly(session, options, e);
            throw new IllegalStateException("ONNX Runtime failed setting up " + file + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            closeQuietly(session, options, e);
            throw e;
        }
    }

    private static TensorInfo floatTensor(Path file, String what, Map<String, NodeInfo> infos) {
        if (infos.size() != 1) {
            throw new OnnxModelException(file, file + " has " + infos.size() + " " + what + "s " + infos.keySet()
                    + "; a classifier has one", null);
        }
        NodeInfo node = infos.values().iterator().next();
        if (!(node.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT || t.getShape().length < 1) {
            throw new OnnxModelException(file, file + ": " + what + " " + node.getName() + " is " + node.getInfo()
                    + "; expected a float tensor with a batch axis", null);
        }
        return t;
    }

    private static void closeQuietly(OrtSession session, OrtSession.SessionOptions options, Exception failure) {
        try {
            if (session != null) {
                session.close();
            }
        } catch (OrtException e) {
            failure.addSuppressed(e);
        }
        options.close();
    }

    /** The file this model was loaded from. */
    public Path file() {
        return file;
    }

    /** The input shape, batch axis first; -1 marks a symbolic axis (the batch of an exported model). */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The output shape, batch axis first; -1 marks a symbolic axis. */
    public long[] outputShape() {
        return outputShape.clone();
    }

    /** The model's {@code metadata_props} (architecture, normalisation, algorithm, config, contents). */
    public ModelMetadata metadata() {
        try {
            return ModelMetadata.of(session.getMetadata().getCustomMetadata());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot read the metadata of " + file + ": " + firstLine(e), e);
        }
    }

    /**
     * Checks that samples of {@code sampleShape} (no batch axis) fit the input and that the output has
     * {@code numClasses} values per sample.
     *
     * @throws OnnxModelException naming the file and the mismatch
     */
    public void checkFits(long[] sampleShape, int numClasses) {
        long[] want = Arrays.copyOfRange(inputShape, 1, inputShape.length);
        boolean fits = want.length == sampleShape.length;
        for (int i = 0; fits && i < want.length; i++) {
            fits = want[i] < 0 || want[i] == sampleShape[i];
        }
        if (!fits) {
            throw new OnnxModelException(file, file + ": the model takes input " + shapeText(inputShape)
                    + ", the data's samples are " + Arrays.toString(sampleShape), null);
        }
        long width = outputShape.length == 2 ? outputShape[1] : -2;
        if (width >= 0 && width != numClasses) {
            throw new OnnxModelException(file, file + ": the model outputs " + width + " logits per sample (output "
                    + shapeText(outputShape) + "), the data has " + numClasses + " classes", null);
        }
        if (width == -2) {
            throw new OnnxModelException(file, file + ": the model's output " + shapeText(outputShape)
                    + " is not [batch, classes]", null);
        }
    }

    /**
     * Runs a batch {@code x} ({@code [N, …]}, float32) and returns the logits as a new float tensor in the caller's
     * scope.
     *
     * @throws OnnxModelException when {@code x}'s shape does not fit the model's input
     */
    public Tensor run(Tensor x) {
        long[] shape = x.shape();
        checkInput(shape);
        float[] logits;
        try (PointerScope scope = new PointerScope()) {
            Tensor c = x.detach().to(torch.ScalarType.Float).contiguous();
            // zero copy: ONNX Runtime reads the libtorch storage, which the scope keeps alive during the run
            logits = run(c.data_ptr_float().capacity(c.numel()).asBuffer(), shape);
        }
        return Tensor.create(logits, shape[0], logits.length / shape[0]);
    }

    /**
     * Runs a batch given as row-major floats of {@code shape} and returns the logits row by row.
     *
     * @throws OnnxModelException when the shape does not fit the model's input or the data
     */
    public float[] run(float[] data, long... shape) {
        checkInput(shape);
        if (Arrays.stream(shape).reduce(1, Math::multiplyExact) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds "
                    + Arrays.stream(shape).reduce(1, Math::multiplyExact) + " values, data has " + data.length);
        }
        return run(FloatBuffer.wrap(data), shape);
    }

    private float[] run(FloatBuffer data, long[] shape) {
        try (OnnxTensor input = OnnxTensor.createTensor(env, data, shape);
                OrtSession.Result result = session.run(Map.of(inputName, input))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] logits = new float[out.remaining()];
            out.get(logits);
            return logits;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running " + file + " on a batch of "
                    + Arrays.toString(shape) + ": " + firstLine(e), e);
        }
    }

    private void checkInput(long[] shape) {
        boolean fits = shape.length == inputShape.length;
        for (int i = 0; fits && i < shape.length; i++) {
            fits = inputShape[i] < 0 || inputShape[i] == shape[i];
        }
        if (!fits) {
            throw new OnnxModelException(file, file + ": the model takes input " + shapeText(inputShape) + ", got a batch of "
                    + Arrays.toString(shape), null);
        }
    }

    /**
     * Cross-entropy loss, top-1 accuracy and the mean time of ONNX Runtime's run per batch (the run alone, as
     * {@code Evaluator} times the forward alone) over one pass of {@code loader}; each batch runs in its own
     * {@code PointerScope}.
     *
     * @throws OnnxModelException when the loader's samples or class count do not fit the model (checked first)
     */
    public Evaluation evaluate(DataLoader loader) {
        checkFits(loader.dataset().imageShape(), loader.dataset().numClasses());
        Loss loss = Loss.crossEntropy();
        double lossSum = 0;
        long correct = 0;
        long samples = 0;
        int batches = 0;
        long nanos = 0;
        Iterator<Batch> it = loader.iterator();
        while (it.hasNext()) {
            try (PointerScope step = new PointerScope()) {
                Batch b = it.next();
                Tensor x = b.x().to(torch.ScalarType.Float).contiguous();
                long[] shape = x.shape();
                FloatBuffer buffer = x.data_ptr_float().capacity(x.numel()).asBuffer();
                long t0 = System.nanoTime();
                float[] logits = run(buffer, shape);
                nanos += System.nanoTime() - t0;
                batches++;
                Tensor out = Tensor.create(logits, shape[0], logits.length / shape[0]);
                lossSum += loss.compute(out, b.y()).item_double() * b.size();
                correct += Accuracy.top1Correct(out, b.y());
                samples += b.size();
            }
        }
        Metrics m = Metrics.of(lossSum, correct, samples);
        return new Evaluation(m.loss(), m.accuracy(), m.samples(), batches, batches == 0 ? Double.NaN : nanos / 1e6 / batches);
    }

    /** Closes the session (the shared ONNX Runtime environment stays). */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed closing " + file + ": " + firstLine(e), e);
        } finally {
            options.close();
        }
    }

    @Override
    public String toString() {
        return "OnnxModel(" + file + ", input " + shapeText(inputShape) + ", output " + shapeText(outputShape) + ")";
    }

    private static String shapeText(long[] shape) {
        return java.util.stream.IntStream.range(0, shape.length)
                .mapToObj(i -> shape[i] >= 0 ? Long.toString(shape[i]) : i == 0 ? "batch" : "?")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
