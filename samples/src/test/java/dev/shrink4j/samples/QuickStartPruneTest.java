package dev.shrink4j.samples;

import static dev.shrink4j.samples.SampleTesting.LAYERS;
import static dev.shrink4j.samples.SampleTesting.values;
import static dev.shrink4j.samples.SampleTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class QuickStartPruneTest {

    @Test
    void exportsMasksAtFloorOfNTimesSparsityAndAModelThatReproducesTheAccuracy(@TempDir Path out) throws Exception {
        // Start from known weights so the test can say which ones magnitude pruning must remove.
        Path baselineFile = out.resolve("baseline.safetensors");
        Map<String, float[]> baseline = new java.util.HashMap<>();
        try (LeNet5 start = new LeNet5(); PointerScope scope = new PointerScope()) {
            SafeTensors.save(start.stateDict(), baselineFile);
            for (String layer : LAYERS) {
                baseline.put(layer, values(start.stateDict().get(layer + ".weight")));
            }
        }
        SampleArgs args = SampleArgs.parse("--data", SampleTesting.tiny(out).data().toString(), "--limit",
                String.valueOf(SampleTesting.LIMIT), "--out", out.toString(), "--weights", baselineFile.toString());
        QuickStartPrune.Result r = QuickStartPrune.run(args);
        // n weights per layer → floor(0.8·n) pruned: 150 → 120, 2400 → 1920, 48000 → 38400, 10080 → 8064, 840 → 672
        long[] n = {150, 2400, 48000, 10080, 840};
        long[] pruned = {120, 1920, 38400, 8064, 672};
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> masks = SafeTensors.load(r.maskFile());
            Map<String, Tensor> model = SafeTensors.load(r.modelFile());
            assertEquals(10, masks.size(), "a weight and a bias mask per layer: " + masks.keySet());
            for (int i = 0; i < LAYERS.length; i++) {
                String layer = LAYERS[i];
                float[] mask = values(masks.get(layer + ".weight_mask"));
                assertEquals(n[i], mask.length);
                assertEquals(pruned[i], zeros(mask, 0, mask.length), layer);
                // The pruned weights are exactly the floor(0.8·n) of smallest |w| in the starting weights
                // (ties: lower index first), computed here independently of the pruner.
                float[] w0 = baseline.get(layer);
                Integer[] order = new Integer[w0.length];
                for (int k = 0; k < order.length; k++) {
                    order[k] = k;
                }
                java.util.Arrays.sort(order, java.util.Comparator.<Integer>comparingDouble(k -> Math.abs(w0[k]))
                        .thenComparingInt(k -> k));
                boolean[] expectPruned = new boolean[w0.length];
                for (int k = 0; k < pruned[i]; k++) {
                    expectPruned[order[k]] = true;
                }
                for (int k = 0; k < w0.length; k++) {
                    assertEquals(expectPruned[k], mask[k] == 0f, layer + ".weight[" + k + "] |w| = " + Math.abs(w0[k]));
                }
                assertEquals((double) pruned[i] / n[i], r.layerSparsity().get(layer), 1e-12, layer);
                float[] bias = values(masks.get(layer + ".bias_mask"));
                assertEquals(0, zeros(bias, 0, bias.length), layer + ": biases are not pruned");
                float[] w = values(model.get(layer + ".weight"));
                for (int k = 0; k < w.length; k++) {
                    if (mask[k] == 0f) {
                        assertTrue(w[k] == 0f, layer + ".weight[" + k + "] is pruned, exported as ±0, got " + w[k]);
                    }
                }
            }
        }
        // The exported masked weights, loaded into a plain LeNet-5, compute exactly what the wrapped model did.
        try (LeNet5 fresh = new LeNet5(); Dataset test = args.testSet(); PointerScope scope = new PointerScope()) {
            fresh.loadStateDict(SafeTensors.load(r.modelFile()), true);
            assertEquals(r.prunedAccuracy(), SampleArgs.accuracy(fresh, SampleArgs.testLoader(test)));
        }
    }
}
