package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.graph.GraphDescription;
import dev.shrink4j.cli.options.OutputOptions;
import dev.shrink4j.cli.report.DeployedModel;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.ResultsTable;
import dev.shrink4j.cli.report.Rounding;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.report.ShrunkModel;
import dev.shrink4j.cli.report.SweepPoint;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Distillation;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.Measurements;
import dev.shrink4j.cli.run.PruningRun;
import dev.shrink4j.cli.run.SpeedupRun;
import dev.shrink4j.cli.run.StructuralRun;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j prune}: runs a pruner from a config file on trained weights (data-driven pruners
 * first collect statistics on training batches), fine-tunes {@code --epochs} epochs, and writes the
 * masked weights ({@code model.safetensors}), the masks ({@code masks.safetensors}:
 * {@code <layer>.weight_mask}, {@code <layer>.bias_mask}) and {@code report.json}/{@code report.html}
 * with per-layer sparsity. With {@code --epochs 0} a weight-based pruner needs no data. {@code --sweep}
 * repeats the run for each sparsity (replacing the config's) into {@code sparsity-<s>/} and charts
 * accuracy against sparsity. {@code --speedup} also shrinks the pruned model physically: filters and channels
 * its masks remove leave the layers ({@code model-shrunk.safetensors}, {@link SpeedupRun}), and the results row
 * shows the shrunk model's parameters, size and latency beside the masked model's. Every run also writes
 * {@value PruningRun#ONNX} ({@link dev.shrink4j.cli.run.OnnxExports}): the shrunk model with {@code --speedup}, else the
 * masked one; when the test set is read, ONNX Runtime runs it ({@code --threads} threads) and the results row gets its
 * latency. {@code --distill CFG
 * --teacher-arch T --teacher-weights TW} fine-tunes on the distillation loss of {@code CFG} from that teacher.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Prune a trained model with the pruner a config file names, then fine-tune.")
public final class PruneCommand extends CompressCommand {

    @Option(names = "--config", required = true, description = "config file naming a pruner, e.g. configs/level.json")
    Path config;

    @Option(names = "--epochs", defaultValue = "0", description = "fine-tuning epochs (default: ${DEFAULT-VALUE}: masks only)")
    int epochs;

    @Option(names = "--sweep", split = ",", description = "sparsities to sweep, e.g. 0.5,0.7,0.9 (each replaces the config's)")
    List<Double> sweep;

    @Option(names = "--speedup", description = "also write model-shrunk.safetensors: the pruned model with the filters and "
            + "channels its masks remove taken out of its layers (physical speedup), measured beside the masked model; "
            + "model.onnx is then the shrunk model")
    boolean speedup;

    @Mixin
    OutputOptions output;

    /** The test accuracy of {@code --weights}, for each run's Δ column (NaN when no test set is read). */
    private double baselineAccuracy = Double.NaN;

    /** The fine-tune's distillation ({@code --distill}), or null. */
    private Distillation distillation;

    @Override
    int run() throws IOException {
        model.checkWeights(weights);
        if (epochs < 0) {
            throw new UsageException("--epochs must be 0 or more, got " + epochs);
        }
        DataSpec dataSpec = data.spec();
        CompressionConfig cfg = CompressionConfig.read(config, registry(), AlgorithmKind.PRUNER,
                Models.configCheck(model.arch(), dataSpec, c -> epochs > 0));
        for (double s : sweep == null ? List.<Double>of() : sweep) {
            if (!(s >= 0 && s < 1)) {
                throw new UsageException("--sweep: sparsity " + s + " is outside [0, 1)");
            }
        }
        distillation = distill.distillation(dataSpec, epochs);
        if (distillation != null) {
            distillation.check(model.arch());
        }
        boolean structural = cfg.spec().restructures();
        if (structural && (sweep != null || speedup)) {
            throw new UsageException((sweep != null ? "--sweep" : "--speedup") + ": \"" + cfg.spec().name()
                    + "\" restructures the model itself (its config_list sets each layer's ratio); drop the option");
        }
        boolean needsData = epochs > 0 || cfg.statisticsBatches() > 0 || sweep != null;
        RunReport report = new RunReport("prune " + model.arch() + " with " + cfg.spec().name(), invocation())
                .setModel(model.arch(), dataSpec.cliName());
        report.setting("config", cfg.source()).setting("pruner", cfg.spec().name()).setting("options", cfg.options().toString());
        if (sweep == null) {
            report.setting("config_list", cfg.configList().toJson());
        } else {
            // what ran: each sweep point's list, not the config file's sparsity the sweep replaced
            report.setting("sweep", sweep.stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + " (each replaces the sparsity of every config_list entry)");
            for (double s : sweep) {
                report.setting(String.format(Locale.ROOT, "config_list at sparsity %s", s), cfg.withSparsity(s).configList().toJson());
            }
        }
        report.setting("epochs", epochs).setting("seed", common.seed());
        if (distillation != null) {
            report.setting("distill", distillation.describe());
        }
        Path out = output.create();
        try (Dataset train = needsData ? data.train() : null; Dataset test = needsData ? data.test() : null) {
            PrintWriter console = console();
            report.setting("finetune", epochs == 0 ? "none (masks only)"
                    : Training.recipe(epochs, finetune.lr(cfg), data.finetuneLoader(train, common.seed(), cfg).batchSize()));
            if (test != null) {
                DataLoader testLoader = data.testLoader(test);
                Evaluation e;
                try (Module baseline = model.load(dataSpec, weights)) {
                    e = new Evaluator().evaluate(baseline, testLoader);
                }
                baselineAccuracy = e.accuracy();
                report.setting("baseline_accuracy", Rounding.accuracy(baselineAccuracy));
                if (sweep != null) {
                    // the Pareto charts' reference point: the weights the sweep starts from
                    report.addDeployed(DeployedModel.measured("baseline (fp32)", true, baselineAccuracy,
                            Measurements.gzipSize(model.weightsFile(weights)), "fp32", e.meanBatchMillis(), testLoader.batchSize()));
                }
            }
            if (structural) {
                StructuralRun.Outcome o = new StructuralRun(model.arch(), dataSpec, weights, epochs, finetune.lr(cfg), distillation)
                        .run(cfg, train == null ? null : data.finetuneLoader(train, common.seed(), cfg),
                                test == null ? null : data.testLoader(test), out, report, cfg.spec().name(), baselineAccuracy);
                printRestructured(console, o);
                double ortMs = reportOnnx(o.onnx(), test == null ? null : data.testLoader(test));
                if (o.evaluated()) {
                    report.addResult(o.row().withOrtLatency(ortMs));
                }
            } else if (sweep == null) {
                PruningRun.Outcome o = pruneOnce(cfg, dataSpec, train, test, out, report, cfg.spec().name());
                printSparsity(console, o.sparsity());
                console.printf(Locale.ROOT, "nonzero parameters: %,d of %,d (%.1f%%); effective FLOPs: %,d%s%n", o.row().nonzeroParams(),
                        o.row().totalParams(), 100.0 * o.row().nonzeroParams() / o.row().totalParams(), o.row().flops(),
                        o.evaluated() ? String.format(Locale.ROOT, "; test accuracy %.2f%%", 100 * o.row().accuracy()) : "");
                if (o.speedup() != null) {
                    printShrunk(console, o);
                }
                double ortMs = reportOnnx(o.onnx(), test == null ? null : data.testLoader(test));
                if (o.evaluated()) {
                    report.addResult(o.row().withOrtLatency(ortMs));
                }
            } else {
                for (double s : sweep) {
                    Path dir = out.resolve(String.format(Locale.ROOT, "sparsity-%s", s));
                    Files.createDirectories(dir);
                    String name = String.format(Locale.ROOT, "%s %.0f%%", cfg.spec().name(), 100 * s);
                    PruningRun.Outcome o = pruneOnce(cfg.withSparsity(s), dataSpec, train, test, dir, report, name);
                    ResultRow row = o.row().withOrtLatency(reportOnnx(o.onnx(), test == null ? null : data.testLoader(test)));
                    report.addResult(row).addDeployed(DeployedModel.measured(row, false, data.batchSize()));
                    report.addSweepPoint(new SweepPoint(s, o.row().accuracy(), (double) o.row().nonzeroParams() / o.row().totalParams()));
                    console.printf(Locale.ROOT, "sparsity %.2f: test accuracy %.2f%%, nonzero %.1f%%%n", s, 100 * o.row().accuracy(),
                            100.0 * o.row().nonzeroParams() / o.row().totalParams());
                }
            }
            report.setResultsFooter(DemoCommand.FOOTER);
            report.write(out);
            console.println("wrote " + out.resolve(sweep == null ? "model.safetensors" : "sparsity-*") + ", "
                    + (speedup && sweep == null ? out.resolve(SpeedupRun.SHRUNK) + ", " + out.resolve(GraphDescription.FILE) + ", " : "") + out.resolve("report.html"));
        }
        return ExitCodes.OK;
    }

    private PruningRun.Outcome pruneOnce(CompressionConfig cfg, DataSpec dataSpec, Dataset train, Dataset test, Path dir,
            RunReport report, String run) throws IOException {
        DataLoader trainLoader = train == null ? null : data.finetuneLoader(train, common.seed(), cfg);
        DataLoader testLoader = test == null ? null : data.testLoader(test);
        return new PruningRun(model.arch(), dataSpec, weights, epochs, finetune.lr(cfg),
                common.seed(), speedup, distillation)
                .run(cfg, trainLoader, testLoader, dir, report, run, baselineAccuracy);
    }

    /**
     * What speedup did ({@link dev.shrink4j.graph.speedup.SpeedupResult#summary()}), then the shrunk model beside the
     * masked one: parameters, gzip size, and when the test set was read, accuracy and latency.
     */
    static void printShrunk(PrintWriter console, PruningRun.Outcome o) {
        console.print(o.speedup().summary());
        ResultRow masked = o.row();
        ShrunkModel shrunk = masked.shrunk();
        if (!shrunk.isShrunk()) {
            console.println("shrunk model: " + ShrunkModel.MASKED + " (the masks remove no whole filter or channel; "
                    + SpeedupRun.SHRUNK + " holds the masked weights)");
            return;
        }
        console.printf(Locale.ROOT, "shrunk model: %,d parameters (%.1f%% of %,d), %s (masked %s)", shrunk.params(),
                100.0 * shrunk.params() / masked.totalParams(), masked.totalParams(), ResultsTable.humanBytes(shrunk.sizeBytes()),
                ResultsTable.humanBytes(masked.sizeBytes()));
        if (o.evaluated()) {
            console.printf(Locale.ROOT, "; test accuracy %.2f%% (masked %.2f%%); latency %.2f ms/batch (masked %.2f ms)",
                    100 * shrunk.accuracy(), 100 * masked.accuracy(), shrunk.latencyMs(), masked.latencyMs());
        }
        console.println();
    }

    /** A restructuring run: its per-layer report, then the model's parameters, FLOPs and accuracy after it. */
    private static void printRestructured(PrintWriter console, StructuralRun.Outcome o) {
        console.print(o.reportTable());
        console.printf(Locale.ROOT, "parameters: %,d; FLOPs: %,d -> %,d (%.1f%%)%s%n", o.row().totalParams(), o.flopsBefore(),
                o.row().flops(), 100.0 * o.row().flops() / o.flopsBefore(),
                o.evaluated() ? String.format(Locale.ROOT, "; test accuracy %.2f%%", 100 * o.row().accuracy()) : "");
    }

    private static void printSparsity(PrintWriter console, Map<String, Double> sparsity) {
        console.println("per-layer sparsity:");
        int width = sparsity.keySet().stream().mapToInt(String::length).max().orElse(0);
        sparsity.forEach((layer, s) -> console.printf(Locale.ROOT, "  %-" + width + "s  %6.2f%%%n", layer, 100 * s));
    }
}
