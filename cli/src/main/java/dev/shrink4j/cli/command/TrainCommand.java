package dev.shrink4j.cli.command;

import dev.shrink4j.cli.options.OutputOptions;
import dev.shrink4j.cli.options.TrainingOptions;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Measurements;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code shrink4j train}: trains a zoo model and writes {@code model.safetensors} and a report with training curves. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model from the zoo.")
public final class TrainCommand extends ModelCommand {

    @Mixin
    TrainingOptions recipe;

    @Mixin
    OutputOptions output;

    @Override
    int run() throws IOException {
        int epochs = recipe.epochs();
        double lr = recipe.lr();
        DataSpec dataSpec = data.spec();
        String arch = model.arch();
        RunReport report = new RunReport("train " + arch + " on " + dataSpec.cliName(), invocation())
                .setModel(arch, dataSpec.cliName());
        report.setting("epochs", epochs).setting("lr", lr).setting("batch_size", data.batchSize()).setting("seed", common.seed());
        try (Dataset train = data.train(); Dataset test = data.test(); Module net = model.create(dataSpec)) {
            DataLoader trainLoader = data.trainLoader(train, common.seed());
            DataLoader testLoader = data.testLoader(test);
            Training.fitFromScratch(net, trainLoader, testLoader, epochs, lr, report, "train");
            Evaluation e = new Evaluator().evaluate(net, testLoader);
            Path out = output.create();
            Path weights = out.resolve("model.safetensors");
            try (PointerScope s = new PointerScope()) {
                SafeTensors.save(net.stateDict(), Models.metadata(arch, dataSpec).withContents(ModelMetadata.WEIGHTS).asMap(),
                        weights);
            }
            long[] nz = Measurements.nonzeroParams(net);
            report.addResult(new ResultRow(arch, e.accuracy(), 0, nz[0], nz[1],
                    Measurements.denseFlops(net, dataSpec.inputShape(1)), Measurements.gzipSize(weights), "fp32", e.meanBatchMillis()));
            report.write(out);
            console().printf("test %s%nwrote %s and %s%n", e, weights, out.resolve("report.html"));
        }
        return ExitCodes.OK;
    }
}
