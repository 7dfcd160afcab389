package dev.shrink4j.cli.run;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.onnx.ExportedModel;
import dev.shrink4j.onnx.OnnxExportException;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.onnx.OnnxModelException;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Evaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ONNX side of the commands: {@value #MODEL} written beside the safetensors exports by {@link OnnxExporter}
 * (QDQ when a quantizer is given) and ONNX Runtime runs of such a file through {@link OnnxModel}, with the
 * library's errors about a file turned into one-line {@link UsageException}s.
 */
public final class OnnxExports {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExports.class);

    /** The ONNX file {@code prune}, {@code quantize} and the demo write into their output directory. */
    public static final String MODEL = "model.onnx";

    private OnnxExports() {
    }

    /**
     * What an export beside the safetensors files gave: the written model, or why none was written.
     *
     * @param file    the ONNX file asked for
     * @param model   what {@link OnnxExporter} wrote, or null
     * @param skipped why nothing was written (the exporter's message), or null
     */
    public record Written(Path file, ExportedModel model, String skipped) {

        /** Why a quantized model's weights stayed float32 (DoReFa, BNN), as the exporter recorded it. */
        public Optional<String> note() {
            return model == null ? Optional.empty() : model.metadata().get(OnnxExporter.QUANTIZATION_NOTE);
        }

        /**
         * One line for the console: {@code wrote F (N ONNX nodes, contents C)} and the exporter's note where
         * there is one, or {@code no F: why}.
         */
        public String summary() {
            if (model == null) {
                return "no " + file + ": " + Messages.oneLine(skipped);
            }
            return "wrote " + file + " (" + model.nodeCount() + " ONNX nodes, " + model.metadata().contents().orElse("?") + ")"
                    + note().map(n -> "; " + Messages.oneLine(n)).orElse("");
        }
    }

    /**
     * Writes {@code model} (compressed by {@code quantizer}, or null) as ONNX to {@code file}, atomically, with
     * {@code metadata} (a quantizer completes its algorithm and config); the example input is one sample of
     * {@code data}.
     *
     * @throws OnnxExportException a module or a quantizer state ONNX has no form for
     */
    public static ExportedModel export(Module model, DataSpec data, ModelMetadata metadata, Quantizer quantizer, Path file)
            throws IOException {
        long[] batchOfOne = data.inputShape(1);
        OnnxExporter.Builder exporter = OnnxExporter.builder().setModel(model)
                .setInputShape(Arrays.copyOfRange(batchOfOne, 1, batchOfOne.length)).optMetadata(metadata);
        if (quantizer != null) {
            exporter.optQuantizer(quantizer);
        }
        return exporter.build().export(file);
    }

    /**
     * {@link #export}, for a file written beside the safetensors exports of a run: a model ONNX cannot express
     * leaves no ONNX file (an earlier one there is deleted, so that it is not mistaken for this run's) and
     * the run goes on, its safetensors files being what it exists for; the result says why.
     */
    public static Written exportBeside(Module model, DataSpec data, ModelMetadata metadata, Quantizer quantizer, Path file)
            throws IOException {
        try {
            return new Written(file, export(model, data, metadata, quantizer, file), null);
        } catch (OnnxExportException e) {
            LOG.warn("no {}: {}", file, e.getMessage());
            Files.deleteIfExists(file);
            return new Written(file, null, e.getMessage());
        }
    }

    /**
     * Loads the ONNX file the user named into ONNX Runtime with {@code threads} threads per operator (0: its
     * default).
     *
     * @throws UsageException naming the file when it is missing or ONNX Runtime cannot use it
     */
    public static OnnxModel load(Path file, int threads) throws IOException {
        try {
            return OnnxModel.load(file, threads);
        } catch (NoSuchFileException e) {
            throw new UsageException("ONNX file " + file + " does not exist", e);
        } catch (OnnxModelException e) {
            throw new UsageException(Messages.oneLine(e.getMessage()), e);
        }
    }

    /**
     * Test loss, accuracy and mean ONNX Runtime time per batch of {@code file} over {@code test}, with
     * {@code threads} threads per operator (0: ONNX Runtime's default).
     *
     * @throws UsageException naming the file when it is missing, ONNX Runtime cannot use it, its input does not
     *     take the test set's samples or its output width is not the class count
     */
    public static Evaluation evaluate(Path file, int threads, DataLoader test) throws IOException {
        try (OnnxModel model = load(file, threads)) {
            return model.evaluate(test);
        } catch (OnnxModelException e) {
            throw new UsageException(Messages.oneLine(e.getMessage()), e);
        }
    }

    /** {@link #evaluate} of what {@code written} wrote, or null when it wrote nothing or there is no test set. */
    public static Evaluation evaluate(Written written, int threads, DataLoader test) throws IOException {
        return written == null || written.model() == null || test == null ? null : evaluate(written.file(), threads, test);
    }

    /**
     * One line for the console: {@code ONNX Runtime (F, T threads): test accuracy A%, latency L ms/batch}
     * ({@code T} is "default" for 0).
     */
    public static String summary(Path file, int threads, Evaluation e) {
        return String.format(java.util.Locale.ROOT, "ONNX Runtime (%s, %s): test accuracy %.2f%%, latency %.2f ms/batch", file,
                threads == 0 ? "default threads" : threads + (threads == 1 ? " thread" : " threads"), 100 * e.accuracy(),
                e.meanBatchMillis());
    }
}
