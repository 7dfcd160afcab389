package dev.shrink4j.workbench.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.TensorDifferences;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResNetTest {

    /** Parameters of a CIFAR ResNet with n blocks per stage, counted layer by layer (BN: 2 per channel). */
    private static long expectedParams(int n, int inChannels, int classes, boolean optionB) {
        long stem = 9L * inChannels * 16 + 2 * 16;
        long stage1 = n * (2 * (9L * 16 * 16 + 2 * 16));
        long stage2 = (9L * 16 * 32 + 2 * 32) + (9L * 32 * 32 + 2 * 32) + (n - 1) * (2 * (9L * 32 * 32 + 2 * 32));
        long stage3 = (9L * 32 * 64 + 2 * 64) + (9L * 64 * 64 + 2 * 64) + (n - 1) * (2 * (9L * 64 * 64 + 2 * 64));
        long projections = optionB ? (16L * 32 + 2 * 32) + (32L * 64 + 2 * 64) : 0;
        return stem + stage1 + stage2 + stage3 + projections + 64L * classes + classes;
    }

    @ParameterizedTest
    @CsvSource({"20, 269722", "32, 464154", "56, 853018"})
    void optionAParameterCountsMatchThePaper(int depth, long published) {
        try (ResNet net = new ResNet(depth, ShortcutOption.A, 3, 10)) {
            assertEquals(published, expectedParams((depth - 2) / 6, 3, 10, false));
            assertEquals(published, net.parameterCount());
        }
    }

    @Test
    void factoriesBuildTheNamedDepths() {
        try (ResNet a = ResNet.resnet20(); ResNet b = ResNet.resnet32(); ResNet c = ResNet.resnet56(1, 100)) {
            assertEquals(269722, a.parameterCount());
            assertEquals(464154, b.parameterCount());
            assertEquals(expectedParams(9, 1, 100, false), c.parameterCount());
            assertEquals(9, c.layer1.size());
        }
    }

    @Test
    void optionBAddsProjectionsWithAkamasterKeys() {
        try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10)) {
            assertEquals(expectedParams(3, 3, 10, true), net.parameterCount());
            assertEquals(269722 + 2752, net.parameterCount());
            Map<String, Tensor> sd = net.stateDict();
            assertArrayEquals(new long[] {32, 16, 1, 1}, sd.get("layer2.0.shortcut.0.weight").shape());
            assertArrayEquals(new long[] {32}, sd.get("layer2.0.shortcut.1.running_var").shape());
            assertArrayEquals(new long[] {64, 32, 1, 1}, sd.get("layer3.0.shortcut.0.weight").shape());
            assertFalse(sd.containsKey("layer2.1.shortcut.0.weight"));
            assertInstanceOf(Sequential.class, ((BasicBlock) net.layer2.get(0)).shortcut);
            assertInstanceOf(Identity.class, ((BasicBlock) net.layer2.get(1)).shortcut);
        }
    }

    @Test
    void stateDictKeysFollowAkamaster() {
        try (ResNet net = ResNet.resnet20()) {
            List<String> keys = new ArrayList<>(net.stateDict().keySet());
            assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                    "bn1.num_batches_tracked", "layer1.0.conv1.weight", "layer1.0.bn1.weight"), keys.subList(0, 8));
            assertEquals(List.of("linear.weight", "linear.bias"), keys.subList(keys.size() - 2, keys.size()));
            assertTrue(keys.contains("layer1.0.conv2.weight"));
            assertTrue(keys.contains("layer3.2.bn2.num_batches_tracked"));
            assertTrue(keys.stream().noneMatch(k -> k.contains("shortcut")), "option A shortcuts hold no state");
            // conv1 + 18 block convs + linear weight/bias = 21 parameters; 19 BN layers with 5 entries each.
            assertEquals(1 + 18 + 2 + 19 * 5, keys.size());
            assertArrayEquals(new long[] {16, 3, 3, 3}, net.stateDict().get("conv1.weight").shape());
            assertArrayEquals(new long[] {10, 64}, net.stateDict().get("linear.weight").shape());
            assertInstanceOf(PadShortcut.class, ((BasicBlock) net.layer3.get(0)).shortcut);
        }
    }

    @Test
    void forwardMapsImagesToLogits() {
        try (ResNet cifar = ResNet.resnet20(); ResNet grey = new ResNet(20, ShortcutOption.B, 1, 7)) {
            assertArrayEquals(new long[] {2, 10}, cifar.call(torch.randn(2, 3, 32, 32)).shape());
            assertArrayEquals(new long[] {2, 7}, grey.call(torch.randn(2, 1, 28, 28)).shape());
            grey.eval();
            assertArrayEquals(new long[] {1, 7}, grey.call(torch.randn(1, 1, 28, 28)).shape());
        }
    }

    @Test
    void padShortcutSubsamplesAndZeroPadsChannels() {
        try (PadShortcut sc = new PadShortcut(2, 4, 2)) {
            // channel 0: 0..15, channel 1: 16..31 on 4x4 grids; keep rows/cols 0 and 2.
            Tensor x = torch.arange(new Scalar(32), new TensorOptions(torch.ScalarType.Float)).reshape(1, 2, 4, 4);
            Tensor y = sc.call(x);
            assertArrayEquals(new long[] {1, 4, 2, 2}, y.shape());
            float[] v = new float[16];
            y.contiguous().data_ptr_float().get(v);
            assertArrayEquals(new float[] {0, 0, 0, 0, 0, 2, 8, 10, 16, 18, 24, 26, 0, 0, 0, 0}, v);
        }
    }

    @Test
    void basicBlockAddsItsInputBack() {
        try (BasicBlock block = new BasicBlock(16, 16, 1, ShortcutOption.A)) {
            block.eval();
            block.conv2.weight().detach().zero_();
            // The residual branch ends in bn2(0) = 0 (eval, running mean 0, β 0): the block is relu(x).
            Tensor x = torch.randn(1, 16, 4, 4);
            assertEquals(0.0, block.call(x).sub(torch.relu(x)).abs().max().item_double(), 0.0);
        }
    }

    @Test
    void rejectsDepthsThatAreNotSixNPlusTwo() {
        assertEquals("ResNet depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110), got 18",
                assertThrows(IllegalArgumentException.class, () -> new ResNet(18, ShortcutOption.A, 3, 10)).getMessage());
    }

    @ParameterizedTest
    @CsvSource({"A", "B"})
    void theResidualAddModuleIsBitIdenticalToARawAdd(ShortcutOption option) {
        try (BasicBlock block = new BasicBlock(16, 32, 2, option)) {
            block.eval();
            Tensor x = torch.randn(2, 16, 8, 8);
            Tensor branch = block.bn2.call(block.conv2.call(block.relu1.call(block.bn1.call(block.conv1.call(x)))));
            Tensor raw = torch.relu(branch.add(block.shortcut.call(x)));
            assertArrayEquals(TensorDifferences.rawBytes(raw), TensorDifferences.rawBytes(block.call(x)));
            assertEquals(Map.of(), block.add.stateDict(), "the Add module holds no state");
        }
    }
}
