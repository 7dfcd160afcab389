package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.quant.export.ExportedFiles;
import dev.shrink4j.quant.export.IntegerWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * QAT with batch-norm folding exports a consistent model: the fake-quant and int8 files hold the folded
 * convolution (weight {@code fq(W·γ/σ)}, bias {@code β + (b − μ)·γ/σ}) and an identity batch norm, so a
 * plain conv → bn → relu model loading them computes the folded quantized forward (before, the folded
 * weight came with the unfolded bias and the live batch norm, which a loader applied a second time); the
 * full-precision file stays unfolded and, with the calibration, reproduces the forward through a fresh
 * folding quantizer.
 */
class QatFoldingExportTest {

    static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    static Sequential convBnRelu(boolean bias, boolean affine, long seed) {
        torch.manual_seed(seed);
        return new Sequential(Conv2d.builder().setInChannels(2).setOutChannels(3).setKernelSize(3).optPadding(1)
                .optBias(bias).build(), BatchNorm2d.builder().setNumFeatures(3).optAffine(affine).build(), new ReLU());
    }

    static QatQuantizer folding(Sequential net, Sgd sgd) {
        return QatQuantizer.builder().setModel(net).setConfigList(ConfigList.fromJson(
                "[{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\"]}]"))
                .optOptimizer(sgd).optFoldPair("0", "1").build();
    }

    static float[] evalOutputs(Sequential net, Tensor x) {
        net.eval();
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return values(net.call(x));
        }
    }

    @ParameterizedTest(name = "conv bias {0}, affine batch norm {1}")
    @CsvSource({"true, true", "false, true", "false, false"})
    void foldedExportsReloadIntoAPlainConvBnModelWithTheFoldedOutputs(boolean bias, boolean affine) throws IOException {
        torch.manual_seed(21);
        Tensor x = torch.randn(4, 2, 6, 6);
        float[] expected;
        float[] expectedConvBias = null;
        float[] expectedBnBias = null;
        float[] expectedBnMean = null;
        ExportedFiles files;
        try (Sequential net = convBnRelu(bias, affine, 5);
                Sgd sgd = Sgd.builder().setLearningRate(0.05).build(net.parameters());
                QatQuantizer q = folding(net, sgd)) {
            q.compress();
            BatchNorm2d bn = (BatchNorm2d) net.get(1);
            if (affine) {
                set(bn.weight(), new float[] {1.5f, 0.5f, -1f});
                set(bn.bias(), new float[] {0.1f, -0.2f, 0.3f});
            }
            // three training steps: the batch norm's statistics and the weights move
            net.train();
            for (int step = 0; step < 3; step++) {
                try (PointerScope s = new PointerScope()) {
                    net.zeroGrad();
                    net.call(torch.randn(8, 2, 6, 6)).sub(new org.bytedeco.pytorch.Scalar(0.5)).pow(
                            new org.bytedeco.pytorch.Scalar(2)).mean().backward();
                    sgd.step();
                }
            }
            expected = evalOutputs(net, x);
            // the folded bias β + (b − μ)·γ/σ, in double from the live values
            float[] b = bias ? values(((Conv2d) net.get(0)).bias()) : new float[3];
            float[] mu = values(bn.runningMean());
            float[] var = values(bn.runningVar());
            float[] gamma = affine ? values(bn.weight()) : new float[] {1f, 1f, 1f};
            float[] beta = affine ? values(bn.bias()) : new float[3];
            float[] folded = new float[3];
            for (int c = 0; c < 3; c++) {
                folded[c] = (float) (beta[c] + ((double) b[c] - mu[c]) * gamma[c] / Math.sqrt(var[c] + 1e-5));
            }
            if (bias) {
                expectedConvBias = folded;
                expectedBnBias = new float[3];
                expectedBnMean = new float[3];
            } else if (affine) {
                expectedBnBias = folded;
                expectedBnMean = new float[3];
            } else {
                expectedBnMean = new float[] {-folded[0], -folded[1], -folded[2]};
            }
            files = q.exportAll(dir, ModelMetadata.empty());
            assertArrayEquals(expected, evalOutputs(net, x), "exporting changed the model");
        }

        float[] fakeQuantOutputs;
        try (PointerScope s = new PointerScope(); Sequential plain = convBnRelu(bias, affine, 99)) {
            Map<String, Tensor> fake = SafeTensors.load(files.fakeQuant());
            if (bias) {
                assertArrayEquals(expectedConvBias, values(fake.get("0.bias")), 1e-6f);
            }
            assertArrayEquals(expectedBnMean, values(fake.get("1.running_mean")), 1e-6f);
            assertArrayEquals(new float[] {(float) (1 - 1e-5), (float) (1 - 1e-5), (float) (1 - 1e-5)},
                    values(fake.get("1.running_var")));
            if (affine) {
                assertArrayEquals(new float[] {1f, 1f, 1f}, values(fake.get("1.weight")));
                assertArrayEquals(expectedBnBias, values(fake.get("1.bias")), 1e-6f);
            } else {
                assertFalse(fake.containsKey("1.weight"));
            }
            plain.loadStateDict(fake, true);
            fakeQuantOutputs = evalOutputs(plain, x);
            double d = maxAbsDiff(expected, fakeQuantOutputs);
            assertTrue(d <= TOLERANCE, "fake-quant file in a plain model: max |Δ| " + d);
        }

        try (PointerScope s = new PointerScope(); Sequential plain = convBnRelu(bias, affine, 98)) {
            plain.loadStateDict(IntegerWeights.dequantize(SafeTensors.load(files.int8())), true);
            assertArrayEquals(fakeQuantOutputs, evalOutputs(plain, x), "int8 dequantized = fake-quant");
        }

        // the full-precision file is the unfolded model: a fresh folding quantizer with the calibration reproduces it
        try (Sequential fresh = convBnRelu(bias, affine, 97); QatQuantizer q = folding(fresh, null)) {
            try (PointerScope s = new PointerScope()) {
                fresh.loadStateDict(SafeTensors.load(files.model()), true);
            }
            q.compress();
            q.loadCalibrationConfig(files.calibration());
            double d = maxAbsDiff(expected, evalOutputs(fresh, x));
            assertTrue(d <= TOLERANCE, "weights + calibration through a folding quantizer: max |Δ| " + d);
        }
    }
}
