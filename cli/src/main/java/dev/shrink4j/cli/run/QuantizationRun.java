package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.export.ExportedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One quantization run as {@code quantize} and {@code demo} do it: fresh model with the given
 * weights → quantizer from the config → {@code calibrationBatches} batches of training data run as
 * a data-driven quantizer's statistics pass says (the observer watches them in evaluation mode and then fixes its
 * ranges; QAT, LSQ and the others run training-mode forwards without optimizer steps, which
 * initialise their activation ranges) → {@code epochs} fine-tuning epochs with the quantizer's
 * optimizer (the observer's are quantization-aware training through its fixed ranges) → exports →
 * measurements.
 *
 * <p>Files written into the output directory:
 * <ul>
 *   <li>{@value #FAKE_QUANT}: the weights forward computes with (fp32 values on the quantization grid);</li>
 *   <li>{@value #INT8}: integer weights with {@code weight_scale}/{@code weight_zero_point}, where the
 *       quantizer's weights lie on such a grid (DoReFa's do not: the file is skipped, the outcome says why);</li>
 *   <li>{@value #MODEL} and {@value #CALIBRATION}: the full-precision weights and the calibration
 *       config, which {@code evaluate --config C --calibration F} loads back into a fresh quantizer;</li>
 *   <li>{@value #ONNX}: the quantized model for ONNX Runtime ({@link OnnxExports}): QDQ with the integers of
 *       {@value #INT8} and the calibrated activation ranges; DoReFa's and BNN's weights as fake-quantized float32,
 *       which the outcome's note says.</li>
 * </ul>
 * {@link Quantizer#exportAll} writes them, each safetensors file with the run's {@link #metadata}.
 * With neither calibration batches nor epochs, weight quantization is computed from the weights
 * alone; quantized activations then have no range, which is a usage error.
 *
 * @param arch               architecture
 * @param data               dataset (model sizing)
 * @param weights            the trained weights to start from
 * @param calibrationBatches training batches run before fine-tuning (0: none)
 * @param epochs             fine-tuning epochs (0: none)
 * @param lr                 fine-tuning learning rate
 * @param seed               shuffling seed
 * @param distillation       the fine-tune's distillation ({@code quantize --distill}), or null for plain cross-entropy
 */
public record QuantizationRun(String arch, DataSpec data, Path weights, int calibrationBatches, int epochs, double lr,
        long seed, Distillation distillation) {

    /** A run whose fine-tune trains on plain cross-entropy. */
    public QuantizationRun(String arch, DataSpec data, Path weights, int calibrationBatches, int epochs, double lr,
            long seed) {
        this(arch, data, weights, calibrationBatches, epochs, lr, seed, null);
    }

    /** The full-precision weights. */
    public static final String MODEL = Quantizer.MODEL_FILE;
    /** The calibration config (NNI's {@code calibration_config}). */
    public static final String CALIBRATION = Quantizer.CALIBRATION_FILE;
    /** The fake-quantized weights. */
    public static final String FAKE_QUANT = Quantizer.FAKE_QUANT_FILE;
    /** The integer weights. */
    public static final String INT8 = Quantizer.INT8_FILE;
    /** The ONNX file: QDQ where the weights have an integer grid, fake-quantized float32 weights otherwise. */
    public static final String ONNX = OnnxExports.MODEL;

    /**
     * What one run produced.
     *
     * @param row            the results-table row (accuracy NaN when not evaluated); its size is the
     *                       gzip of the int8 file, or of the fake-quant file when there is none
     * @param evaluated      whether a test set was evaluated
     * @param fp32Bytes      size of {@value #MODEL}
     * @param fakeQuantBytes size of {@value #FAKE_QUANT}
     * @param int8Bytes      size of {@value #INT8}, or -1 when it was not written
     * @param int8Skipped    why {@value #INT8} was not written, or null
     * @param onnx           {@value #ONNX} (or why it was not written)
     */
    public record Outcome(ResultRow row, boolean evaluated, long fp32Bytes, long fakeQuantBytes, long int8Bytes,
            String int8Skipped, OnnxExports.Written onnx) {
    }

    /** Checks the counts. */
    public QuantizationRun {
        if (calibrationBatches < 0) {
            throw new UsageException("--calibration-batches must be 0 or more, got " + calibrationBatches);
        }
        if (epochs < 0) {
            throw new UsageException("--epochs must be 0 or more, got " + epochs);
        }
    }

    /** Whether the run reads training data. */
    public boolean needsTrainingData() {
        return calibrationBatches > 0 || epochs > 0;
    }

    /**
     * Runs {@code cfg}, writing into {@code dir}; training curves and the per-layer share of zero
     * weights of the quantized model go into {@code report} as {@code name}. {@code train} may be null
     * when {@link #needsTrainingData()} is false, {@code test} when there is no evaluation.
     *
     * @param baselineAccuracy for the Δ column (NaN when unknown)
     * @throws UsageException when the config quantizes activations but the run gives them no data
     */
    public Outcome run(CompressionConfig cfg, DataLoader train, DataLoader test, Path dir, RunReport report, String name,
            double baselineAccuracy) throws IOException {
        return CompressionSetup.run(arch, data, weights, epochs > 0, lr, cfg, Quantizer.class, (model, sgd, quantizer) -> {
            quantize(cfg, model, sgd, quantizer, train, test, report, name);
            ExportedFiles files = export(cfg, quantizer, dir);
            String int8Skipped = files.int8Skipped();
            Evaluation e = test == null ? null : new Evaluator().evaluate(model, test);
            long[] nz = Measurements.nonzeroParams(model);
            report.setLayerSparsity(name, Measurements.layerZeroShare(model));
            Path sized = int8Skipped == null ? files.int8() : files.fakeQuant();
            ResultRow row = new ResultRow(name, e == null ? Double.NaN : e.accuracy(),
                    e == null ? Double.NaN : 100 * (e.accuracy() - baselineAccuracy), nz[0], nz[1],
                    Measurements.denseFlops(model, data.inputShape(1)), Measurements.gzipSize(sized),
                    int8Skipped == null ? "int8" : "fake-quant fp32", e == null ? Double.NaN : e.meanBatchMillis());
            // after the evaluation: the measured accuracy is that of the model as the safetensors files hold it
            OnnxExports.Written onnx = OnnxExports.exportBeside(model, data, metadata(cfg), quantizer, dir.resolve(ONNX));
            return new Outcome(row, e != null, Files.size(files.model()), Files.size(files.fakeQuant()),
                    int8Skipped == null ? Files.size(files.int8()) : -1, int8Skipped, onnx);
        });
    }

    /**
     * The run's quantization on a model {@code quantizer} has compressed: the calibration batches, a
     * {@link DataDriven} quantizer's {@link DataDriven#finishStatistics()} after them, then {@code epochs} fine-tuning epochs with {@code optimizer} (null when
     * {@code epochs} is 0), under the run's {@link #distillation} when it has one.
     *
     * @throws UsageException when the config quantizes activations but the run gives them no data
     */
    public void quantize(CompressionConfig cfg, Module model, Optimizer optimizer, Quantizer quantizer, DataLoader train,
            DataLoader test, RunReport report, String name) {
        List<String> activations = quantizedActivations(quantizer);
        if (!needsTrainingData() && !activations.isEmpty()) {
            throw new UsageException("config " + cfg.source() + ": " + cfg.spec().name() + " quantizes activations ("
                    + String.join(", ", activations.subList(0, Math.min(3, activations.size())))
                    + (activations.size() > 3 ? ", …" : "") + ") whose ranges come from data; give --calibration-batches K "
                    + "or --epochs N (with --data), or quantize weights only");
        }
        ProtocolTrainer protocol = new ProtocolTrainer(model, quantizer);
        try {
            DistributedRun.statistics(model, () -> {
                if (calibrationBatches > 0) {
                    // a quantizer that is not data-driven sees training-mode forwards, so that ranges it tracks while
                    // training (QAT's moving averages) see the calibration batches
                    Training.runStatistics(protocol, train, calibrationBatches, name + " calibration", System.err);
                }
            }, protocol::finishStatistics);
        } catch (IllegalStateException e) {
            if (calibrationBatches > 0) {
                throw e;
            }
            // the observer fixes its ranges here and has seen no batch
            throw new UsageException("--calibration-batches 0: " + cfg.spec().name() + " needs calibration batches: "
                    + e.getMessage(), e);
        }
        Training.fineTune(protocol, model, optimizer, train, test, epochs, report, name, distillation);
    }

    /**
     * Writes every export into {@code dir} ({@link Quantizer#exportAll}: {@value #FAKE_QUANT},
     * {@value #INT8} where there is an integer grid, {@value #MODEL}, {@value #CALIBRATION}) with the run's
     * {@link #metadata}.
     */
    public ExportedFiles export(CompressionConfig cfg, Quantizer quantizer, Path dir) throws IOException {
        return quantizer.exportAll(dir, metadata(cfg));
    }

    /** The metadata of the run's exports: architecture, dataset and its normalisation, algorithm and config file. */
    public ModelMetadata metadata(CompressionConfig cfg) {
        return Models.metadata(arch, data).withAlgorithm(cfg.spec().name(), cfg.toJson());
    }

    /** {@code conv1 input}, … for every quantized input or output of the compressor's layers. */
    private static List<String> quantizedActivations(Compressor c) {
        List<String> out = new ArrayList<>();
        for (ModuleWrapper w : c.getModulesWrapper()) {
            for (QuantType t : new QuantType[] {QuantType.INPUT, QuantType.OUTPUT}) {
                if (QuantConfig.types(w.config()).contains(t)) {
                    out.add(w.name() + " " + t.key());
                }
            }
        }
        return out;
    }
}
