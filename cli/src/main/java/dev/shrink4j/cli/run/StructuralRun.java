package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.protocol.Restructuring;
import dev.shrink4j.graph.GraphDescription;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.ToDoubleFunction;

/**
 * One run of a restructuring compressor ({@link Restructuring}: low-rank decomposition, channel pruning with
 * reconstruction) as {@code prune} does it: fresh model with the given weights → the config's compressor, with the
 * test accuracy as its evaluator for {@code accuracy_first} entries → statistics batches (data-driven methods) →
 * its per-layer report → a <em>new</em> Adam optimizer over the restructured model's parameters and {@code epochs}
 * fine-tuning epochs (on the {@code distillation}'s loss when there is one, attached to the <em>restructured</em>
 * student, so its hooks sit on the modules that now run) → {@value #MODEL} written by the compressor's own saver (the
 * structure in the metadata, so {@link Models#load} rebuilds it), {@value #REPORT} (the report as JSON),
 * {@value #GRAPH} (the restructured graph: {@link GraphDescription}, AMC's {@code save_to_json}) and {@value #ONNX} of
 * the restructured model → measurements. Unlike {@link PruningRun} no optimizer exists before compression: one built
 * then would hold the parameters of the layers the compressor replaces.
 *
 * @param arch    architecture
 * @param data    dataset (model sizing)
 * @param weights the trained weights to start from
 * @param epochs  fine-tuning epochs (0: compression only)
 * @param lr      fine-tuning learning rate
 * @param distillation the fine-tune's distillation ({@code prune --distill}), or null for plain cross-entropy
 */
public record StructuralRun(String arch, DataSpec data, Path weights, int epochs, double lr, Distillation distillation) {

    /** A run whose fine-tune trains on cross-entropy. */
    public StructuralRun(String arch, DataSpec data, Path weights, int epochs, double lr) {
        this(arch, data, weights, epochs, lr, null);
    }

    /** The restructured model's weights, with its structure in the metadata. */
    public static final String MODEL = PruningRun.MODEL;
    /** The compressor's per-layer report. */
    public static final String REPORT = "compression.json";
    /** The restructured model's graph as JSON ({@link GraphDescription}). */
    public static final String GRAPH = GraphDescription.FILE;
    /** The restructured model as ONNX. */
    public static final String ONNX = OnnxExports.MODEL;

    /**
     * What one run produced.
     *
     * @param reportTable  the compressor's per-layer report (before fine-tuning)
     * @param flopsBefore  the dense FLOPs of the model before compression
     * @param row          the results row of the restructured (and fine-tuned) model
     * @param evaluated    whether the test set was read
     * @param onnx         {@value #ONNX}, or why it was not written
     */
    public record Outcome(String reportTable, long flopsBefore, ResultRow row, boolean evaluated,
            OnnxExports.Written onnx) {
    }

    /**
     * Runs {@code cfg}, writing into {@code dir}; training curves and per-layer zero shares go into {@code report} as
     * {@code name}. {@code train} may be null when the run needs no data, {@code test} when it reads no test set
     * (then no {@code accuracy_first} entry can run: the compressor refuses it, naming the entry).
     *
     * @param baselineAccuracy for the Δ column (NaN when unknown)
     */
    public Outcome run(CompressionConfig cfg, DataLoader train, DataLoader test, Path dir, RunReport report, String name,
            double baselineAccuracy) throws IOException {
        if (epochs > 0 && !(lr > 0)) {
            throw new UsageException("--lr must be positive, got " + lr); // before any file is touched
        }
        ToDoubleFunction<Module> evaluator = test == null ? null : m -> new Evaluator().evaluate(m, test).accuracy();
        try (Module model = Models.create(arch, data)) {
            Models.loadWeights(model, weights, arch);
            long flopsBefore = Measurements.denseFlops(model, data.inputShape(1));
            try (Compressor compressor = CompressorFactory.create(cfg, model, null, data.inputShape(1), Compressor.class,
                    evaluator)) {
                if (!(compressor instanceof Restructuring structural)) {
                    throw new IllegalStateException("registry entry \"" + cfg.spec().name() + "\" is marked restructuring"
                            + " but built a " + compressor.getClass().getSimpleName() + ", not a Restructuring");
                }
                ProtocolTrainer protocol = new ProtocolTrainer(model, compressor);
                int statistics = protocol.statisticsBatches();
                if (statistics > 0) {
                    DistributedRun.statistics(model, () -> Training.runStatistics(protocol, train, statistics,
                            name + " statistics", System.err), protocol::finishStatistics);
                }
                String table = structural.reportTable();
                AtomicFiles.writeString(dir.resolve(REPORT), structural.reportJson());
                // the restructured model's own parameters: the replaced layers' are gone from forward
                try (Optimizer optimizer = epochs > 0 ? Training.finetuneOptimizer(model, lr) : null) {
                    Training.fineTune(protocol, model, optimizer, train, test, epochs, report, name, distillation);
                }
                return finish(cfg, structural, model, table, flopsBefore, test, dir, report, name, baselineAccuracy);
            }
        }
    }

    private Outcome finish(CompressionConfig cfg, Restructuring structural, Module model, String table, long flopsBefore,
            DataLoader test, Path dir, RunReport report, String name, double baselineAccuracy) throws IOException {
        report.setLayerSparsity(name, Measurements.layerZeroShare(model));
        long[] nz = Measurements.nonzeroParams(model);
        long flops = Measurements.effectiveFlops(model, data.inputShape(1));
        Path modelFile = dir.resolve(MODEL);
        ModelMetadata metadata = Models.metadata(arch, data).withAlgorithm(cfg.spec().name(), cfg.toJson());
        structural.saveModel(model, metadata, modelFile);
        GraphDescription.write(model, data.inputShape(1), dir.resolve(GRAPH));
        Evaluation e = test == null ? null : new Evaluator().evaluate(model, test);
        ResultRow row = new ResultRow(name, e == null ? Double.NaN : e.accuracy(),
                e == null ? Double.NaN : 100 * (e.accuracy() - baselineAccuracy), nz[0], nz[1], flops,
                Measurements.gzipSize(modelFile), "restructured fp32", e == null ? Double.NaN : e.meanBatchMillis());
        OnnxExports.Written onnx = OnnxExports.exportBeside(model, data, metadata, null, dir.resolve(ONNX));
        return new Outcome(table, flopsBefore, row, e != null, onnx);
    }
}
