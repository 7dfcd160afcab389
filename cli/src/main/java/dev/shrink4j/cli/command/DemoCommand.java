package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.options.DataOptions;
import dev.shrink4j.cli.options.FinetuneOptions;
import dev.shrink4j.cli.report.DeployedModel;
import dev.shrink4j.cli.report.HeadlessChromium;
import dev.shrink4j.cli.report.HtmlReport;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.ResultsTable;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Measurements;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.OnnxExports;
import dev.shrink4j.cli.run.PruningRun;
import dev.shrink4j.cli.run.QuantizationRun;
import dev.shrink4j.cli.run.StructuralRun;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j demo}: trains (or reuses) a baseline, compresses it with each method of
 * {@code --methods} (each {@code configs/<method>.json}, a pruner or a quantizer), fine-tunes briefly, and
 * prints one results table; writes {@code report.html}, {@code report.json} and {@code results.md}, a
 * screenshot of the report ({@code report.png}, when headless Chromium is installed), and each method's
 * exports into {@code <out>/<method>/} ({@link PruningRun}, {@link QuantizationRun}), {@code model.onnx} among them
 * (the baseline's in {@code <out>/baseline/}), whose ONNX Runtime latency the table shows beside libtorch's. A
 * restructuring method (low-rank) runs as {@link StructuralRun}. {@code --suite amc} compares AMC's structural
 * compressors with L1 filter pruning on LeNet-5 ({@link #AMC_SUITE}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a baseline, compress it with several methods and compare them in one table.")
public final class DemoCommand extends Subcommand {

    private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

    /** Where the baseline's {@code model.onnx} goes, beside the methods' directories. */
    static final String BASELINE_DIR = "baseline";

    /** The screenshot of the report, beside it (written when Chromium is installed). */
    static final String SCREENSHOT = "report.png";

    /** What the table's FLOPs and size columns mean. */
    static final String FOOTER = "FLOPs: multiply-accumulates of one forward pass of one sample; convolution and linear layers "
            + "count only their nonzero weights (a pruned filter or weight costs nothing), quantized layers count as dense. "
            + "Size on disk: gzip of the exported artifact named in parentheses: the fp32 safetensors for the baseline, "
            + "the masked fp32 safetensors for pruners, the int8 safetensors for quantizers whose weights lie on an integer "
            + "grid, else (DoReFa) the fake-quantized fp32 safetensors. Quantized accuracy is measured with fake "
            + "quantization (fp32 arithmetic on the quantized values). Latency: mean forward time of one test batch. "
            + "Shrunk (pruners): the pruned model after physical speedup, the filters and channels its masks remove taken "
            + "out of its layers (model-shrunk.safetensors): all its parameters (share of the dense model's), the gzip of "
            + "that file and its latency; \"masked\" where the masks remove no whole filter or channel (level). "
            + "ORT ms: mean ONNX Runtime time of the same test batches (--threads threads per operator) on the model.onnx "
            + "the run wrote: the dense model for the baseline, the shrunk model for pruners (the masked one where nothing "
            + "was removed), QDQ int8 for quantizers (fake-quantized fp32 where the weights have no integer grid: DoReFa); "
            + "\"—\" where no ONNX file could be written. Restructured fp32 (low-rank): the model with its layers replaced "
            + "by smaller ones, as the compressor saved it; its FLOPs and parameters are the new layers'.";

    @Mixin
    DataOptions data;

    @Option(names = "--arch", defaultValue = "lenet5", description = "model architecture (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--epochs", defaultValue = "5", description = "baseline training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--baseline-lr", defaultValue = "0.002",
            description = "baseline Adam learning rate, cosine-annealed to 0 (default: ${DEFAULT-VALUE})")
    double baselineLr;

    /** The fine-tuning epochs of a method whose config recommends none, when {@code --finetune-epochs} is not given. */
    static final int DEFAULT_FINETUNE_EPOCHS = 2;

    @Option(names = "--finetune-epochs", description = "fine-tuning epochs per method (default: the config's \"finetune\" "
            + "epochs if it has one, else 2)")
    Integer finetuneEpochs;

    @Mixin
    FinetuneOptions finetune;

    @Option(names = "--calibration-batches", description = "calibration batches per quantizer (default: 10 for observer, "
            + "0 for the others, whose ranges come from fine-tuning)")
    Integer calibrationBatches;

    @Option(names = "--methods", split = ",", defaultValue = "level,l1-filter,qat,dorefa",
            description = "methods to compare, each a config file <configs-dir>/<method>.json (default: ${DEFAULT-VALUE})")
    List<String> methods;

    /** The methods of {@code --suite amc}, each {@code <configs-dir>/<method>.json}. */
    static final List<String> AMC_SUITE = List.of("amc/l1-filter", "amc/low-rank", "amc/channel-pruning");

    /** The algorithm of the AMC suite's last method, run only when the class path registers it. */
    static final String CHANNEL_PRUNING = "channel-pruning";

    @Option(names = "--suite", defaultValue = "default", description = "default: --methods; amc: AMC's structural "
            + "compressors against L1 filter pruning at about half the FLOPs of conv2 and fc1 (amc/l1-filter, amc/low-rank, "
            + "and amc/channel-pruning when that algorithm is registered); replaces --methods")
    String suite;

    @Option(names = "--configs-dir", defaultValue = "configs", description = "where the method configs are (default: ${DEFAULT-VALUE})")
    Path configsDir;

    @Option(names = "--runs-dir", defaultValue = "runs", description = "where the baseline checkpoint is kept (default: ${DEFAULT-VALUE})")
    Path runsDir;

    @Option(names = "--out", defaultValue = "runs/demo", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--screenshot", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "write report.png, a screenshot of the report, when headless Chromium is installed (default: on)")
    boolean screenshot;

    @Override
    int run() throws IOException {
        if (epochs < 1) {
            throw new UsageException("--epochs must be at least 1, got " + epochs);
        }
        if (finetuneEpochs != null && finetuneEpochs < 0) {
            throw new UsageException("--finetune-epochs must be 0 or more, got " + finetuneEpochs);
        }
        DataSpec dataSpec = data.spec();
        methods = suiteMethods();
        // Check every config before the long work starts.
        List<CompressionConfig> configs = methods.stream()
                .map(m -> CompressionConfig.read(configsDir.resolve(m + ".json"), registry(), null,
                        Models.configCheck(arch, dataSpec, c -> c.finetune().epochs(finetuneEpochs, DEFAULT_FINETUNE_EPOCHS) > 0)))
                .toList();
        PrintWriter console = console();
        RunReport report = new RunReport("shrink4j demo: " + arch + " on " + dataSpec.cliName(), invocation())
                .setModel(arch, dataSpec.cliName());
        report.setting("baseline_epochs", epochs).setting("baseline_lr", baselineLr)
                .setting("batch_size", data.batchSize()).setting("seed", common.seed())
                .setting("methods", String.join(",", methods));
        Files.createDirectories(out);
        try (Dataset train = data.train(); Dataset test = data.test()) {
            DataLoader trainLoader = data.trainLoader(train, common.seed());
            DataLoader testLoader = data.testLoader(test);
            Path baseline = baseline(dataSpec, trainLoader, testLoader, report, console);
            int testBatch = testLoader.batchSize();
            ResultRow base;
            OnnxExports.Written baselineOnnx;
            try (Module model = Models.load(arch, dataSpec, baseline)) {
                Evaluation e = new Evaluator().evaluate(model, testLoader);
                long[] nz = Measurements.nonzeroParams(model);
                base = new ResultRow("baseline (fp32)", e.accuracy(), 0, nz[0], nz[1], Measurements.denseFlops(model,
                        dataSpec.inputShape(1)), Measurements.gzipSize(baseline), "fp32", e.meanBatchMillis());
                baselineOnnx = OnnxExports.exportBeside(model, dataSpec, Models.metadata(arch, dataSpec), null,
                        out.resolve(BASELINE_DIR).resolve(OnnxExports.MODEL));
            }
            base = base.withOrtLatency(reportOnnx(baselineOnnx, testLoader));
            report.addResult(base).addDeployed(DeployedModel.measured(base, true, testBatch));
            console.printf(Locale.ROOT, "baseline: test accuracy %.2f%%%n", 100 * base.accuracy());
            for (int i = 0; i < configs.size(); i++) {
                CompressionConfig cfg = configs.get(i);
                String method = methods.get(i);
                console.printf("== %s (%s)%n", method, cfg.source());
                console.flush();
                Path dir = out.resolve(method);
                Files.createDirectories(dir);
                double methodLr = finetune.lr(cfg);
                int methodEpochs = cfg.finetune().epochs(finetuneEpochs, DEFAULT_FINETUNE_EPOCHS);
                DataLoader finetuneLoader = data.finetuneLoader(train, common.seed(), cfg);
                report.setting("finetune " + method, Training.recipe(methodEpochs, methodLr, finetuneLoader.batchSize()));
                ResultRow row;
                if (cfg.spec().restructures()) {
                    // replaces or shrinks layers itself (low-rank): no masks, so no speedup; its report instead
                    StructuralRun.Outcome o = new StructuralRun(arch, dataSpec, baseline, methodEpochs, methodLr)
                            .run(cfg, finetuneLoader, testLoader, dir, report, method, base.accuracy());
                    console.print(o.reportTable());
                    row = o.row().withOrtLatency(reportOnnx(o.onnx(), testLoader));
                } else if (cfg.spec().kind() == AlgorithmKind.PRUNER) {
                    PruningRun.Outcome o = new PruningRun(arch, dataSpec, baseline, methodEpochs, methodLr, common.seed(), true)
                            .run(cfg, finetuneLoader, testLoader, dir, report, method, base.accuracy());
                    PruneCommand.printShrunk(console, o);
                    row = o.row().withOrtLatency(reportOnnx(o.onnx(), testLoader));
                } else {
                    int calibration = calibrationBatches != null ? calibrationBatches
                            : cfg.statisticsBatches();
                    report.setting("calibration " + method, String.format(Locale.ROOT, "%d batch(es) of %d", calibration,
                            finetuneLoader.batchSize()));
                    QuantizationRun.Outcome o = new QuantizationRun(arch, dataSpec, baseline, calibration, methodEpochs, methodLr,
                            common.seed()).run(cfg, finetuneLoader, testLoader, dir, report, method, base.accuracy());
                    if (o.int8Skipped() != null) {
                        console.println(method + ": no int8 export (" + Messages.oneLine(o.int8Skipped())
                                + "); its size is the fake-quantized fp32 file's");
                    }
                    row = o.row().withOrtLatency(reportOnnx(o.onnx(), testLoader));
                }
                report.addResult(row).addDeployed(DeployedModel.measured(row, false, testBatch));
                console.printf(Locale.ROOT, "%s: test accuracy %.2f%% (%+.2f pt)%n", method, 100 * row.accuracy(),
                        row.deltaAccuracy());
            }
        }
        String table = ResultsTable.markdown(report.results()) + "\n" + FOOTER + "\n";
        console.println();
        console.print(table);
        report.setResultsFooter(FOOTER);
        report.write(out);
        AtomicFiles.writeString(out.resolve("results.md"), table);
        console.println("wrote " + out.resolve("report.html") + ", " + out.resolve("results.md"));
        if (screenshot) {
            screenshot(out.resolve("report.html"), out.resolve(SCREENSHOT), console);
        }
        return ExitCodes.OK;
    }

    /**
     * The methods to run: {@code --methods}, or with {@code --suite amc} {@link #AMC_SUITE}, less channel pruning when
     * no provider on the class path registers it (said on the console).
     */
    private List<String> suiteMethods() {
        switch (suite) {
            case "default":
                return methods;
            case "amc":
                if (registry().names(AlgorithmKind.PRUNER).contains(CHANNEL_PRUNING)) {
                    return AMC_SUITE;
                }
                console().println("suite amc: no \"" + CHANNEL_PRUNING + "\" algorithm is registered; skipping amc/"
                        + CHANNEL_PRUNING);
                return AMC_SUITE.stream().filter(m -> !m.endsWith("/" + CHANNEL_PRUNING)).toList();
            default:
                throw new UsageException("--suite: unknown suite \"" + suite + "\"; known: default, amc");
        }
    }

    /**
     * A PNG of the report as a browser shows it, for the README and for a look without a browser: taken
     * with headless Chromium when it is installed, else skipped with a line saying so. A browser that
     * fails is reported and the run still succeeds: its results are written.
     */
    private static void screenshot(Path html, Path png, PrintWriter console) {
        Optional<HeadlessChromium> chromium = HeadlessChromium.find();
        if (chromium.isEmpty()) {
            console.println("no screenshot of the report: Chromium is not installed (" + HeadlessChromium.INSTALL_HINT + ")");
            return;
        }
        try {
            HeadlessChromium.Screenshot shot = chromium.get().screenshot(html, png, HtmlReport.SCREENSHOT_WIDTH);
            console.printf(Locale.ROOT, "wrote %s (%d x %d, %s)%n", png, shot.width(), shot.height(), chromium.get().executable());
            for (String problem : shot.page().problems()) {
                LOG.warn("{} in a browser: {}", html, problem);
            }
        } catch (IOException e) {
            LOG.debug("screenshot of {} failed", html, e);
            console.println("no screenshot of the report: " + Messages.oneLine(e.getMessage()));
        }
    }

    /** The baseline checkpoint, keyed by arch, dataset, seed and epochs: trained now unless an earlier run left it. */
    private Path baseline(DataSpec dataSpec, DataLoader train, DataLoader test, RunReport report, PrintWriter console)
            throws IOException {
        Path dir = runsDir.resolve("baseline").resolve(String.format(Locale.ROOT, "%s-%s-seed%d-e%d-adam%s", arch,
                dataSpec.cliName(), common.seed(), epochs, baselineLr));
        Path weights = dir.resolve("model.safetensors");
        if (Files.isRegularFile(weights)) {
            console.println("reusing baseline " + weights);
            report.setting("baseline_weights", weights + " (trained by an earlier run)");
            return weights;
        }
        report.setting("baseline_weights", weights + " (trained by this run)");
        console.printf("training baseline %s for %d epoch(s)%n", arch, epochs);
        console.flush();
        try (Module model = Models.create(arch, dataSpec)) {
            Training.fitFromScratch(model, train, test, epochs, baselineLr, report, "baseline");
            Files.createDirectories(dir);
            try (PointerScope s = new PointerScope()) {
                SafeTensors.save(model.stateDict(), Models.metadata(arch, dataSpec).withContents(ModelMetadata.WEIGHTS).asMap(),
                        weights);
            }
        }
        return weights;
    }
}
