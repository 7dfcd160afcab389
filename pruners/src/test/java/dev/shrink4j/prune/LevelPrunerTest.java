package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.TensorValues;
import dev.shrink4j.workbench.zoo.LeNet5;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LevelPrunerTest {

    @Test
    void prunesTheSmallestMagnitudesLowerIndexFirstOnTies() {
        try (PrunerTest.OneLinear m = new PrunerTest.OneLinear(); LevelPruner p = new LevelPruner(m,
                ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]"))) {
            // |w| = .5 .1 2 .1 | 3 1 .2 .2 → floor(8·.5) = 4 pruned: .1 (1), .1 (3), then the tied .2s (6, 7)
            TensorValues.set(m.fc.weight(), new float[] {0.5f, -0.1f, 2f, 0.1f, -3f, 1f, 0.2f, -0.2f});
            p.compress();
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 0, 0}, TensorValues.values(p.weightMask("fc")));
            assertArrayEquals(new float[] {1, 1}, TensorValues.values(p.getWrapper("fc").getBuffer(Pruner.BIAS_MASK)),
                    "the bias is not pruned");
        }
    }

    @Test
    void ranksTheAlreadyMaskedWeightSoPrunedElementsStayPruned() {
        try (PrunerTest.OneLinear m = new PrunerTest.OneLinear(); LevelPruner p = new LevelPruner(m,
                ConfigList.fromJson("[{\"sparsity\": 0.25, \"op_types\": [\"Linear\"]}]"))) {
            TensorValues.set(m.fc.weight(), new float[] {8, 7, 6, 5, 4, 3, 2, 1});
            p.compress();
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 0, 0}, TensorValues.values(p.weightMask("fc")));
            // the stored weights of the pruned elements grow: |w·m| is still 0, so they stay pruned
            TensorValues.set(m.fc.weight(), new float[] {8, 7, 6, 5, 4, 3, 20, 10});
            p.updateMask();
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 0, 0}, TensorValues.values(p.weightMask("fc")));
        }
    }

    @Test
    void actualSparsityEqualsTheTargetOnEveryLayer() {
        torch.manual_seed(5);
        try (LeNet5 net = new LeNet5(); LevelPruner p = new LevelPruner(net,
                ConfigList.fromJson("[{\"sparsity\": 0.8, \"op_types\": [\"default\"]}]"))) {
            p.compress();
            p.masks().forEach((key, mask) -> {
                if (key.endsWith(Pruner.WEIGHT_MASK)) {
                    long n = mask.numel();
                    assertEquals((long) Math.floor(n * 0.8), mask.eq(new Scalar(0f)).sum().item_long(), key);
                }
            });
            assertEquals(java.util.List.of("conv1", "conv2", "fc1", "fc2", "fc3"),
                    new java.util.ArrayList<>(p.layerSparsity().keySet()));
        }
    }
}
