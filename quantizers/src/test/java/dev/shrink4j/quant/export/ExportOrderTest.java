package dev.shrink4j.quant.export;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.gson.JsonObject;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.algo.NaiveQuantizer;
import dev.shrink4j.quant.algo.QatQuantizer;
import dev.shrink4j.quant.core.CalibrationKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of a quantizer's exports does not matter. QAT and naive store their weight qparams as forward
 * computes them, so right after an optimizer step they belong to the previous weights; every export
 * refreshes them first. Exports before an extra evaluation forward (all at once, or the calibration
 * first) and after it are byte for byte the same files, and the calibration's {@code weight_scale} is the
 * one that forward computes.
 */
class ExportOrderTest {

    static final List<String> FILES = List.of(Quantizer.MODEL_FILE, Quantizer.CALIBRATION_FILE, Quantizer.FAKE_QUANT_FILE,
            Quantizer.INT8_FILE);

    @TempDir
    Path dir;

    @Test
    void qatExportsAreTheSameWhateverTheOrderAndWhetherAForwardRanAfterTheLastStep() throws IOException {
        ConfigList config = ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\", \"output\"], \"quant_bits\": 8,"
                + " \"op_types\": [\"Conv2d\", \"Linear\"]}]");
        check((net, sgd) -> QatQuantizer.builder().setModel(net).setConfigList(config).optOptimizer(sgd).build());
    }

    @Test
    void naiveExportsAreTheSameWhateverTheOrderAndWhetherAForwardRanAfterTheLastStep() throws IOException {
        ConfigList config = ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 8,"
                + " \"op_types\": [\"Conv2d\", \"Linear\"]}]");
        check((net, sgd) -> new NaiveQuantizer(net, config, sgd));
    }

    private void check(BiFunction<LeNet5, Sgd, Quantizer> factory) throws IOException {
        torch.manual_seed(17);
        Tensor x = torch.randn(8, 1, 28, 28);
        Tensor y = torch.randint(10, new long[] {8});
        try (LeNet5 net = new LeNet5(10); Sgd sgd = Sgd.builder().setLearningRate(0.5).build(net.parameters());
                Quantizer q = factory.apply(net, sgd)) {
            q.compress();
            net.train();
            float[] scaleBeforeLastStep = null;
            for (int step = 0; step < 2; step++) {
                try (PointerScope s = new PointerScope()) {
                    net.zeroGrad();
                    Loss.crossEntropy().compute(net.call(x), y).backward();
                    scaleBeforeLastStep = values(q.getWrapper("fc1").getBuffer(CalibrationKeys.WEIGHT_SCALE));
                    sgd.step();
                }
            }
            // no forward since the last step: the stored weight qparams are those of the previous weights;
            // the calibration is exported first, then everything at once
            Path calibrationFirst = Files.createDirectories(dir.resolve("calibration-first"));
            q.exportModel(calibrationFirst.resolve(Quantizer.MODEL_FILE), calibrationFirst.resolve(Quantizer.CALIBRATION_FILE),
                    ModelMetadata.empty());
            q.exportInt8(calibrationFirst.resolve(Quantizer.INT8_FILE), ModelMetadata.empty());
            q.exportFakeQuant(calibrationFirst.resolve(Quantizer.FAKE_QUANT_FILE), ModelMetadata.empty());
            Path all = Files.createDirectories(dir.resolve("all"));
            q.exportAll(all, ModelMetadata.empty());

            net.eval();
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                net.call(x);
            }
            float[] forwardScale = values(q.getWrapper("fc1").getBuffer(CalibrationKeys.WEIGHT_SCALE));
            Path afterForward = Files.createDirectories(dir.resolve("after-forward"));
            q.exportAll(afterForward, ModelMetadata.empty());

            for (String f : FILES) {
                assertArrayEquals(Files.readAllBytes(afterForward.resolve(f)), Files.readAllBytes(all.resolve(f)), f);
                assertArrayEquals(Files.readAllBytes(afterForward.resolve(f)), Files.readAllBytes(calibrationFirst.resolve(f)), f);
            }
            JsonObject calibration = CalibrationConfig.read(calibrationFirst.resolve(Quantizer.CALIBRATION_FILE));
            assertEquals(forwardScale[0], calibration.getAsJsonObject("fc1").get(CalibrationKeys.WEIGHT_SCALE).getAsFloat(),
                    "the calibration holds the scale the forward computes from the current weights");
            if (q instanceof QatQuantizer) {
                // the case the refresh exists for: the step moved fc1's range, so its scale changed
                assertNotEquals(scaleBeforeLastStep[0], forwardScale[0]);
            }
        }
    }

}
