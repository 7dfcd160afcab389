package dev.shrink4j.cli.run;

import dev.shrink4j.cli.report.ShrunkModel;
import dev.shrink4j.graph.GraphDescription;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.graph.speedup.ShrunkModels;
import dev.shrink4j.graph.speedup.SpeedupException;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Physical speedup as {@code prune --speedup}, the {@code speedup} command and the demo do it: a fresh
 * {@code arch} with the pruned (masked) weights, traced on one zero sample of the dataset, shrunk by the masks
 * ({@link ModelSpeedup}), written with {@link ShrunkModels#save} and, given a test set, evaluated.
 *
 * @param arch     architecture
 * @param data     dataset (model sizing and the example input of the trace)
 * @param weights  the pruned model's weights ({@value PruningRun#MODEL}: the masks already multiplied in)
 * @param masks    its masks ({@value PruningRun#MASKS}: {@code <layer>.weight_mask}, {@code <layer>.bias_mask})
 * @param metadata what the shrunk file records besides its layer widths (architecture, dataset, normalisation,
 *                 algorithm)
 */
public record SpeedupRun(String arch, DataSpec data, Path weights, Path masks, ModelMetadata metadata) {

    /** The shrunk model's file, beside {@value PruningRun#MODEL}. */
    public static final String SHRUNK = "model-shrunk.safetensors";

    /**
     * What one speedup produced.
     *
     * @param result     what {@link ModelSpeedup} did (parameters before and after, resized and masked layers)
     * @param sizeBytes  gzip size of the written file
     * @param evaluation the shrunk model on the test set, or null when none was given
     * @param onnx       the shrunk model's ONNX file, or null when none was asked for
     */
    public record Outcome(SpeedupResult result, long sizeBytes, Evaluation evaluation, OnnxExports.Written onnx) {

        /** The outcome as a results row shows it. */
        public ShrunkModel measured() {
            return new ShrunkModel(evaluation == null ? Double.NaN : evaluation.accuracy(), result.parametersAfter(), sizeBytes,
                    evaluation == null ? Double.NaN : evaluation.meanBatchMillis(), result.resized().size());
        }
    }

    /**
     * Shrinks the weights by the masks, writes the shrunk model to {@code out} (atomically; its directory is
     * created) and evaluates it on {@code test} (may be null).
     *
     * @throws UsageException when a file is missing or not safetensors, the weights do not fit {@code arch}, or the
     *     masks cannot shrink it (wrong shape, not 0/1, a layer emptied, a dependency group contradicted): one
     *     line naming the masks file and every layer at fault; then nothing is written
     */
    public Outcome run(Path out, DataLoader test) throws IOException {
        return run(out, test, null, null);
    }

    /**
     * As {@link #run(Path, DataLoader)}, and writes the shrunk model as ONNX to {@code onnx} (when not null;
     * {@link OnnxExports#exportBeside}) after evaluating it, and describes its graph as JSON in {@code graph} (when
     * not null; {@link GraphDescription}, AMC's {@code save_to_json}).
     */
    public Outcome run(Path out, DataLoader test, Path onnx, Path graph) throws IOException {
        try (Module model = Models.load(arch, data, weights)) {
            SpeedupResult result;
            try (PointerScope scope = new PointerScope()) {
                Map<String, Tensor> maskTensors = Models.readTensors(masks, "masks");
                result = ModelSpeedup.apply(model, torch.zeros(data.inputShape(1)), maskTensors);
            } catch (SpeedupException e) {
                throw new UsageException("masks file " + masks + " cannot shrink " + arch + ": "
                        + String.join("; ", e.problems()), e);
            }
            Path dir = out.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            try (PointerScope scope = new PointerScope()) {
                ShrunkModels.save(model, metadata, out);
            }
            if (graph != null) {
                GraphDescription.write(model, data.inputShape(1), graph);
            }
            Evaluation e = test == null ? null : new Evaluator().evaluate(model, test);
            OnnxExports.Written written = onnx == null ? null : OnnxExports.exportBeside(model, data,
                    metadata.withLayerWidths(model), null, onnx); // the widths say what was shrunk, as in the safetensors file
            return new Outcome(result, Measurements.gzipSize(out), e, written);
        }
    }
}
