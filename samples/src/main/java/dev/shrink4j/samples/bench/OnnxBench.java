package dev.shrink4j.samples.bench;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.quant.algo.ObserverQuantizer;
import dev.shrink4j.workbench.zoo.ResNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ONNX Runtime latency of CIFAR ResNets (3×32×32, ResNet-20 and ResNet-56) exported by {@link OnnxExporter}: the
 * float32 model against its QDQ int8 export after observer calibration, at batch 64 and batch 1, ONNX Runtime with
 * 2 intra-op threads, libtorch's eval forward (2 threads) beside them for reference. The runs alternate in blocks so
 * machine drift hits every variant alike; the report is the median time per run and the ratios.
 *
 * <p>Quantization: {@link ObserverQuantizer}, 8-bit uint8 affine per tensor (ONNX Runtime's integer kernels take
 * uint8 activations and one weight zero point), on the weights and inputs of every Conv2d and Linear and the outputs
 * of the batch norms whose output feeds a residual sum or the stem's ReLU (so that each convolution is followed by a
 * QuantizeLinear and ONNX Runtime fuses it into a {@code QLinearConv}), calibrated on 8 batches of normal noise (the
 * statistics of normalised images; latency does not depend on the values). Batch norms are given the statistics of
 * the same noise first, so calibration sees realistic ranges.
 *
 * <p>Run: {@code samples/run bench.OnnxBench}.
 */
public final class OnnxBench {

    private OnnxBench() {
    }

    /**
     * Median milliseconds per run of one model at one batch size, and the median over blocks of the ratio of a
     * block of float32 runs to the int8 block right after it (paired, so load that drifts between blocks cancels).
     */
    public record Result(String model, int batch, double libtorchMs, double fp32Ms, double int8Ms, double int8SignedMs,
            double int8Speedup, double int8SignedSpeedup) {
    }

    /** The config that quantizes every convolution between a QuantizeLinear in and one out (see the class doc). */
    static ConfigList config(Module model) {
        List<String> norms = model.namedModules().entrySet().stream()
                .filter(e -> e.getValue() instanceof BatchNorm && (e.getKey().equals("bn1") || e.getKey().endsWith(".bn2")
                        || e.getKey().endsWith(".shortcut.1")))
                .map(e -> "\"" + e.getKey() + "\"").collect(Collectors.toList());
        return ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\","
                + " \"Linear\"]}, {\"quant_types\": [\"output\"], \"quant_bits\": 8, \"op_names\": [" + String.join(", ", norms)
                + "]}]");
    }

    /**
     * Exports {@code factory}'s model as float32 and as calibrated QDQ int8 (uint8 weights as quantized, and the same
     * weights written as int8) into {@code dir}, then times them (and libtorch) at each batch size: one warm-up
     * block, then {@code blocks} rounds of one block of {@code runs} runs per variant (20× the runs at batch 1).
     */
    public static List<Result> measure(String name, Supplier<Module> factory, int[] batches, int blocks, int runs, Path dir)
            throws IOException {
        torch.manual_seed(0);
        List<Result> out = new ArrayList<>();
        Path fp32 = dir.resolve(name + "-fp32.onnx");
        Path int8 = dir.resolve(name + "-int8.onnx");
        Path int8Signed = dir.resolve(name + "-int8-signed-weights.onnx");
        try (Module model = factory.get()) {
            settleBatchNorms(model);
            OnnxExporter.builder().setModel(model).setInputShape(3, 32, 32).build().export(fp32);
            try (ObserverQuantizer quantizer = new ObserverQuantizer(model, config(model))) {
                quantizer.compress();
                List<Tensor> calibration = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    calibration.add(torch.randn(32, 3, 32, 32));
                }
                quantizer.calibrate(calibration);
                OnnxExporter.builder().setModel(model).setInputShape(3, 32, 32).optQuantizer(quantizer).build().export(int8);
                OnnxExporter.builder().setModel(model).setInputShape(3, 32, 32).optQuantizer(quantizer).optSignedWeights(true)
                        .build().export(int8Signed);
            }
            torch.set_num_threads(2);
            model.eval();
            try (OnnxModel f = OnnxModel.load(fp32, 2); OnnxModel q = OnnxModel.load(int8, 2);
                    OnnxModel qs = OnnxModel.load(int8Signed, 2)) {
                for (int batch : batches) {
                    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                        Tensor x = torch.randn(batch, 3, 32, 32);
                        List<Runnable> variants = List.of(() -> model.call(x), () -> f.run(x), () -> q.run(x), () -> qs.run(x));
                        int n = batch == 1 ? runs * 20 : runs;
                        double[][] times = new double[variants.size()][blocks];
                        for (int b = -1; b < blocks; b++) {
                            for (int v = 0; v < variants.size(); v++) {
                                double t = block(variants.get(v), n);
                                if (b >= 0) {
                                    times[v][b] = t;
                                }
                            }
                        }
                        double[] speedup = new double[blocks];
                        double[] signedSpeedup = new double[blocks];
                        for (int b = 0; b < blocks; b++) {
                            speedup[b] = times[1][b] / times[2][b];
                            signedSpeedup[b] = times[1][b] / times[3][b];
                        }
                        out.add(new Result(name, batch, median(times[0]), median(times[1]), median(times[2]), median(times[3]),
                                median(speedup), median(signedSpeedup)));
                    }
                }
            }
        }
        return out;
    }

    /** Gives every batch norm the statistics of normal noise through the model (20 training-mode forwards). */
    private static void settleBatchNorms(Module model) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            model.train();
            for (int i = 0; i < 20; i++) {
                try (PointerScope s = new PointerScope()) {
                    model.call(torch.randn(32, 3, 32, 32));
                }
            }
            model.eval();
        }
    }

    /** Milliseconds per run over {@code n} runs, each in its own scope. */
    private static double block(Runnable run, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (PointerScope s = new PointerScope()) {
                run.run();
            }
        }
        return (System.nanoTime() - t0) / 1e6 / n;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Runs ResNet-20 and ResNet-56 at batch 64 and 1 and prints the table. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("onnx-bench");
        List<Result> results = new ArrayList<>();
        results.addAll(measure("resnet20", ResNet::resnet20, new int[] {64, 1}, 9, 3, dir));
        results.addAll(measure("resnet56", () -> ResNet.resnet56(3, 10), new int[] {64, 1}, 9, 1, dir));
        System.out.println("ONNX files in " + dir);
        System.out.println(table(results));
    }

    /** The results as a Markdown table. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder("| model | batch | libtorch fp32 (ms) | ORT fp32 (ms) | ORT int8 (ms) |"
                + " ORT int8, int8 weights (ms) | int8 speed-up | int8-weights speed-up |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f× | %.2f× |%n", r.model(),
                    r.batch(), r.libtorchMs(), r.fp32Ms(), r.int8Ms(), r.int8SignedMs(), r.int8Speedup(),
                    r.int8SignedSpeedup()));
        }
        return sb.toString();
    }
}
