package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.options.CalibrationOptions;
import dev.shrink4j.cli.options.DataOptions;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.OnnxExports;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensorsException;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.onnx.OnnxModelException;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.quant.Quantizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j evaluate}: test accuracy, loss and forward latency per batch of saved weights;
 * with {@code --masks}, of the pruned model; with {@code --config} (a quantizer) and
 * {@code --calibration}, of the quantized model: the quantizer is re-created on the weights
 * ({@code quantize}'s full-precision {@code model.safetensors}) and loads the calibration config.
 * Without {@code --arch} the architecture recorded in the weights file's metadata is used (for weights written from
 * an imported ONNX model, that file's path); {@code --model F.onnx} imports the model from an ONNX file and runs it
 * in libtorch, with its own weights unless {@code --weights} names some; the test
 * images are normalised as the metadata records (else as usual for the dataset). A shrunk model's file
 * ({@code prune --speedup}, {@code speedup}) is rebuilt with the layer widths its metadata records. With
 * {@code --onnx} instead of {@code --weights}, ONNX Runtime runs an ONNX file ({@code model.onnx} of {@code prune},
 * {@code quantize}, {@code export --format onnx}) with {@code --threads} threads per operator; a file that is not
 * ONNX, whose input does not take the dataset's images or whose output width is not its class count is a usage
 * error naming the file and the mismatch.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate saved weights (libtorch) or an ONNX file (ONNX Runtime) on the test set.")
public final class EvaluateCommand extends Subcommand {

    @Mixin
    DataOptions data;

    @Option(names = "--arch", description = "model architecture (see 'inspect'; default: the one the weights file records)")
    String arch;

    @Option(names = "--model", paramLabel = "F.onnx", description = "import the model from an ONNX file (e.g. one "
            + "torch.onnx.export wrote) instead of --arch, and run it in libtorch; its own weights unless --weights names some")
    Path model;

    @Option(names = "--weights", description = "weights (safetensors); this, --model or --onnx is needed")
    Path weights;

    @Option(names = "--onnx", description = "an ONNX file to run in ONNX Runtime (--threads threads per operator) instead "
            + "of weights in libtorch")
    Path onnx;

    @Option(names = "--masks", description = "pruning masks (safetensors, <layer>.weight_mask) to multiply into the weights")
    Path masks;

    @Mixin
    CalibrationOptions calibration;

    @Override
    int run() throws IOException {
        DataSpec dataSpec = data.spec();
        if (onnx != null) {
            return evaluateOnnx(dataSpec);
        }
        if (weights == null && model == null) {
            throw new UsageException("--weights (safetensors, run in libtorch), --model (an ONNX file imported and run in "
                    + "libtorch) or --onnx (run in ONNX Runtime) is needed");
        }
        ModelMetadata metadata = weights == null ? ModelMetadata.empty() : Models.readMetadata(weights, "weights");
        String archName = Models.arch(Models.archOrModel(arch, model), metadata, weights);
        CompressionConfig cfg = calibration.read(registry(), archName, dataSpec);
        Normalization normalization = Models.normalization(metadata, weights, dataSpec);
        try (Module net = Models.load(archName, dataSpec, weights)) {
            if (masks != null) {
                if (!Files.isRegularFile(masks)) {
                    throw new UsageException("masks file " + masks + " does not exist");
                }
                try {
                    Pruner.applyCompressionResults(net, masks);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(Messages.oneLine(e.getMessage()), e);
                } catch (SafeTensorsException e) {
                    throw new UsageException("masks file " + masks + " is not a valid safetensors file: " + e.problem(), e);
                }
            }
            try (Quantizer quantizer = cfg == null ? null : calibration.restore(net, cfg, dataSpec)) {
                evaluate(net, normalization);
            }
        }
        return ExitCodes.OK;
    }

    /** {@code --onnx}: the file in ONNX Runtime, its test images normalised as its metadata records. */
    private int evaluateOnnx(DataSpec dataSpec) throws IOException {
        if (weights != null || arch != null || model != null || masks != null || calibration.anyGiven()) {
            throw new UsageException("--onnx takes no --weights, --arch, --model, --masks, --config or --calibration: the ONNX file "
                    + onnx + " holds the whole model");
        }
        Evaluation e;
        try (OnnxModel model = OnnxExports.load(onnx, common.threads())) {
            Normalization normalization = Models.normalization(model.metadata(), onnx, dataSpec);
            try (Dataset test = data.test(normalization)) {
                model.checkFits(test.imageShape(), test.numClasses());
                e = model.evaluate(data.testLoader(test));
            } catch (OnnxModelException mismatch) {
                throw new UsageException(Messages.oneLine(mismatch.getMessage()), mismatch);
            }
        }
        print(e, String.format(Locale.ROOT, ", ONNX Runtime with %s", common.threads() == 0 ? "its default threads"
                : common.threads() + (common.threads() == 1 ? " thread" : " threads")));
        return ExitCodes.OK;
    }

    private void evaluate(Module model, Normalization normalization) {
        Evaluation e;
        try (Dataset test = data.test(normalization)) {
            e = new Evaluator().evaluate(model, data.testLoader(test));
        }
        print(e, "");
    }

    /** The result line; {@code runtime} is appended inside its parentheses (empty for libtorch). */
    private void print(Evaluation e, String runtime) {
        PrintWriter out = console();
        out.printf(Locale.ROOT, "accuracy %.2f%%  loss %.4f  latency %.3f ms/batch (batch %d, %d samples%s)%n",
                100 * e.accuracy(), e.loss(), e.meanBatchMillis(), data.batchSize(), e.samples(), runtime);
    }
}
