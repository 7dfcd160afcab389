package dev.shrink4j.samples;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.Ste;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A custom quantizer in a few lines: {@link SymmetricQuantizer} overrides
 * {@link Quantizer#quantizeWeight} to put each weight on the symmetric grid
 * {@code step·{−L, …, L}} with {@code L = 2^(b−1) − 1} and {@code step = max|w| / L} (per tensor,
 * round half to even), passing the gradient straight through ({@link Ste}). Used end to end on
 * LeNet-5 with 4 bits: quantization-aware fine-tuning for one epoch, then the fake-quantized weights
 * are exported.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.CustomQuantizerExample [--data DIR] [--limit N]
 *     [--out DIR] [--weights FILE] [--seed N]
 * </pre>
 */
public final class CustomQuantizerExample {

    /** Symmetric per-tensor uniform weight quantization with {@code quant_bits} bits. */
    public static final class SymmetricQuantizer extends Quantizer {
        /** A quantizer over the layers {@code configList} selects. */
        public SymmetricQuantizer(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer);
        }

        @Override
        public Tensor quantizeWeight(Tensor w, ModuleWrapper wrapper) {
            double levels = (1L << (QuantConfig.bits(wrapper.config(), QuantType.WEIGHT) - 1)) - 1;   // 7 for 4 bits
            Tensor step = w.detach().abs().max().div(new Scalar(levels)).clamp_min(new Scalar(1e-12));
            return Ste.straightThrough(w, w.detach().div(step).round().mul(step));
        }
    }

    /** What the run measured and wrote. */
    public record Result(double baselineAccuracy, double quantizedAccuracy, Path fakeQuantFile) {
    }

    private CustomQuantizerExample() {
    }

    /** Runs the sample: baseline, 4-bit weights, fine-tune one epoch, export the fake-quantized weights. */
    public static Result run(SampleArgs args) throws IOException {
        return args.withBaseline((model, sgd, trainLoader, testLoader, baseline) -> {
            ConfigList configList = ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 4,"
                    + " \"op_types\": [\"default\"]}]");
            try (SymmetricQuantizer quantizer = new SymmetricQuantizer(model, configList, sgd)) {
                quantizer.compress();
                Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build().fit(trainLoader, 1);
                double accuracy = SampleArgs.accuracy(model, testLoader);
                Path file = args.out().resolve("lenet5-4bit-fake-quant.safetensors");
                quantizer.exportFakeQuant(file);
                return new Result(baseline, accuracy, file);
            }
        });
    }

    /** Runs the sample and prints the accuracies and the file written. */
    public static void main(String[] argv) throws IOException {
        Result r = run(SampleArgs.parseOrExit("CustomQuantizerExample", argv));
        System.out.println("baseline accuracy " + SampleArgs.percent(r.baselineAccuracy()) + ", 4-bit weights after QAT "
                + SampleArgs.percent(r.quantizedAccuracy()));
        System.out.println("fake-quantized weights: " + r.fakeQuantFile());
    }
}
