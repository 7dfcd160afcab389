package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
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

    @Test
    void masksOfAnotherDtypeOrWithValuesOtherThanZeroAndOneAreRefusedAndNothingIsApplied(@TempDir Path dir)
            throws IOException {
        try (LeNet5 net = new LeNet5()) {
            Tensor before = net.fc2.weight().detach().clone();
            Map<String, Tensor> m = new java.util.LinkedHashMap<>();
            m.put("fc2.weight_mask", torch.ones(84, 120)); // valid: would zero nothing, must not be applied either
            m.put("conv1.weight_mask", torch.ones(6, 1, 5, 5).to(torch.ScalarType.Double));
            m.put("conv1.bias_mask", torch.ones(6).gt(new org.bytedeco.pytorch.Scalar(0)));
            Tensor half = torch.ones(120, 400);
            half.get(3).get(7).fill_(new org.bytedeco.pytorch.Scalar(0.5)); // element 3·400 + 7 = 1207
            half.get(5).get(0).fill_(new org.bytedeco.pytorch.Scalar(2.0));
            m.put("fc1.weight_mask", half);
            Tensor nan = torch.zeros(10);
            nan.get(9).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            m.put("fc3.bias_mask", nan);
            Path masks = dir.resolve("masks.safetensors");
            SafeTensors.save(m, masks);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Pruner.applyCompressionResults(net, masks));
            assertEquals(masks + " does not fit LeNet5:\n"
                    + "  conv1.weight_mask: mask has float64, conv1.weight has float32\n"
                    + "  conv1.bias_mask: mask has bool, conv1.bias has float32\n"
                    + "  fc1.weight_mask: element 1207 is 0.5 (2 of 48000 values are neither 0 nor 1)\n"
                    + "  fc3.bias_mask: element 9 is NaN (1 of 10 values are neither 0 nor 1)", e.getMessage());
            assertTrue(torch.equal(before, net.fc2.weight()), "no mask applied when any is bad");
        }
    }

    @Test
    void corruptMaskFileIsASafeTensorsExceptionNamingTheFile(@TempDir Path dir) throws IOException {
        try (LeNet5 net = new LeNet5()) {
            Path masks = dir.resolve("masks.safetensors");
            Files.write(masks, "not a safetensors file at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            dev.shrink4j.nn.io.SafeTensorsException e = assertThrows(dev.shrink4j.nn.io.SafeTensorsException.class,
                    () -> Pruner.applyCompressionResults(net, masks));
            assertEquals(masks, e.file());
            assertEquals(masks + ": header length 7021991845529153390 exceeds the limit of 100000000 bytes"
                    + " (not a safetensors file?)", e.getMessage());
        }
    }

    @Test
    void compressorStateDictRefusesMasksWithValuesOtherThanZeroAndOne() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5();
                HalfPruner pa = new HalfPruner(a, ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]"));
                HalfPruner pb = new HalfPruner(b, ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]"))) {
            pa.compress();
            pb.compress();
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
            pa.stateDict().forEach((k, v) -> sd.put(k, v.detach().clone()));
            sd.get("fc1.weight_mask").get(0).get(1).fill_(new org.bytedeco.pytorch.Scalar(0.25));
            sd.put("fc1.bias_mask", sd.get("fc1.bias_mask").to(torch.ScalarType.Double));
            Tensor maskBefore = pb.getWrapper("fc1").getBuffer("weight_mask").clone();
            dev.shrink4j.nn.StateDictException e = assertThrows(dev.shrink4j.nn.StateDictException.class,
                    () -> pb.loadModelStateDict(sd));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  dtype mismatch for fc1.bias_mask: checkpoint has float64, the wrapper has float32\n"
                    + "  invalid values in fc1.weight_mask: element 1 is 0.25 (1 of 48000 values are neither 0 nor 1)",
                    e.getMessage());
            assertTrue(torch.equal(maskBefore, pb.getWrapper("fc1").getBuffer("weight_mask")));
        }
    }
}
