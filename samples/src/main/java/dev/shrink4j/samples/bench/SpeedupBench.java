package dev.shrink4j.samples.bench;

import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.speedup.ChannelMasks;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Measures what physical speedup buys: a model dense and shrunk to half the channels of every prunable
 * dependency group ({@link ChannelMasks#randomChannels} at 0.5, then {@link ModelSpeedup#apply}), in one
 * JVM with 2 intra-op threads. Per model and batch size it reports the FLOPs of one sample
 * ({@link ModelProfiler}) and the evaluation-mode forward latency of the batch, dense and shrunk, and their
 * ratios; dense and shrunk forwards alternate in blocks so machine drift hits both alike, and the latency is
 * the median block, with the best block beside it (on a shared machine the best block is the one least
 * disturbed by other processes; with 2 intra-op threads a busy machine makes every operator wait for its
 * second thread, which hides what a smaller layer saves). The goal is a latency speedup of at least 0.8 × the
 * FLOPs speedup. It also times the
 * speedup pass itself (trace, groups, validation, resizing) on fresh ResNet-56s (goal: under 2 s).
 *
 * <p>Run: {@code samples/run bench.SpeedupBench}.
 */
public final class SpeedupBench {

    /** Intra-op threads, as the issue fixes them. */
    static final int THREADS = 2;

    private SpeedupBench() {
    }

    /** One model at one batch size. */
    public record Result(String model, long batch, long denseParams, long shrunkParams, long denseFlops, long shrunkFlops,
            double denseMs, double shrunkMs, double denseBestMs, double shrunkBestMs) {

        /** Dense FLOPs over shrunk FLOPs. */
        public double flopsSpeedup() {
            return (double) denseFlops / shrunkFlops;
        }

        /** Dense latency over shrunk latency (median blocks). */
        public double latencySpeedup() {
            return denseMs / shrunkMs;
        }

        /** Dense latency over shrunk latency (best blocks). */
        public double bestLatencySpeedup() {
            return denseBestMs / shrunkBestMs;
        }
    }

    /** A fresh zoo model and a copy of it shrunk to half of every group; the pair shares its kept weights. */
    static Module[] pair(String arch, long[] sampleShape, long seed) {
        torch.manual_seed(seed);
        Module dense = ModelZoo.create(arch, (int) sampleShape[1], 10);
        Module shrunk = ModelZoo.create(arch, (int) sampleShape[1], 10);
        shrunk.loadStateDict(dense.stateDict(), true);
        try (PointerScope scope = new PointerScope()) {
            DependencyGroups groups = DependencyGroups.trace(shrunk, torch.zeros(sampleShape));
            ModelSpeedup.apply(groups, ChannelMasks.of(groups, ChannelMasks.randomChannels(groups, 0.5, seed)));
        }
        dense.eval();
        shrunk.eval();
        return new Module[] {dense, shrunk};
    }

    /** Benchmarks one model at each batch size: {@code blocks} alternating blocks of {@code forwardsPerBlock} forwards. */
    public static List<Result> measure(String arch, long[] sampleShape, long[] batches, int blocks, int forwardsPerBlock) {
        Module[] models = pair(arch, sampleShape, 1);
        List<Result> out = new ArrayList<>();
        try (Module dense = models[0]; Module shrunk = models[1]) {
            long denseFlops = ModelProfiler.profile(dense, sampleShape).totalFlops();
            long shrunkFlops = ModelProfiler.profile(shrunk, sampleShape).totalFlops();
            for (long batch : batches) {
                long[] shape = sampleShape.clone();
                shape[0] = batch;
                try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                    Tensor x = torch.randn(shape);
                    for (int i = 0; i < forwardsPerBlock; i++) { // warm-up
                        forward(dense, x);
                        forward(shrunk, x);
                    }
                    double[] denseTimes = new double[blocks];
                    double[] shrunkTimes = new double[blocks];
                    for (int b = 0; b < blocks; b++) {
                        denseTimes[b] = timeBlock(dense, x, forwardsPerBlock);
                        shrunkTimes[b] = timeBlock(shrunk, x, forwardsPerBlock);
                    }
                    out.add(new Result(arch, batch, dense.parameterCount(), shrunk.parameterCount(), denseFlops, shrunkFlops,
                            median(denseTimes), median(shrunkTimes), min(denseTimes), min(shrunkTimes)));
                }
            }
        }
        return out;
    }

    /** The speedup pass's own time on fresh ResNet-56s, in milliseconds: each run's. */
    public static double[] timeSpeedupPass(int runs) {
        double[] ms = new double[runs];
        for (int r = 0; r < runs; r++) {
            torch.manual_seed(r);
            try (Module model = ModelZoo.create("resnet56", 3, 10); PointerScope scope = new PointerScope()) {
                // the masks come from a trace of their own, as a masks file would: the timed pass starts from the model
                DependencyGroups planned = DependencyGroups.trace(model, torch.zeros(1, 3, 32, 32));
                Map<String, Tensor> masks = ChannelMasks.of(planned, ChannelMasks.randomChannels(planned, 0.5, r));
                long t0 = System.nanoTime();
                SpeedupResult result = ModelSpeedup.apply(model, torch.zeros(1, 3, 32, 32), masks);
                ms[r] = (System.nanoTime() - t0) / 1e6;
                if (r == 0) {
                    System.out.printf(Locale.ROOT, "ResNet-56 speedup: %,d -> %,d parameters, %d layers resized%n",
                            result.parametersBefore(), result.parametersAfter(), result.resized().size());
                }
            }
        }
        return ms;
    }

    static void forward(Module model, Tensor x) {
        try (PointerScope scope = new PointerScope()) {
            model.call(x);
        }
    }

    static double timeBlock(Module model, Tensor x, int forwards) {
        long t0 = System.nanoTime();
        for (int i = 0; i < forwards; i++) {
            forward(model, x);
        }
        return (System.nanoTime() - t0) / 1e6 / forwards;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElseThrow();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Runs ResNet-56 and MobileNetV2 (3x32x32) at batch 64 and 1, then times the speedup pass; prints the tables. */
    public static void main(String[] args) {
        torch.set_num_threads(THREADS);
        List<Result> results = new ArrayList<>();
        results.addAll(measure("resnet56", new long[] {1, 3, 32, 32}, new long[] {64, 1}, 9, 3));
        results.addAll(measure("mobilenetv2", new long[] {1, 3, 32, 32}, new long[] {64, 1}, 9, 5));
        System.out.println(table(results));
        double[] pass = timeSpeedupPass(5);
        System.out.printf(Locale.ROOT, "speedup pass on ResNet-56 (trace + groups + validation + resizing): first %.0f ms,"
                + " median of %d %.0f ms (goal < 2000 ms)%n", pass[0], pass.length, median(pass));
    }

    /** The results as a Markdown table. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder("threads: " + torch.get_num_threads() + "\n\n"
                + "| model | batch | params dense → shrunk | MFLOPs/sample dense → shrunk | FLOPs speedup | latency (ms) dense → shrunk,"
                + " median block | latency speedup | ÷ FLOPs speedup | best block (ms) | best-block speedup | ÷ FLOPs speedup |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %,d → %,d | %.1f → %.1f | %.2f× | %.2f → %.2f | %.2f× | %.2f"
                    + " | %.2f → %.2f | %.2f× | %.2f |%n", r.model(), r.batch(), r.denseParams(), r.shrunkParams(),
                    r.denseFlops() / 1e6, r.shrunkFlops() / 1e6, r.flopsSpeedup(), r.denseMs(), r.shrunkMs(), r.latencySpeedup(),
                    r.latencySpeedup() / r.flopsSpeedup(), r.denseBestMs(), r.shrunkBestMs(), r.bestLatencySpeedup(),
                    r.bestLatencySpeedup() / r.flopsSpeedup()));
        }
        return sb.toString();
    }
}
