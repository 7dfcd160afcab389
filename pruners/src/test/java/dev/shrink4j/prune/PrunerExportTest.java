package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.zoo.LeNet5;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrunerExportTest {

    /** Prunes every element whose |w| is below the layer's median: a simple deterministic pruner. */
    static final class HalfPruner extends Pruner {
        HalfPruner(LeNet5 model, ConfigList configList) {
            super(model, configList, null, (s, w) -> new Masks(Ranking.keepMask(w.weight().abs(), s),
                    w.bias() == null ? null : torch.ones_like(w.bias())));
        }
    }

    @Test
    void exportWritesMaskedWeightsUnderOriginalNamesAndMasksThatReapply(@TempDir Path dir) throws IOException {
        torch.manual_seed(3);
        try (LeNet5 net = new LeNet5(); LeNet5 fresh = new LeNet5();
                HalfPruner pruner = new HalfPruner(net, ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\", \"conv2\"]}]"))) {
            fresh.loadStateDict(net.stateDict(), true);
            pruner.compress();
            Path model = dir.resolve("model.safetensors");
            Path masks = dir.resolve("masks.safetensors");
            pruner.exportModel(model, masks);
            Map<String, Tensor> weights = SafeTensors.load(model);
            assertEquals(new ArrayList<>(net.stateDict().keySet()), new ArrayList<>(weights.keySet()));
            assertEquals(24000, weights.get("fc1.weight").eq(new org.bytedeco.pytorch.Scalar(0f)).sum().item_long(),
                    "floor(48000 * 0.5) zeros");
            Map<String, Tensor> m = SafeTensors.load(masks);
            assertEquals(List.of("conv2.weight_mask", "conv2.bias_mask", "fc1.weight_mask", "fc1.bias_mask"),
                    new ArrayList<>(m.keySet()));
            assertEquals(4, Pruner.applyCompressionResults(fresh, masks));
            fresh.stateDict().forEach((k, t) -> assertTrue(torch.equal(weights.get(k), t), k));
            assertArrayEquals(new String[0], dir.toFile().list((d, n) -> n.endsWith(".tmp")), "no temp files left");
        }
    }

    @Test
    void masksThatDoNotFitAreAllReported(@TempDir Path dir) throws IOException {
        try (LeNet5 net = new LeNet5()) {
            Path masks = dir.resolve("masks.safetensors");
            SafeTensors.save(Map.of("fc9.weight_mask", torch.ones(2), "fc1.weight_mask", torch.ones(3)), masks);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pruner.applyCompressionResults(net, masks));
            assertTrue(e.getMessage().contains("fc9.weight_mask: the model has no parameter \"fc9.weight\""), e.getMessage());
            assertTrue(e.getMessage().contains("fc1.weight_mask: mask has shape [3], fc1.weight has [120, 400]"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("model.safetensors")));
        }
    }
}
