package dev.shrink4j.cli;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.algorithms.AlgorithmSpec;
import dev.shrink4j.algorithms.BuiltinAlgorithms;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.CompressionSetup;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.PruningRun;
import dev.shrink4j.cli.run.QuantizationRun;
import dev.shrink4j.cli.run.Training;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.export.ExportedFiles;
import dev.shrink4j.quant.export.IntegerWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every exported file reloads into a plain model with the same outputs, for every algorithm of the
 * registry (so algorithms added later are covered; each has an example config under {@code configs/},
 * which {@code ExampleConfigsTest} enforces). Each algorithm's example config compresses a freshly
 * initialised model (fixed seed; LeNet-5, or ResNet-20 for slim, which prunes BatchNorm2d layers) through
 * the command line's own run code ({@link PruningRun#prune}, {@link QuantizationRun#quantize}: statistics
 * or calibration batches, one fine-tuning epoch of 4 steps on random images), then exports through the
 * same code {@code prune} and {@code quantize} use, and each file is loaded into a fresh, uncompressed model
 * of the same architecture:
 * <ul>
 *   <li>pruners: {@code model.safetensors} alone, and with {@code masks.safetensors} applied on top;</li>
 *   <li>quantizers: {@code model.safetensors} + {@code calibration.json} through a re-created quantizer
 *       (as {@code evaluate --config --calibration} does); {@code model-fakequant.safetensors} in the plain
 *       model, which is exactly the quantized forward when only weights are quantized (the example configs
 *       that also quantize activations are run a second time with weights only); for configs with quantized
 *       activations the file holds exactly the weights forward computes with; {@code model-int8.safetensors}
 *       dequantized ({@link IntegerWeights#dequantize}) equals the fake-quant file bit for bit.</li>
 * </ul>
 * Evaluation-mode outputs on a fixed batch must agree with the compressed model's to {@value #TOLERANCE}
 * (max abs), the fake-quant ones exactly; every safetensors file carries the run's metadata.
 */
class ExportReloadTest {

    private static final Logger LOG = LoggerFactory.getLogger(ExportReloadTest.class);

    static final Path CONFIGS = Path.of("..", "configs");
    static final double TOLERANCE = 1e-5;
    /** Algorithms whose weights have no integer grid, so they write no int8 file (DoReFa's levels 2r/K − 1). */
    static final Set<String> NO_INT8 = Set.of("dorefa");

    @TempDir
    Path dir;

    static Stream<String> algorithms() {
        return BuiltinAlgorithms.registry().all().stream().map(AlgorithmSpec::name);
    }

    /** The quantizers whose example config also quantizes inputs or outputs. */
    static Stream<String> quantizersOfActivations() throws IOException {
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        return registry.names(AlgorithmKind.QUANTIZER).stream().filter(n -> quantizesActivations(read(registry, n)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void everyExportedFileReloadsIntoAFreshModelWithTheSameOutputs(String algorithm) throws IOException {
        CompressionConfig cfg = read(BuiltinAlgorithms.registry(), algorithm);
        if (cfg.spec().kind() == AlgorithmKind.PRUNER) {
            checkPruner(cfg);
        } else {
            checkQuantizer(cfg);
        }
    }

    @ParameterizedTest(name = "{0}, weights only")
    @MethodSource("quantizersOfActivations")
    void weightOnlyQuantizationReloadsFromTheFakeQuantFileAlone(String algorithm) throws IOException {
        CompressionConfig cfg = weightsOnly(read(BuiltinAlgorithms.registry(), algorithm));
        assertFalse(quantizesActivations(cfg));
        checkQuantizer(cfg);
    }

    // ------------------------------------------------------------------------------------------ pruners

    private void checkPruner(CompressionConfig cfg) throws IOException {
        Setup s = Setup.of(cfg, dir);
        Path out = Files.createDirectories(dir.resolve("out"));
        PruningRun run = new PruningRun(s.arch, s.data, s.weights, 1, Training.DEFAULT_FINETUNE_LR, 1, false);
        Map<String, Tensor> expectedMasks = new LinkedHashMap<>();
        float[] expected;
        try (Setup.Data d = s.loaders()) {
            expected = CompressionSetup.run(s.arch, s.data, s.weights, true, Training.DEFAULT_FINETUNE_LR, cfg, Pruner.class,
                    (model, optimizer, pruner) -> {
                        run.prune(cfg, model, optimizer, pruner, d.train(), d.test(), report(), cfg.spec().name());
                        float[] before = outputs(model, s.input);
                        run.export(cfg, pruner, out);
                        assertArrayEquals(before, outputs(model, s.input), "exporting changed the pruned model's outputs");
                        pruner.masks().forEach((k, v) -> expectedMasks.put(k, v.clone()));
                        return before;
                    });
        }
        Path modelFile = out.resolve(PruningRun.MODEL);
        Path masksFile = out.resolve(PruningRun.MASKS);
        double masked;
        try (Module fresh = Models.load(s.arch, s.data, modelFile)) {
            masked = maxAbsDiff(expected, outputs(fresh, s.input));
        }
        double maskedAndMasks;
        try (Module fresh = Models.load(s.arch, s.data, modelFile)) {
            assertEquals(expectedMasks.size(), Pruner.applyCompressionResults(fresh, masksFile));
            maskedAndMasks = maxAbsDiff(expected, outputs(fresh, s.input));
        }
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> masks = SafeTensors.load(masksFile);
            assertEquals(expectedMasks.keySet(), masks.keySet());
            masks.forEach((k, m) -> {
                assertTrue(m.equal(expectedMasks.get(k)), k + " differs from the pruner's mask");
                assertTrue(m.eq(new org.bytedeco.pytorch.Scalar(0.0)).logical_or(m.eq(new org.bytedeco.pytorch.Scalar(1.0)))
                        .all().item_bool(), k + " is not binary");
            });
        }
        assertMetadata(cfg, s, modelFile, ModelMetadata.MASKED_WEIGHTS);
        assertMetadata(cfg, s, masksFile, ModelMetadata.MASKS);
        LOG.info("export reload {}: max |Δ| masked weights {}, masked weights + masks {}", cfg.source(), masked, maskedAndMasks);
        assertTrue(masked <= TOLERANCE, "masked weights: max |Δ| " + masked);
        assertTrue(maskedAndMasks <= TOLERANCE, "masked weights + masks: max |Δ| " + maskedAndMasks);
        expectedMasks.values().forEach(Tensor::close);
    }

    // ---------------------------------------------------------------------------------------- quantizers

    private void checkQuantizer(CompressionConfig cfg) throws IOException {
        Setup s = Setup.of(cfg, dir);
        Path out = Files.createDirectories(dir.resolve("out"));
        QuantizationRun run = new QuantizationRun(s.arch, s.data, s.weights, cfg.statisticsBatches(), 1,
                Training.DEFAULT_FINETUNE_LR, 1);
        Map<String, Tensor> forwardWeights = new LinkedHashMap<>();
        ExportedFiles[] files = new ExportedFiles[1];
        float[] expected;
        try (Setup.Data d = s.loaders()) {
            expected = CompressionSetup.run(s.arch, s.data, s.weights, true, Training.DEFAULT_FINETUNE_LR, cfg,
                    Quantizer.class, (model, optimizer, quantizer) -> {
                        run.quantize(cfg, model, optimizer, quantizer, d.train(), d.test(), report(), cfg.spec().name());
                        float[] before = outputs(model, s.input);
                        files[0] = run.export(cfg, quantizer, out);
                        assertArrayEquals(before, outputs(model, s.input), "exporting changed the quantized model's outputs");
                        try (NoGradGuard g = new NoGradGuard()) {
                            for (ModuleWrapper w : quantizer.getModulesWrapper()) {
                                if (QuantConfig.types(w.config()).contains(QuantType.WEIGHT)) {
                                    forwardWeights.put(w.name() + ".weight", w.module().parametrized("weight").detach().clone());
                                }
                            }
                        }
                        return before;
                    });
        }
        ExportedFiles f = files[0];
        String name = cfg.spec().name();

        // full-precision weights + calibration, through a re-created quantizer (evaluate --config --calibration)
        double calibrated;
        try (Module fresh = Models.load(s.arch, s.data, f.model());
                Quantizer q = CompressorFactory.create(cfg, fresh, null, s.data.inputShape(1), Quantizer.class)) {
            q.loadCalibrationConfig(f.calibration());
            calibrated = maxAbsDiff(expected, outputs(fresh, s.input));
        }

        // fake-quant weights in a plain model
        float[] fakeQuantOutputs;
        try (Module fresh = Models.load(s.arch, s.data, f.fakeQuant())) {
            fakeQuantOutputs = outputs(fresh, s.input);
        }
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> fake = SafeTensors.load(f.fakeQuant());
            assertFalse(forwardWeights.isEmpty());
            forwardWeights.forEach((k, w) -> assertTrue(fake.get(k).equal(w),
                    k + " in the fake-quant file is not the weight the quantized forward computed with"));
        }
        if (!quantizesActivations(cfg)) {
            assertArrayEquals(expected, fakeQuantOutputs, "weight-only quantization: the plain model with the fake-quant"
                    + " weights must compute exactly the quantized forward");
        }

        // integer weights, dequantized
        if (NO_INT8.contains(name)) {
            assertNull(f.int8());
            assertNotNull(f.int8Skipped());
            assertFalse(Files.exists(out.resolve(Quantizer.INT8_FILE)));
        } else {
            assertNotNull(f.int8(), f.int8Skipped());
            try (PointerScope scope = new PointerScope(); Module fresh = Models.create(s.arch, s.data)) {
                Map<String, Tensor> dequantized = IntegerWeights.dequantize(SafeTensors.load(f.int8()));
                Map<String, Tensor> fake = SafeTensors.load(f.fakeQuant());
                assertEquals(fake.keySet(), dequantized.keySet());
                fake.forEach((k, t) -> assertTrue(t.equal(dequantized.get(k)), k + ": dequantized int8 differs from fake-quant"));
                fresh.loadStateDict(dequantized, true);
                assertArrayEquals(fakeQuantOutputs, outputs(fresh, s.input), "int8 dequantized vs fake-quant file");
            }
            assertMetadata(cfg, s, f.int8(), ModelMetadata.INT8_WEIGHTS);
        }
        assertMetadata(cfg, s, f.model(), ModelMetadata.WEIGHTS);
        assertMetadata(cfg, s, f.fakeQuant(), ModelMetadata.FAKE_QUANT_WEIGHTS);
        LOG.info("export reload {}{}: max |Δ| weights + calibration {}, fake-quant weights {}{}", cfg.source(),
                quantizesActivations(cfg) ? " (activations quantized)" : "", calibrated, maxAbsDiff(expected, fakeQuantOutputs),
                quantizesActivations(cfg) ? " (activations not quantized in the plain model)" : "");
        assertTrue(calibrated <= TOLERANCE, "weights + calibration: max |Δ| " + calibrated);
        forwardWeights.values().forEach(Tensor::close);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private void assertMetadata(CompressionConfig cfg, Setup s, Path file, String contents) throws IOException {
        ModelMetadata m = ModelMetadata.read(file);
        assertEquals(ModelMetadata.shrink4jVersion(), m.get(ModelMetadata.VERSION).orElseThrow(), file.toString());
        assertTrue(ModelMetadata.shrink4jVersion().matches("\\d+\\.\\d+\\.\\d+.*"), ModelMetadata.shrink4jVersion());
        assertEquals(s.arch, m.arch().orElseThrow());
        assertEquals(s.data.cliName(), m.get(ModelMetadata.DATASET).orElseThrow());
        assertEquals(s.data.normalization(), m.normalization().orElseThrow());
        assertEquals(cfg.spec().name(), m.algorithm().orElseThrow());
        CompressionConfig recorded = CompressionConfig.parse("metadata", m.config().orElseThrow(), BuiltinAlgorithms.registry(),
                cfg.spec().kind());
        assertEquals(cfg.toJson(), recorded.toJson());
        assertEquals(cfg.configList().toJson(), recorded.configList().toJson());
        assertEquals(contents, m.contents().orElseThrow());
    }

    private static RunReport report() {
        return new RunReport("export reload", "test");
    }

    /** Evaluation-mode outputs on {@code x}, as Java floats. */
    static float[] outputs(Module model, Tensor x) {
        boolean training = model.isTraining();
        model.eval();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor y = model.call(x).contiguous();
            float[] out = new float[(int) y.numel()];
            y.data_ptr_float().get(out);
            return out;
        } finally {
            model.train(training);
        }
    }

    private static CompressionConfig read(AlgorithmRegistry registry, String algorithm) {
        return CompressionConfig.read(CONFIGS.resolve(algorithm + ".json"), registry, null);
    }

    private static boolean quantizesActivations(CompressionConfig cfg) {
        for (JsonElement e : cfg.configList().entries()) {
            JsonElement types = e.getAsJsonObject().get("quant_types");
            if (types != null && (types.getAsJsonArray().contains(new com.google.gson.JsonPrimitive("input"))
                    || types.getAsJsonArray().contains(new com.google.gson.JsonPrimitive("output")))) {
                return true;
            }
        }
        return false;
    }

    /** {@code cfg} with every entry's {@code quant_types} cut to {@code ["weight"]} and its bits to the weight's. */
    private static CompressionConfig weightsOnly(CompressionConfig cfg) {
        JsonObject file = JsonParser.parseString(cfg.toJson()).getAsJsonObject();
        for (JsonElement e : file.getAsJsonArray(CompressionConfig.CONFIG_LIST)) {
            JsonObject entry = e.getAsJsonObject();
            if (entry.has("quant_types")) {
                JsonArray weight = new JsonArray();
                weight.add("weight");
                entry.add("quant_types", weight);
                JsonElement bits = entry.get("quant_bits");
                if (bits.isJsonObject()) {
                    entry.add("quant_bits", bits.getAsJsonObject().get("weight"));
                }
            }
        }
        return CompressionConfig.parse(cfg.source() + " (weights only)", file.toString(), BuiltinAlgorithms.registry(), null);
    }

    /** The model, its initial weights file, a fixed input batch and random training images for one algorithm. */
    private record Setup(String arch, DataSpec data, Path weights, Tensor input) {

        static Setup of(CompressionConfig cfg, Path dir) throws IOException {
            // slim prunes BatchNorm2d layers, which LeNet-5 has none of
            boolean bn = cfg.spec().name().equals("slim");
            String arch = bn ? "resnet20" : "lenet5";
            DataSpec data = bn ? DataSpec.CIFAR10 : DataSpec.FASHION_MNIST;
            Path weights = dir.resolve("initial.safetensors");
            torch.manual_seed(11);
            try (Module m = Models.create(arch, data); PointerScope scope = new PointerScope()) {
                SafeTensors.save(m.stateDict(), weights);
            }
            Tensor input = torch.randn(4, data.channels(), data.size(), data.size());
            return new Setup(arch, data, weights, input);
        }

        /** 32 random training images (4 batches of 8) and 8 test images, seeded. */
        Data loaders() {
            Dataset train = images("train", 32, 1);
            Dataset test = images("test", 8, 2);
            return new Data(train, test, DataLoader.builder().setDataset(train).setBatchSize(8).optShuffle(3).build(),
                    DataLoader.builder().setDataset(test).setBatchSize(8).build());
        }

        private Dataset images(String split, int n, long seed) {
            Random r = new Random(seed);
            int pixels = data.channels() * data.size() * data.size();
            byte[] x = new byte[n * pixels];
            r.nextBytes(x);
            byte[] y = new byte[n];
            for (int i = 0; i < n; i++) {
                y[i] = (byte) (i % data.classes());
            }
            return Dataset.fromBytes("random/" + split, x, data.channels(), data.size(), data.size(), y, data.classes(),
                    data.normalization());
        }

        /** The datasets and their loaders, closed together. */
        record Data(Dataset trainSet, Dataset testSet, DataLoader train, DataLoader test) implements AutoCloseable {
            @Override
            public void close() {
                trainSet.close();
                testSet.close();
            }
        }
    }
}
