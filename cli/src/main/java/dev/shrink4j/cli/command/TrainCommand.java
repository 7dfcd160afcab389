package dev.shrink4j.cli.command;

import dev.shrink4j.cli.CommonOptions;
import dev.shrink4j.cli.DataOptions;
import dev.shrink4j.cli.DataSpec;
import dev.shrink4j.cli.Measurements;
import dev.shrink4j.cli.Models;
import dev.shrink4j.cli.Shrink4j;
import dev.shrink4j.cli.Training;
import dev.shrink4j.cli.UsageException;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.data.DataLoader;
import dev.shrink4j.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.train.Evaluation;
import dev.shrink4j.nn.train.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shrink4j train}: trains a zoo model and writes {@code model.safetensors} and a report with training curves. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model from the zoo.")
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    DataOptions data;

    @Option(names = "--arch", required = true, description = "model architecture (see 'inspect')")
    String arch;

    @Option(names = "--epochs", defaultValue = "3", description = "training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.002", description = "Adam learning rate, cosine-annealed to 0 (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Override
    public Integer call() throws IOException {
        common.apply();
        if (epochs < 1) {
            throw new UsageException("--epochs must be at least 1, got " + epochs);
        }
        DataSpec dataSpec = data.spec();
        RunReport report = new RunReport("train " + arch + " on " + dataSpec.cliName(), Commands.commandLine(spec))
                .setModel(arch, dataSpec.cliName());
        report.setting("epochs", epochs).setting("lr", lr).setting("batch_size", data.batchSize()).setting("seed", common.seed());
        try (Dataset train = data.train(); Dataset test = data.test(); Module model = Models.create(arch, dataSpec)) {
            DataLoader trainLoader = data.trainLoader(train, common.seed());
            DataLoader testLoader = data.testLoader(test);
            Training.fitFromScratch(model, trainLoader, testLoader, epochs, lr, report, "train");
            Evaluation e = new Evaluator().evaluate(model, testLoader);
            Files.createDirectories(out);
            Path weights = out.resolve("model.safetensors");
            try (PointerScope s = new PointerScope()) {
                SafeTensors.save(model.stateDict(), weights);
            }
            long[] nz = Measurements.nonzeroParams(model);
            report.addResult(new ResultRow(arch, e.accuracy(), 0, nz[0], nz[1],
                    Measurements.denseFlops(model, dataSpec.inputShape(1)), Measurements.gzipSize(weights), "fp32", e.meanBatchMillis()));
            report.write(out);
            spec.commandLine().getOut().printf("test %s%nwrote %s and %s%n", e, weights, out.resolve("report.html"));
        }
        return Shrink4j.EXIT_OK;
    }
}
