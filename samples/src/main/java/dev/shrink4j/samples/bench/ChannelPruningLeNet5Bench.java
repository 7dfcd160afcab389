package dev.shrink4j.samples.bench;

import dev.shrink4j.amc.channel.ChannelPruning;
import dev.shrink4j.amc.channel.ChannelPruningResult;
import dev.shrink4j.amc.channel.ChannelSelection;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.speedup.ChannelMasks;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The README's measurement: a trained LeNet-5 on Fashion-MNIST, every Conv2d/Linear input at a kept share
 * ({@code 0.65}: 48.7% of the MACs), channel pruning with reconstruction (LASSO and L1 selection) against masking the
 * same channels without reconstruction, test accuracy before any fine-tuning. Run from the repository root:
 * <pre>
 * samples/run bench.ChannelPruningLeNet5Bench runs/lenet5/model.safetensors [images] [ratio] [warm|cold]
 * </pre>
 * {@code cold} starts every layer's LASSO α search from {@code lars_alpha_init} instead of the previous layer's α.
 */
public final class ChannelPruningLeNet5Bench {

    private ChannelPruningLeNet5Bench() {
    }

    /** {@code weights [sample images, default 1024] [ratio, default 0.65] [warm|cold α search, default warm]}. */
    public static void main(String[] args) throws Exception {
        Path weights = Path.of(args[0]);
        int sampleImages = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        double ratio = args.length > 2 ? Double.parseDouble(args[2]) : 0.65;
        String alphaStart = args.length > 3 ? args[3] : "warm";
        if (!alphaStart.equals("warm") && !alphaStart.equals("cold")) {
            throw new IllegalArgumentException("the fourth argument is warm or cold, got " + alphaStart);
        }
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (String layer : new String[] {"conv2", "fc1", "fc2", "fc3"}) {
            ratios.put(layer, ratio);
        }
        try (Dataset train = IdxDataset.FASHION_MNIST.load(Split.TRAIN); Dataset test = IdxDataset.FASHION_MNIST.load(Split.TEST)) {
            DataLoader testLoader = DataLoader.builder().setDataset(test).setBatchSize(256).build();
            DataLoader trainLoader = DataLoader.builder().setDataset(train).setBatchSize(64).optShuffle(1).build();
            List<Tensor> samples = new ArrayList<>();
            for (Batch b : trainLoader) {
                if (samples.size() * 64 >= sampleImages) {
                    break;
                }
                samples.add(b.x().clone());
            }
            double original = new Evaluator().evaluate(ModelZoo.load(weights), testLoader).accuracy();
            System.out.printf(Locale.ROOT, "original: test accuracy %.4f%n", original);
            for (ChannelSelection selection : ChannelSelection.values()) {
                try (PointerScope scope = new PointerScope()) {
                    Module reconstructed = ModelZoo.load(weights);
                    long start = System.nanoTime();
                    ChannelPruningResult r = ChannelPruning.builder().setModel(reconstructed).setSampleBatches(samples)
                            .setLayerRatios(ratios).optSelection(selection).optLarsAlphaWarmStart(alphaStart.equals("warm")).build().prune();
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double withReconstruction = new Evaluator().evaluate(reconstructed, testLoader).accuracy();
                    Module masked = ModelZoo.load(weights);
                    DependencyGroups groups = DependencyGroups.trace(masked, torch.zeros(1, 1, 28, 28));
                    Map<ChannelGroup, int[]> channels = new LinkedHashMap<>();
                    ratios.keySet().forEach(l -> channels.put(groups.groupOf(l, ChannelDim.IN), r.removedInputChannels(l)));
                    ModelSpeedup.apply(groups, ChannelMasks.of(groups, channels));
                    double withoutReconstruction = new Evaluator().evaluate(masked, testLoader).accuracy();
                    System.out.print(r.summary());
                    System.out.printf(Locale.ROOT, "%s: MACs %.1f%%, params %d -> %d, test accuracy before fine-tuning: "
                            + "reconstructed %.4f, same channels masked %.4f (original %.4f), %d LASSO solves (α search %s), %.1f s%n",
                            selection.key(),
                            100.0 * r.macsAfter() / r.macsBefore(), r.speedup().orElseThrow().parametersBefore(),
                            r.speedup().orElseThrow().parametersAfter(), withReconstruction, withoutReconstruction, original, r.lassoSolves(), alphaStart, seconds);
                }
            }
        }
    }
}
