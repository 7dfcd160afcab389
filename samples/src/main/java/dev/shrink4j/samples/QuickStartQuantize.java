package dev.shrink4j.samples;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.quant.algo.QatQuantizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Quick start, quantization: quantization-aware training of LeNet-5 on Fashion-MNIST with 8-bit
 * weights and inputs in every Conv2d and Linear layer ({@link QatQuantizer}), one epoch, then three
 * exports: the full-precision weights with NNI's calibration JSON (scales, zero points, tracked
 * ranges), and the integer weights (uint8 with {@code weight_scale} and {@code weight_zero_point}).
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.QuickStartQuantize [--data DIR] [--limit N]
 *     [--out DIR] [--weights FILE] [--seed N]
 * </pre>
 * Without {@code --weights} it first trains a baseline for one epoch. See {@link SampleArgs}.
 */
public final class QuickStartQuantize {

    /** What the run measured and wrote. */
    public record Result(double baselineAccuracy, double quantizedAccuracy, Path modelFile, Path calibrationFile,
            Path int8File) {
    }

    private QuickStartQuantize() {
    }

    /** Runs the sample; see the class documentation. */
    public static Result run(SampleArgs args) throws IOException {
        Path out = args.out();
        return args.withBaseline((model, sgd, trainLoader, testLoader, baseline) -> {
            // README:begin
            // 8-bit fake quantization of the weights and inputs of every Conv2d and Linear layer.
            ConfigList configList = ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 8,"
                    + " \"op_types\": [\"Conv2d\", \"Linear\"]}]");
            QatQuantizer quantizer = new QatQuantizer(model, configList, sgd);
            quantizer.compress();  // wraps the layers: forward now sees quantized weights and inputs
            // Quantization-aware training: the input ranges are tracked as it runs.
            Trainer.builder().setModel(model).setOptimizer(sgd).build().fit(trainLoader, 1);
            double accuracy = new Evaluator().evaluate(model, testLoader).accuracy();
            // Full-precision weights + NNI calibration JSON, and the uint8 weights with scale and zero point.
            quantizer.exportModel(out.resolve("lenet5-qat.safetensors"), out.resolve("lenet5-calibration.json"));
            quantizer.exportInt8(out.resolve("lenet5-int8.safetensors"));
            // README:end
            Result result = new Result(baseline, accuracy, out.resolve("lenet5-qat.safetensors"),
                    out.resolve("lenet5-calibration.json"), out.resolve("lenet5-int8.safetensors"));
            quantizer.close(); // unwraps the model
            return result;
        });
    }

    /** Runs the sample and prints the accuracies and the files written. */
    public static void main(String[] argv) throws IOException {
        Result r = run(SampleArgs.parseOrExit("QuickStartQuantize", argv));
        System.out.println("baseline accuracy " + SampleArgs.percent(r.baselineAccuracy()) + ", 8-bit QAT "
                + SampleArgs.percent(r.quantizedAccuracy()));
        System.out.println("wrote " + r.modelFile() + ", " + r.calibrationFile() + " and " + r.int8File());
    }
}
