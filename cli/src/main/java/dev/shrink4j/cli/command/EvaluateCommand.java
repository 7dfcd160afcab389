package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.options.DataOptions;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensorsException;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
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
 * Without {@code --arch} the architecture recorded in the weights file's metadata is used; the test
 * images are normalised as the metadata records (else as usual for the dataset). A shrunk model's file
 * ({@code prune --speedup}, {@code speedup}) is rebuilt with the layer widths its metadata records.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Evaluate saved weights on the test set.")
public final class EvaluateCommand extends Subcommand {

    @Mixin
    DataOptions data;

    @Option(names = "--arch", description = "model architecture (see 'inspect'; default: the one the weights file records)")
    String arch;

    @Option(names = "--weights", required = true, description = "weights (safetensors)")
    Path weights;

    @Option(names = "--masks", description = "pruning masks (safetensors, <layer>.weight_mask) to multiply into the weights")
    Path masks;

    @Option(names = "--config", description = "config file naming the quantizer the calibration belongs to (with --calibration)")
    Path config;

    @Option(names = "--calibration", description = "calibration config written by 'quantize' (calibration.json; with --config)")
    Path calibration;

    @Override
    int run() throws IOException {
        DataSpec dataSpec = data.spec();
        if ((config == null) != (calibration == null)) {
            throw new UsageException(config == null ? "--calibration needs --config naming the quantizer it belongs to"
                    : "--config needs --calibration (the calibration.json that 'quantize' wrote with it)");
        }
        ModelMetadata metadata = Models.readMetadata(weights, "weights");
        String archName = Models.arch(arch, metadata, weights);
        CompressionConfig cfg = config == null ? null : CompressionConfig.read(config, registry(), AlgorithmKind.QUANTIZER,
                Models.configCheck(archName, dataSpec, c -> false));
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
            try (Quantizer quantizer = cfg == null ? null : quantize(net, cfg, dataSpec)) {
                evaluate(net, normalization);
            }
        }
        return ExitCodes.OK;
    }

    /** The config's quantizer over {@code model}, compressed, with the calibration loaded. */
    private Quantizer quantize(Module model, CompressionConfig cfg, DataSpec dataSpec) throws IOException {
        if (!Files.isRegularFile(calibration)) {
            throw new UsageException("calibration file " + calibration + " does not exist");
        }
        Quantizer q = CompressorFactory.create(cfg, model, null, dataSpec.inputShape(1), Quantizer.class);
        try {
            try {
                q.loadCalibrationConfig(calibration);
            } catch (IllegalArgumentException e) {
                throw new UsageException(Messages.oneLine(e.getMessage()), e);
            }
            return q;
        } catch (RuntimeException | IOException e) {
            q.close();
            throw e;
        }
    }

    private void evaluate(Module model, Normalization normalization) {
        Evaluation e;
        try (Dataset test = data.test(normalization)) {
            e = new Evaluator().evaluate(model, data.testLoader(test));
        }
        PrintWriter out = console();
        out.printf(Locale.ROOT, "accuracy %.2f%%  loss %.4f  latency %.3f ms/batch (batch %d, %d samples)%n",
                100 * e.accuracy(), e.loss(), e.meanBatchMillis(), data.batchSize(), e.samples());
    }
}
