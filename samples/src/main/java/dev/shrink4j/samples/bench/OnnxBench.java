package dev.shrink4j.samples.bench;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.graph.speedup.ChannelMasks;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.quant.algo.ObserverQuantizer;
import dev.shrink4j.workbench.stats.ModelProfiler;
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
 * float32 model against the same model shrunk to half the channels of every dependency group ({@link ModelSpeedup},
 * random channels) and against its QDQ int8 export after observer calibration, at batch 64 and batch 1, ONNX Runtime
 * with 2 intra-op threads, libtorch's eval forward (2 threads) beside them for reference. The ONNX Runtime runs
 * alternate in blocks so machine drift hits every variant alike; the report is the median time per run and the
 * median of the paired ratios. Goals (issue 14): int8 at least 1.5× faster than float32 at batch 64; the shrunk
 * model's latency ratio at least 0.8 × its FLOPs ratio.
 *
 * <p>Quantization: {@link ObserverQuantizer}, 8 bits: the weights of every Conv2d and Linear symmetric per channel
 * (uint8 with zero point 127, which the exporter writes as int8 with zero point 0 when asked, {@code
 * optSignedWeights}), the outputs of every ReLU, of the option-A shortcuts and of the batch norms that feed a
 * residual sum affine uint8 per tensor. So every convolution of the residual blocks and every residual sum sits between a DequantizeLinear in and a
 * QuantizeLinear out, and ONNX Runtime runs them as {@code QLinearConv} and {@code QLinearAdd} (the exporter folds
 * each batch norm into its convolution's scales); the stem convolution and the linear layer get float inputs and
 * run in float with dequantized weights. The quantizer's config has one dtype and scheme per layer; quantizing the
 * activations as outputs of the layers before the convolutions gives the weights and the activations each the grid
 * ONNX Runtime's integer kernels are fastest with. Calibration: 8 batches of normal noise (the statistics of
 * normalised images; latency does not depend on the values), after the batch norms got the statistics of the same
 * noise. The int8 model is timed twice: with the uint8 weights as quantized, and with the same weights written as
 * int8 with zero point 0.
 *
 * <p>Besides the wall-clock time per run, the process CPU time per run (every thread of the JVM, ONNX Runtime's
 * included; its threads sleep between runs) is reported: on a shared machine it moves far less with the load than
 * the wall clock does.
 *
 * <p>Run: {@code samples/run bench.OnnxBench}.
 */
public final class OnnxBench {

    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private OnnxBench() {
    }

    /** Median wall-clock and mean process CPU milliseconds per run (or, for a speed-up, the two ratios). */
    public record Timing(double wallMs, double cpuMs) {
    }

    /**
     * One model at one batch size: the timings of libtorch (dense), ONNX Runtime float32 dense and shrunk, int8 and
     * int8 with int8 weights; the FLOPs of one sample dense and shrunk; and the speed-ups over ONNX Runtime float32
     * dense: by wall clock the median over blocks of the ratio of a block of dense runs to the block of the other
     * variant timed right after it (paired, so load that drifts between blocks cancels), by CPU time the ratio of the
     * means.
     */
    public record Result(String model, int batch, Timing libtorch, Timing fp32, Timing shrunk, Timing int8, Timing int8Signed,
            long denseFlops, long shrunkFlops, Timing shrunkSpeedup, Timing int8Speedup, Timing int8SignedSpeedup) {

        /** Dense FLOPs over shrunk FLOPs. */
        public double flopsRatio() {
            return (double) denseFlops / shrunkFlops;
        }
    }

