package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.Iterative;
import dev.shrink4j.graph.GraphDescription;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.prune.Pruner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One pruning run as {@code prune} and {@code demo} do it: fresh model with the given weights →
 * pruner from the config → statistics batches (data-driven pruners) → for each of the pruner's
 * rounds, {@code epochs} fine-tuning epochs → export of {@value #MODEL} (masked weights) and
 * {@value #MASKS}, both with the run's {@link #metadata} → measurements → with {@code speedup}, physical speedup
 * of the exported model by its masks into {@value SpeedupRun#SHRUNK} ({@link SpeedupRun}) with its graph described in
 * {@value GraphDescription#FILE}, measured beside it →
 * {@value #ONNX}: the shrunk model with {@code speedup}, else the masked one ({@link OnnxExports}).
 *
 * @param arch     architecture
 * @param data     dataset (model sizing)
 * @param weights  the trained weights to start from
 * @param epochs   fine-tuning epochs per round (0: masks only)
 * @param lr       fine-tuning learning rate
 * @param seed     shuffling seed
 * @param speedup  whether to shrink the pruned model physically ({@value SpeedupRun#SHRUNK})
 * @param distillation the fine-tune's distillation ({@code prune --distill}), or null for plain cross-entropy
 */
public record PruningRun(String arch, DataSpec data, Path weights, int epochs, double lr, long seed, boolean speedup,
        Distillation distillation) {

    /** A run whose fine-tune trains on plain cross-entropy. */
    public PruningRun(String arch, DataSpec data, Path weights, int epochs, double lr, long seed, boolean speedup) {
        this(arch, data, weights, epochs, lr, seed, speedup, null);
    }

    /** The masked weights. */
    public static final String MODEL = "model.safetensors";
    /** The masks. */
    public static final String MASKS = "masks.safetensors";
    /** The ONNX file: the shrunk model with {@code speedup}, else the masked dense one. */
    public static final String ONNX = OnnxExports.MODEL;

    /**
     * What one run produced.
     *
     * @param sparsity  the pruner's per-layer sparsity
     * @param row       the results row (with the shrunk model's measurements when the run had {@code speedup})
     * @param evaluated whether the test set was read
     * @param speedup   what physical speedup did, or null without {@code speedup}
     * @param onnx      {@value #ONNX}: the shrunk model with {@code speedup}, else the masked one (or why it was
     *                  not written)
     */
    public record Outcome(Map<String, Double> sparsity, ResultRow row, boolean evaluated, SpeedupResult speedup,
            OnnxExports.Written onnx) {
    }

    /**
     * Runs {@code cfg}, writing into {@code dir}; training curves and the per-layer sparsity of the
     * pruned model go into {@code report} as {@code name}. Loaders may be null when the run needs no
     * data (no statistics, no epochs, no evaluation).
     *
     * @param baselineAccuracy for the Δ column (NaN when unknown)
     */
    public Outcome run(CompressionConfig cfg, DataLoader train, DataLoader test, Path dir, RunReport report, String name,
            double baselineAccuracy) throws IOException {
        return CompressionSetup.run(arch, data, weights, epochs > 0, lr, cfg, Pruner.class, (model, sgd, pruner) -> {
            prune(cfg, model, sgd, pruner, train, test, report, name);
            Map<String, Double> sparsity = pruner.layerSparsity();
            report.setLayerSparsity(name, Measurements.layerZeroShare(model));
            long[] nz = Measurements.nonzeroParams(model);
            long flops = Measurements.effectiveFlops(model, data.inputShape(1));
            Path modelFile = export(cfg, pruner, dir);
            Evaluation e = test == null ? null : new Evaluator().evaluate(model, test);
            ResultRow row = new ResultRow(name, e == null ? Double.NaN : e.accuracy(),
                    e == null ? Double.NaN : 100 * (e.accuracy() - baselineAccuracy), nz[0], nz[1], flops,
                    Measurements.gzipSize(modelFile), "masked fp32", e == null ? Double.NaN : e.meanBatchMillis());
            if (!speedup) {
                // the masked model as forward computes it: the pruner's masks applied to the weights
                return new Outcome(sparsity, row, e != null, null,
                        OnnxExports.exportBeside(model, data, metadata(cfg), null, dir.resolve(ONNX)));
            }
            SpeedupRun.Outcome shrunk;
            try {
                shrunk = new SpeedupRun(arch, data, modelFile, dir.resolve(MASKS), metadata(cfg))
                        .run(dir.resolve(SpeedupRun.SHRUNK), test, dir.resolve(ONNX), dir.resolve(GraphDescription.FILE));
            } catch (UsageException refused) {
                // the masks came from the pruner, not the user: say what was written and how to get shrinkable masks
                throw new UsageException("--speedup: " + refused.getMessage() + " (" + MODEL + " and " + MASKS + " are written; "
                        + "a filter pruner removes whole dependency groups with \"dependency_aware\": true)", refused);
            }
            return new Outcome(sparsity, row.withShrunk(shrunk.measured()), e != null, shrunk.result(), shrunk.onnx());
        });
    }

    /**
     * The run's pruning on a model {@code pruner} has compressed: the statistics batches a
     * {@link DataDriven} pruner asks for (then its mask computation), then for each round of an
     * {@link Iterative} one (one round otherwise) {@code epochs} fine-tuning epochs with {@code optimizer}
     * (null when {@code epochs} is 0), under the run's {@link #distillation} when it has one.
     */
    public void prune(CompressionConfig cfg, Module model, Optimizer optimizer, Pruner pruner, DataLoader train,
            DataLoader test, RunReport report, String name) {
        ProtocolTrainer protocol = new ProtocolTrainer(model, pruner);
        int statistics = protocol.statisticsBatches();
        if (statistics > 0) {
            DistributedRun.statistics(model, () -> Training.runStatistics(protocol, train, statistics, name + " statistics",
                    System.err), protocol::finishStatistics);
        }
        Training.fineTune(protocol, model, optimizer, train, test, epochs, report, name, distillation);
    }

    /** Writes {@value #MODEL} and {@value #MASKS} into {@code dir} with the run's {@link #metadata}; returns the model file. */
    public Path export(CompressionConfig cfg, Pruner pruner, Path dir) throws IOException {
        Path modelFile = dir.resolve(MODEL);
        pruner.exportModel(modelFile, dir.resolve(MASKS), metadata(cfg));
        return modelFile;
    }

    /** The metadata of the run's exports: architecture, dataset and its normalisation, algorithm and config file. */
    public ModelMetadata metadata(CompressionConfig cfg) {
        return Models.metadata(arch, data).withAlgorithm(cfg.spec().name(), cfg.toJson());
    }
}
