package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.ModelRestorer;
import dev.shrink4j.cli.options.OutputOptions;
import dev.shrink4j.cli.options.TrainingOptions;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Measurements;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.graph.speedup.ShrunkModels;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j train}: trains a zoo model and writes {@code model.safetensors} and a report with training curves.
 * The model starts from a random initialisation (under {@code --seed}), or with {@code --weights F} from the weights in
 * {@code F} ({@link dev.shrink4j.cli.run.Models#load}): a shrunk file ({@code prune --speedup}, {@code speedup},
 * {@code search --out}) keeps the layer widths it records, and the written file records them again
 * ({@link ShrunkModels#save}), so {@code evaluate --weights} rebuilds it from the file alone. A restructured file
 * (one whose metadata names a {@link ModelRestorer}, e.g. low-rank's) is refused: only the compressor that made it
 * can write its structure back.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model from the zoo, from a random "
        + "initialisation or from --weights.")
public final class TrainCommand extends ModelCommand {

    @Option(names = "--weights", paramLabel = "F", description = "starting weights (safetensors): fine-tune from this file "
            + "instead of a random initialisation; a shrunk file (prune --speedup, speedup, search) keeps its recorded "
            + "layer widths")
    Path weights;

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
        boolean shrunk = weights != null && startingWeightsAreShrunk(weights);
        RunReport report = new RunReport("train " + arch + " on " + dataSpec.cliName(), invocation())
                .setModel(arch, dataSpec.cliName());
        report.setting("epochs", epochs).setting("lr", lr).setting("batch_size", data.batchSize()).setting("seed", common.seed());
        if (weights != null) {
            report.setting("weights", weights.toString());
        }
        try (Dataset train = data.train(); Dataset test = data.test();
                Module net = weights == null ? model.create(dataSpec) : model.load(dataSpec, weights)) {
            DataLoader trainLoader = data.trainLoader(train, common.seed());
            DataLoader testLoader = data.testLoader(test);
            Training.fitFromScratch(net, trainLoader, testLoader, epochs, lr, report, "train");
            Evaluation e = new Evaluator().evaluate(net, testLoader);
            Path out = output.create();
            Path written = out.resolve("model.safetensors");
            try (PointerScope s = new PointerScope()) {
                ModelMetadata metadata = Models.metadata(arch, dataSpec);
                if (shrunk) {
                    ShrunkModels.save(net, metadata, written); // its layer widths, which reloading needs
                } else {
                    SafeTensors.save(net.stateDict(), metadata.withContents(ModelMetadata.WEIGHTS).asMap(), written);
                }
            }
            long[] nz = Measurements.nonzeroParams(net);
            report.addResult(new ResultRow(arch, e.accuracy(), 0, nz[0], nz[1],
                    Measurements.denseFlops(net, dataSpec.inputShape(1)), Measurements.gzipSize(written), "fp32", e.meanBatchMillis()));
            report.write(out);
            console().printf("test %s%nwrote %s and %s%n", e, written, out.resolve("report.html"));
        }
        return ExitCodes.OK;
    }

    /**
     * Whether the starting weights {@code file} are a shrunk model's (its metadata records
     * {@value ModelMetadata#LAYER_WIDTHS}), read before any dataset is.
     *
     * @throws UsageException when the file is missing or not safetensors ({@link Models#readMetadata}), or is
     *     restructured: train could load it, but not write the structure back
     */
    private static boolean startingWeightsAreShrunk(Path file) {
        ModelMetadata metadata = Models.readMetadata(file, "weights");
        Optional<ModelRestorer> restorer = ModelRestorer.find(metadata);
        if (restorer.isPresent()) {
            throw new UsageException("weights file " + file + " is restructured (\"" + restorer.get().metadataKey() + "\""
                    + metadata.algorithm().map(a -> " by " + a).orElse("") + "): train cannot write that structure back; "
                    + "fine-tune it with prune --config <its config> --epochs N from the weights it was made from");
        }
        return metadata.layerWidths().isPresent();
    }
}
