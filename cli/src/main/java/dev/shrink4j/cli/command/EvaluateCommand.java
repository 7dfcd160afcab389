package dev.shrink4j.cli.command;

import dev.shrink4j.cli.CommonOptions;
import dev.shrink4j.cli.DataOptions;
import dev.shrink4j.cli.DataSpec;
import dev.shrink4j.cli.Models;
import dev.shrink4j.cli.Shrink4j;
import dev.shrink4j.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.train.Evaluation;
import dev.shrink4j.nn.train.Evaluator;
import dev.shrink4j.prune.Pruner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shrink4j evaluate}: test accuracy, loss and forward latency per batch of saved weights. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Evaluate saved weights on the test set.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    DataOptions data;

    @Option(names = "--arch", required = true, description = "model architecture (see 'inspect')")
    String arch;

    @Option(names = "--weights", required = true, description = "weights (safetensors)")
    Path weights;

    @Option(names = "--masks", description = "pruning masks (safetensors, <layer>.weight_mask) to multiply into the weights")
    Path masks;

    @Override
    public Integer call() throws IOException {
        common.apply();
        DataSpec dataSpec = data.spec();
        try (Module model = Models.create(arch, dataSpec)) {
            Models.loadWeights(model, weights, arch);
            if (masks != null) {
                if (!Files.isRegularFile(masks)) {
                    throw new dev.shrink4j.cli.UsageException("masks file " + masks + " does not exist");
                }
                try {
                    Pruner.applyCompressionResults(model, masks);
                } catch (IllegalArgumentException e) {
                    throw new dev.shrink4j.cli.UsageException(Shrink4j.oneLine(e.getMessage()), e);
                }
            }
            Evaluation e;
            try (Dataset test = data.test()) {
                e = new Evaluator().evaluate(model, data.testLoader(test));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "accuracy %.2f%%  loss %.4f  latency %.3f ms/batch (batch %d, %d samples)%n",
                    100 * e.accuracy(), e.loss(), e.meanBatchMillis(), data.batchSize(), e.samples());
        }
        return Shrink4j.EXIT_OK;
    }
}
