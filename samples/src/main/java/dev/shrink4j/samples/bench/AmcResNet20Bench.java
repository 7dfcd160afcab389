package dev.shrink4j.samples.bench;

import dev.shrink4j.amc.channel.ChannelPruning;
import dev.shrink4j.amc.channel.ChannelPruningResult;
import dev.shrink4j.amc.lowrank.LowRankCompressor;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AMC's two mathematical compressors on ResNet-20 (3×32×32, random weights: FLOPs and latency do not depend on what
 * the weights learned), each at about half the FLOPs, against the dense model in one JVM with
 * {@value SpeedupBench#THREADS} intra-op threads:
 * <ul>
 *   <li>channel pruning with reconstruction (LASSO): the inner channels of every basic block (conv1's filters,
 *       conv2's input channels) at {@code compress_ratio} 0.5, fitted on 128 random images, the model shrunk;</li>
 *   <li>low-rank (svd): every Conv2d at {@code compress_ratio} 0.5 of its FLOPs, each replaced by its k×k + 1×1
 *       pair.</li>
 * </ul>
 * It prints parameters, FLOPs of one sample ({@link ModelProfiler}) and the evaluation-mode forward latency of a
 * batch, with their ratios to the dense model; the three models' forwards alternate in blocks (machine drift hits all
 * alike) and the latency is the median block, the best block beside it, as {@link SpeedupBench} measures.
 *
 * <p>Run: {@code samples/run bench.AmcResNet20Bench [batch, default 32]}.
 */
public final class AmcResNet20Bench {

    private static final long[] SAMPLE = {1, 3, 32, 32};
    private static final int BLOCKS = 9;
    private static final int FORWARDS_PER_BLOCK = 3;

    private AmcResNet20Bench() {
    }

    /** One model's line. */
    private record Line(String name, Module model, double[] times) {
    }

    /** A fresh ResNet-20 with {@code dense}'s weights. */
    private static Module copyOf(Module dense) {
        Module copy = ModelZoo.create("resnet20", 3, 10);
        copy.loadStateDict(dense.stateDict(), true);
        return copy;
    }

    /** Prunes the inner channels of every basic block of {@code model} to half, with reconstruction, and shrinks it. */
    private static ChannelPruningResult channelPrune(Module model) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (String name : model.namedModules().keySet()) {
            if (name.matches("layer\\d\\.\\d+\\.conv2")) {
                ratios.put(name, 0.5);
            }
        }
        torch.manual_seed(2);
        List<Tensor> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(torch.randn(32, 3, 32, 32));
        }
        return ChannelPruning.builder().setModel(model).setSampleBatches(images).setLayerRatios(ratios).build().prune();
    }

    /** Replaces every convolution of {@code model} by its svd pair at half its FLOPs. */
    private static void lowRank(Module model) {
        LowRankCompressor c = LowRankCompressor.builder().setModel(model)
                .setConfigList(ConfigList.fromJson("[{\"op_types\": [\"Conv2d\"], \"compress_ratio\": 0.5, \"method\": \"svd\"}]"))
                .setInputShape(SAMPLE).build();
        c.compress();
        System.out.print(c.reportTable());
        c.unwrap();
    }

    /** {@code [batch]}: builds the three models, times them and prints the table. */
    public static void main(String[] args) {
        long batch = args.length > 0 ? Long.parseLong(args[0]) : 32;
        torch.set_num_threads(SpeedupBench.THREADS);
        torch.manual_seed(1);
        try (Module dense = ModelZoo.create("resnet20", 3, 10); Module pruned = copyOf(dense); Module factorised = copyOf(dense)) {
            try (PointerScope scope = new PointerScope()) {
                System.out.print(channelPrune(pruned).summary());
                lowRank(factorised);
            }
            List<Line> lines = List.of(new Line("dense", dense, new double[BLOCKS]),
                    new Line("channel pruning (LASSO + least squares), block inner channels 0.5", pruned, new double[BLOCKS]),
                    new Line("low-rank svd, every conv at 0.5 of its FLOPs", factorised, new double[BLOCKS]));
            lines.forEach(l -> l.model().eval());
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor x = torch.randn(batch, SAMPLE[1], SAMPLE[2], SAMPLE[3]);
                for (int i = 0; i < FORWARDS_PER_BLOCK; i++) { // warm-up
                    lines.forEach(l -> SpeedupBench.forward(l.model(), x));
                }
                for (int b = 0; b < BLOCKS; b++) {
                    for (Line l : lines) {
                        l.times()[b] = SpeedupBench.timeBlock(l.model(), x, FORWARDS_PER_BLOCK);
                    }
                }
            }
            long denseFlops = ModelProfiler.profile(dense, SAMPLE).totalFlops();
            double denseMs = SpeedupBench.median(lines.get(0).times());
            double denseBest = SpeedupBench.min(lines.get(0).times());
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "ResNet-20, 3x32x32, batch %d, %d threads%n%n",
                    batch, torch.get_num_threads()));
            sb.append("| model | params | MFLOPs/sample | FLOPs ratio | latency (ms), median block | latency ratio"
                    + " | best block (ms) | best-block ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Line l : lines) {
                long flops = ModelProfiler.profile(l.model(), SAMPLE).totalFlops();
                double ms = SpeedupBench.median(l.times());
                double best = SpeedupBench.min(l.times());
                sb.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.3f | %.2f | %.3f | %.2f | %.3f |%n", l.name(),
                        l.model().parameterCount(), flops / 1e6, (double) flops / denseFlops, ms, ms / denseMs, best,
                        best / denseBest));
            }
            System.out.print(sb);
        }
    }
}