    /**
     * The config that puts every convolution of the residual blocks and every residual sum between a QuantizeLinear
     * in and one out, with symmetric weights (see the class documentation): weights of every Conv2d and Linear,
     * symmetric per channel; outputs of every ReLU, of the zero-padded (option A) shortcuts and of the batch norms
     * that feed a residual sum, affine per tensor.
     */
    static ConfigList config(Module model) {
        List<String> norms = model.namedModules().entrySet().stream()
                .filter(e -> e.getValue() instanceof BatchNorm && (e.getKey().endsWith(".bn2") || e.getKey().endsWith(".shortcut.1")))
                .map(e -> "\"" + e.getKey() + "\"").collect(Collectors.toList());
        return ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"quant_scheme\": \"per_channel_symmetric\","
                + " \"op_types\": [\"Conv2d\", \"Linear\"]}, {\"quant_types\": [\"output\"], \"quant_bits\": 8, \"op_types\":"
                + " [\"ReLU\", \"PadShortcut\"]}, {\"quant_types\": [\"output\"], \"quant_bits\": 8, \"op_names\": [" + String.join(", ", norms)
                + "]}]");
    }

    /**
     * Exports {@code factory}'s model as float32, shrunk to half of every channel group (random channels,
     * {@link ModelSpeedup}) as float32, and as calibrated QDQ int8 (uint8 weights as quantized, and the same weights
     * written as int8) into {@code dir}, then times them (and libtorch) at each batch size: one warm-up block, then
     * {@code blocks} rounds of one block of {@code runs} runs per variant (20× the runs at batch 1).
     */
    public static List<Result> measure(String name, Supplier<Module> factory, int[] batches, int blocks, int runs, Path dir)
            throws IOException {
        torch.manual_seed(0);
        List<Result> out = new ArrayList<>();
        Path fp32 = dir.resolve(name + "-fp32.onnx");
        Path shrunk = dir.resolve(name + "-fp32-shrunk.onnx");
        Path int8 = dir.resolve(name + "-int8.onnx");
        Path int8Signed = dir.resolve(name + "-int8-signed-weights.onnx");
        try (Module model = factory.get(); Module half = factory.get()) {
            settleBatchNorms(model);
            OnnxExporter.builder().setModel(model).setInputShape(3, 32, 32).build().export(fp32);
            half.loadStateDict(model.stateDict(), true);
            try (PointerScope scope = new PointerScope()) {
                DependencyGroups groups = DependencyGroups.of(ModelGraph.trace(half, torch.zeros(1, 3, 32, 32)));
                ModelSpeedup.apply(groups, ChannelMasks.of(groups, ChannelMasks.randomChannels(groups, 0.5, 0)));
            }
            OnnxExporter.builder().setModel(half).setInputShape(3, 32, 32).build().export(shrunk);
            long denseFlops = ModelProfiler.profile(model, 1, 3, 32, 32).totalFlops();
            long shrunkFlops = ModelProfiler.profile(half, 1, 3, 32, 32).totalFlops();
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
            try (OnnxModel f = OnnxModel.load(fp32, 2); OnnxModel sh = OnnxModel.load(shrunk, 2); OnnxModel q = OnnxModel.load(int8, 2);
                    OnnxModel qs = OnnxModel.load(int8Signed, 2)) {
                for (int batch : batches) {
                    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                        Tensor x = torch.randn(batch, 3, 32, 32);
                        int n = batch == 1 ? runs * 20 : runs;
                        // ONNX Runtime's variants interleaved; libtorch on its own afterwards: its OpenMP threads
                        // spin after each run and would slow whatever ran next
                        List<Runnable> variants = List.of(() -> f.run(x), () -> sh.run(x), () -> q.run(x), () -> qs.run(x),
                                () -> model.call(x));
                        int ort = variants.size() - 1;
                        double[][] wall = new double[variants.size()][blocks];
                        double[][] cpu = new double[variants.size()][blocks];
                        for (int b = -1; b < blocks; b++) {
                            for (int v = 0; v < ort; v++) {
                                record(block(variants.get(v), n), wall[v], cpu[v], b);
                            }
                        }
                        for (int b = -1; b < blocks; b++) {
                            record(block(variants.get(ort), n), wall[ort], cpu[ort], b);
                        }
                        // CPU time has the clock tick's resolution (10 ms): per variant the mean over every block
                        Timing[] t = new Timing[variants.size()];
                        for (int v = 0; v < variants.size(); v++) {
                            t[v] = new Timing(median(wall[v]), Arrays.stream(cpu[v]).average().orElseThrow());
                        }
                        out.add(new Result(name, batch, t[4], t[0], t[1], t[2], t[3], denseFlops, shrunkFlops,
                                new Timing(pairedRatio(wall, 0, 1), t[0].cpuMs() / t[1].cpuMs()),
                                new Timing(pairedRatio(wall, 0, 2), t[0].cpuMs() / t[2].cpuMs()),
                                new Timing(pairedRatio(wall, 0, 3), t[0].cpuMs() / t[3].cpuMs())));
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

    /** Wall-clock and process CPU milliseconds per run over {@code n} runs, each in its own scope. */
    private static double[] block(Runnable run, int n) {
        long cpu0 = CPU.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (PointerScope s = new PointerScope()) {
                run.run();
            }
        }
        return new double[] {(System.nanoTime() - t0) / 1e6 / n, (CPU.getProcessCpuTime() - cpu0) / 1e6 / n};
    }

    /** Stores block {@code b}'s times; block -1 is the warm-up, not stored. */
    private static void record(double[] t, double[] wall, double[] cpu, int b) {
        if (b >= 0) {
            wall[b] = t[0];
            cpu[b] = t[1];
        }
    }

    /** The median over blocks of {@code times[numerator][b] / times[denominator][b]}. */
    private static double pairedRatio(double[][] times, int numerator, int denominator) {
        double[] r = new double[times[numerator].length];
        for (int b = 0; b < r.length; b++) {
            r[b] = times[numerator][b] / times[denominator][b];
        }
        return median(r);
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
        System.out.println("ONNX files in " + dir + "; load average " + java.lang.management.ManagementFactory
                .getOperatingSystemMXBean().getSystemLoadAverage() + " on " + Runtime.getRuntime().availableProcessors()
                + " cores");
        System.out.println(table(results));
    }

    /**
     * The results as a Markdown table: wall-clock milliseconds per run with process CPU milliseconds in parentheses;
     * speed-ups over ONNX Runtime float32 dense by wall clock with CPU time in parentheses.
     */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder("| model | batch | libtorch fp32 | ORT fp32 | ORT fp32 shrunk | ORT int8 |"
                + " ORT int8, int8 weights | shrunk speed-up (FLOPs ratio) | int8 speed-up | int8-weights speed-up |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s (%.2f×) | %s | %s |%n", r.model(),
                    r.batch(), cell(r.libtorch()), cell(r.fp32()), cell(r.shrunk()), cell(r.int8()), cell(r.int8Signed()),
                    ratio(r.shrunkSpeedup()), r.flopsRatio(), ratio(r.int8Speedup()), ratio(r.int8SignedSpeedup())));
        }
        return sb.toString();
    }

    private static String cell(Timing t) {
        return String.format(Locale.ROOT, "%.2f ms (%.2f)", t.wallMs(), t.cpuMs());
    }

    private static String ratio(Timing t) {
        return String.format(Locale.ROOT, "%.2f× (%.2f×)", t.wallMs(), t.cpuMs());
    }
}
