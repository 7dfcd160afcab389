package dev.shrink4j.cli.command;

import dev.shrink4j.cli.options.RecordedModelOptions;
import dev.shrink4j.cli.report.SearchReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.graph.speedup.ShrunkModels;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.search.SearchRunner;
import dev.shrink4j.search.scoring.Finalists;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.Split;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j search}: finds per-layer channel keep ratios under a FLOPs budget with the search a config
 * names ({@link SearchRunner}: AMC's DDPG agent, the genetic tuner, NNI's simulated annealing, sensitivity analysis,
 * NetAdapt and AutoCompress), scoring each candidate on
 * a held-out split of the training set. Writes {@value SearchRunner#LOG_FILE} (every candidate; {@code --resume}
 * continues from it), {@value SearchRunner#BEST_CONFIG} (a config list {@code prune --config} accepts) and
 * {@value #MODEL} (the best candidate shrunk, with its layer widths in the metadata) and {@value #REPORT} (reward
 * per candidate, best ratio per layer), then prints the results.
 * The library runs the search; this command only parses options and prints.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Search per-layer pruning ratios under a FLOPs budget (AMC DDPG, genetic, simulated annealing,"
                + " sensitivity, NetAdapt, AutoCompress).")
public final class SearchCommand extends Subcommand {

    /** The shrunk best model in the output directory. */
    static final String MODEL = "model.safetensors";
    /** The HTML report (reward per candidate, best ratios) in the output directory. */
    static final String REPORT = "report.html";

    @Mixin
    RecordedModelOptions model;

    @Option(names = "--weights", description = "the trained model's weights (safetensors; --model F.onnx brings its own)")
    Path weights;

    @Option(names = "--config", required = true, description = "search config, e.g. configs/search/amc-ddpg.json")
    Path config;

    @Option(names = "--flops", required = true, description = "share of the model's FLOPs to keep, in (0, 1)")
    double flops;

    @Option(names = "--out", required = true, description = "output directory (search.jsonl, best-config.json, model.safetensors)")
    Path out;

    @Option(names = "--resume", description = "continue the search logged in --out's search.jsonl")
    boolean resume;

    @Option(names = "--data-dir", description = "directory holding the dataset files (default: the dataset's system directory)")
    Path dataDir;

    @Option(names = "--train-samples", defaultValue = "0", description = "use only the first N training samples (0: all);"
            + " the last of them are the held-out split")
    int trainSamples;

    @Override
    int run() throws IOException {
        if (!(flops > 0 && flops < 1)) {
            throw new UsageException("--flops must be in (0, 1), got " + flops);
        }
        if (trainSamples < 0) {
            throw new UsageException("--train-samples must be 0 (all) or positive, got " + trainSamples);
        }
        SearchRunner runner = library(() -> SearchRunner.fromConfig(config));
        RecordedModelOptions.Resolved m = model.resolve(weights);
        DataSpec data = m.data();
        SearchRunner.Outcome o;
        try (Module trained = Models.load(m.arch(), data, weights); Dataset train = trainData(data, m)) {
            SearchRunner.Request request = new SearchRunner.Request(trained, () -> Models.create(m.arch(), data),
                    data.inputShape(1), train, flops, out, resume, System.err);
            o = library(() -> runner.run(request));
        }
        try (Module best = o.bestModel()) {
            ModelMetadata metadata = m.rewritten().withAlgorithm("search:" + o.search(),
                    Files.readString(out.resolve(SearchRunner.BEST_CONFIG)));
            ShrunkModels.save(best, metadata, out.resolve(MODEL));
        }
        String table = table(o);
        AtomicFiles.writeString(out.resolve(REPORT), SearchReport.render(o.search(), o.rewards(), o.layers(), o.bestRatios(), table));
        PrintWriter console = console();
        console.println(table);
        console.println("wrote " + out.resolve(SearchRunner.LOG_FILE) + ", " + out.resolve(SearchRunner.BEST_CONFIG) + ", "
                + (o.finalists().isEmpty() ? "" : out.resolve(SearchRunner.FINALISTS_FILE) + ", ")
                + out.resolve(MODEL) + ", " + out.resolve(REPORT));
        console.flush();
        return ExitCodes.OK;
    }

    private Dataset trainData(DataSpec data, RecordedModelOptions.Resolved m) {
        Dataset full = data.load(dataDir, Split.TRAIN, Models.normalization(m.recorded(), weights, data));
        if (trainSamples == 0 || trainSamples >= full.size()) {
            return full;
        }
        try (full) {
            return full.limit(trainSamples);
        }
    }

    /** The results as a small table: the search's best candidate, its ratios. */
    static String table(SearchRunner.Outcome o) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-20s %12s %18s %11s %11s %10s%n", "search", "best reward", "held-out accuracy",
                "FLOPs share", "candidates", "time"));
        s.append(String.format(Locale.ROOT, "%-20s %12.4f %17.2f%% %11.4f %11s %9.1fs%n", o.search(), o.bestReward(),
                100 * o.accuracy(), o.flopsShare(), o.candidates() + (o.resumed() > 0 ? " (" + o.resumed() + " resumed)" : ""),
                o.seconds()));
        s.append("best keep ratios:");
        for (int i = 0; i < o.layers().size(); i++) {
            s.append(String.format(Locale.ROOT, " %s=%.3f", o.layers().get(i), o.bestRatios()[i]));
        }
        if (!o.finalists().isEmpty()) {
            Finalists.Finalist chosen = Finalists.best(o.finalists());
            s.append(String.format(Locale.ROOT, "%nfinalists (the best distinct candidates, reward per fine-tune seed; * chosen"
                    + " by mean, the search's own keep ratios):"));
            for (Finalists.Finalist f : o.finalists()) {
                s.append(String.format(Locale.ROOT, "%n%s mean %.4f  rewards", f == chosen ? "*" : " ", f.meanReward()));
                Arrays.stream(f.rewards()).forEach(r -> s.append(String.format(Locale.ROOT, " %.4f", r)));
                s.append("  keep");
                Arrays.stream(f.keepRatios()).forEach(k -> s.append(String.format(Locale.ROOT, " %.3f", k)));
            }
        }
        return s.toString();
    }

    /**
     * Runs a library call, turning the bad input it reports (IllegalArgumentException, IllegalStateException: a
     * setting, the config or the log named in the message) into a usage error: exit 2 with that one line.
     */
    private static <T> T library(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }
}
