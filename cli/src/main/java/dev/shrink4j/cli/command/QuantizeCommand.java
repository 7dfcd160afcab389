package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.options.OutputOptions;
import dev.shrink4j.cli.report.ResultsTable;
import dev.shrink4j.cli.report.Rounding;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Distillation;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.QuantizationRun;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j quantize}: runs a quantizer from a config file on trained weights: calibration
 * batches (the observer's post-training calibration), then {@code --epochs} of quantization-aware
 * fine-tuning, then the exports of {@link QuantizationRun} ({@code model.safetensors},
 * {@code calibration.json}, {@code model-fakequant.safetensors}, {@code model-int8.safetensors} where
 * the quantizer has an integer grid, {@code model.onnx}: QDQ for ONNX Runtime, or fake-quantized float32 weights
 * where there is no integer grid, which it prints) and {@code report.json}/{@code report.html} with the sizes and,
 * when a test set is read, accuracy before and after and the ONNX Runtime latency of {@code model.onnx}. With
 * {@code --calibration-batches 0 --epochs 0} weight quantization needs no data. {@code --distill CFG --teacher-arch T --teacher-weights TW}
 * fine-tunes on the distillation loss of {@code CFG} from that teacher.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a trained model with the quantizer a config file names: calibrate, fine-tune, export.")
public final class QuantizeCommand extends CompressCommand {

    @Option(names = "--config", required = true, description = "config file naming a quantizer, e.g. configs/qat.json")
    Path config;

    @Option(names = "--calibration-batches", description = "training batches run before fine-tuning (default: "
            + "10 for observer, which calibrates on them; 0 for the others, whose ranges come from fine-tuning)")
    Integer calibrationBatches;

    @Option(names = "--epochs", defaultValue = "0",
            description = "quantization-aware fine-tuning epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Mixin
    OutputOptions output;

    @Override
    int run() throws IOException {
        model.checkWeights(weights);
        DataSpec dataSpec = data.spec();
        CompressionConfig cfg = CompressionConfig.read(config, registry(), AlgorithmKind.QUANTIZER,
                Models.configCheck(model.arch(), dataSpec, c -> epochs > 0));
        int calibration = calibrationBatches != null ? calibrationBatches
                : cfg.statisticsBatches();
        Distillation distillation = distill.distillation(dataSpec, epochs);
        if (distillation != null) {
            distillation.check(model.arch());
        }
        QuantizationRun run = new QuantizationRun(model.arch(), dataSpec, weights, calibration, epochs,
                finetune.lr(cfg), common.seed(), distillation);
        // Accuracy needs the test set: read it when training data is read anyway or a dataset was named.
        boolean readData = run.needsTrainingData() || dataNamed(spec);
        RunReport report = new RunReport("quantize " + model.arch() + " with " + cfg.spec().name(), invocation())
                .setModel(model.arch(), dataSpec.cliName());
        report.setting("config", cfg.source()).setting("quantizer", cfg.spec().name()).setting("options", cfg.options().toString())
                .setting("config_list", cfg.configList().toJson()).setting("calibration_batches", calibration)
                .setting("epochs", epochs).setting("seed", common.seed());
        if (distillation != null) {
            report.setting("distill", distillation.describe());
        }
        Path out = output.create();
        PrintWriter console = console();
        try (Dataset train = run.needsTrainingData() ? data.train() : null; Dataset test = readData ? data.test() : null) {
            report.setting("finetune", epochs == 0 ? "none" : Training.recipe(epochs, finetune.lr(cfg),
                    data.finetuneLoader(train, common.seed(), cfg).batchSize()));
            double baseline = Double.NaN;
            if (test != null) {
                try (Module unquantized = model.load(dataSpec, weights)) {
                    baseline = new Evaluator().evaluate(unquantized, data.testLoader(test)).accuracy();
                }
                report.setting("baseline_accuracy", Rounding.accuracy(baseline));
            }
            QuantizationRun.Outcome o = run.run(cfg, train == null ? null : data.finetuneLoader(train, common.seed(), cfg),
                    test == null ? null : data.testLoader(test), out, report, cfg.spec().name(), baseline);
            report.setting("size_fp32_bytes", o.fp32Bytes()).setting("size_fakequant_bytes", o.fakeQuantBytes());
            if (o.int8Skipped() == null) {
                report.setting("size_int8_bytes", o.int8Bytes());
            } else {
                report.setting("int8_export", "skipped: " + o.int8Skipped());
            }
            printSizes(console, o);
            double ortMs = reportOnnx(o.onnx(), test == null ? null : data.testLoader(test));
            if (o.onnx().skipped() != null) {
                report.setting("onnx_export", "skipped: " + o.onnx().skipped());
            }
            o.onnx().note().ifPresent(note -> report.setting("onnx_note", note));
            if (o.evaluated()) {
                report.addResult(o.row().withOrtLatency(ortMs));
                console.printf(Locale.ROOT, "test accuracy %.2f%% before, %.2f%% after (%+.2f pt)%n", 100 * baseline,
                        100 * o.row().accuracy(), o.row().deltaAccuracy());
            }
            report.write(out);
            console.println("wrote " + out.resolve(QuantizationRun.MODEL) + ", " + QuantizationRun.CALIBRATION + ", "
                    + QuantizationRun.FAKE_QUANT + (o.int8Skipped() == null ? ", " + QuantizationRun.INT8 : "") + ", "
                    + out.resolve("report.html"));
        }
        return ExitCodes.OK;
    }

    /** Whether the command line named a dataset ({@code --data}, {@code --data-dir} or a sample limit). */
    static boolean dataNamed(CommandSpec spec) {
        var parsed = spec.commandLine().getParseResult();
        return parsed.hasMatchedOption("--data") || parsed.hasMatchedOption("--data-dir")
                || parsed.hasMatchedOption("--test-samples");
    }

    private static void printSizes(PrintWriter console, QuantizationRun.Outcome o) {
        console.printf(Locale.ROOT, "size: fp32 %s (%,d bytes), fake-quant fp32 %s", ResultsTable.humanBytes(o.fp32Bytes()),
                o.fp32Bytes(), ResultsTable.humanBytes(o.fakeQuantBytes()));
        if (o.int8Skipped() == null) {
            console.printf(Locale.ROOT, ", int8 %s (%,d bytes, %.1fx smaller)%n", ResultsTable.humanBytes(o.int8Bytes()),
                    o.int8Bytes(), (double) o.fp32Bytes() / o.int8Bytes());
        } else {
            console.printf("%nint8 export skipped: %s%n", Messages.oneLine(o.int8Skipped()));
        }
    }
}
