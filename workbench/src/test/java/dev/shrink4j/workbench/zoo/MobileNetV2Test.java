package dev.shrink4j.workbench.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.TensorDifferences;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MobileNetV2Test {

    private static MobileNetV2 imagenet;

    @BeforeAll
    static void build() {
        imagenet = new MobileNetV2();
    }

    @AfterAll
    static void release() {
        imagenet.close();
    }

    /** BN adds 2 parameters per channel; convs have no bias. */
    private static long convBn(long in, long out, long k, long groups) {
        return in / groups * out * k * k + 2 * out;
    }

    /** The parameter count of torchvision's MobileNetV2, written out block by block from the paper's table. */
    private static long expectedParams(double width, int inChannels, int classes) {
        int[][] settings = {{1, 16, 1}, {6, 24, 2}, {6, 32, 3}, {6, 64, 4}, {6, 96, 3}, {6, 160, 3}, {6, 320, 1}};
        long in = MobileNetV2.makeDivisible(32 * width, 8);
        long total = convBn(inChannels, in, 3, 1);
        for (int[] s : settings) {
            long out = MobileNetV2.makeDivisible(s[1] * width, 8);
            for (int i = 0; i < s[2]; i++) {
                long hidden = in * s[0];
                total += (s[0] == 1 ? 0 : convBn(in, hidden, 1, 1)) + convBn(hidden, hidden, 3, hidden) + convBn(hidden, out, 1, 1);
                in = out;
            }
        }
        long last = MobileNetV2.makeDivisible(1280 * Math.max(1, width), 8);
        return total + convBn(in, last, 1, 1) + last * classes + classes;
    }

    @Test
    void defaultHasTorchvisionsParameterCount() {
        assertEquals(3_504_872L, expectedParams(1.0, 3, 1000));
        assertEquals(3_504_872L, imagenet.parameterCount());
        assertEquals(1280, imagenet.lastChannel());
    }

    @Test
    void stateDictMatchesTorchvisionKeysAndShapes() {
        Map<String, Tensor> sd = imagenet.stateDict();
        assertEquals(314, sd.size());
        List<String> keys = new ArrayList<>(sd.keySet());
        assertEquals(List.of("features.0.0.weight", "features.0.1.weight", "features.0.1.bias", "features.0.1.running_mean",
                "features.0.1.running_var", "features.0.1.num_batches_tracked", "features.1.conv.0.0.weight"), keys.subList(0, 7));
        assertEquals(List.of("features.18.1.num_batches_tracked", "classifier.1.weight", "classifier.1.bias"),
                keys.subList(keys.size() - 3, keys.size()));
        Map<String, long[]> shapes = Map.ofEntries(
                Map.entry("features.0.0.weight", new long[] {32, 3, 3, 3}),
                Map.entry("features.0.1.running_mean", new long[] {32}),
                Map.entry("features.1.conv.0.0.weight", new long[] {32, 1, 3, 3}),
                Map.entry("features.1.conv.1.weight", new long[] {16, 32, 1, 1}),
                Map.entry("features.1.conv.2.weight", new long[] {16}),
                Map.entry("features.2.conv.0.0.weight", new long[] {96, 16, 1, 1}),
                Map.entry("features.2.conv.1.0.weight", new long[] {96, 1, 3, 3}),
                Map.entry("features.2.conv.2.weight", new long[] {24, 96, 1, 1}),
                Map.entry("features.2.conv.3.running_var", new long[] {24}),
                Map.entry("features.2.conv.3.num_batches_tracked", new long[] {}),
                Map.entry("features.14.conv.1.0.weight", new long[] {576, 1, 3, 3}),
                Map.entry("features.17.conv.2.weight", new long[] {320, 960, 1, 1}),
                Map.entry("features.18.0.weight", new long[] {1280, 320, 1, 1}),
                Map.entry("features.18.1.bias", new long[] {1280}),
                Map.entry("classifier.1.weight", new long[] {1000, 1280}),
                Map.entry("classifier.1.bias", new long[] {1000}));
        shapes.forEach((k, shape) -> assertArrayEquals(shape, sd.get(k).shape(), k));
        assertFalse(sd.containsKey("features.1.conv.3.weight"), "t = 1 blocks have no expansion conv");
    }

    @Test
    void residualOnlyWhereStrideOneAndChannelsMatch() {
        List<Boolean> residual = new ArrayList<>();
        for (int i = 1; i <= 17; i++) {
            residual.add(((InvertedResidual) imagenet.features.get(i)).usesResidual());
        }
        // Blocks 1..17: the first block of each (t, c, n, s) row changes channels or stride.
        assertEquals(List.of(false, false, true, false, true, true, false, true, true, true, false, true, true, false, true,
                true, false), residual);
    }

    @Test
    void initialisesLikeTorchvision() {
        assertEquals(0.0, imagenet.classifier.get(1).getParameter("bias").abs().sum().item_double(), 0.0);
        double std = imagenet.classifier.get(1).getParameter("weight").std().item_double();
        assertEquals(0.01, std, 0.0005);
        // features.18.0: kaiming_normal fan_out = 1280 → std sqrt(2/1280).
        assertEquals(Math.sqrt(2.0 / 1280), ((ConvBNReLU6) imagenet.features.get(18)).conv.weight().std().item_double(),
                0.002);
        assertEquals(1.0, ((ConvBNReLU6) imagenet.features.get(0)).bn.weight().min().item_double(), 0.0);
    }

    @ParameterizedTest
    @CsvSource({"32, 8, 32", "16, 8, 16", "8.4, 8, 8", "5.6, 8, 8", "11, 8, 16", "33.6, 8, 32", "1792, 8, 1792", "240, 8, 240"})
    void makeDivisibleRoundsAsTorchvision(double v, long divisor, long expected) {
        assertEquals(expected, MobileNetV2.makeDivisible(v, divisor));
    }

    @Test
    void widthMultiplierAndInputsAreConfigurable() {
        try (MobileNetV2 small = MobileNetV2.builder().optWidthMult(0.5).optInChannels(1).optNumClasses(10).build()) {
            assertEquals(expectedParams(0.5, 1, 10), small.parameterCount());
            assertEquals(1280, small.lastChannel());
            assertArrayEquals(new long[] {16, 1, 3, 3}, small.stateDict().get("features.0.0.weight").shape());
            assertArrayEquals(new long[] {2, 10}, small.call(torch.randn(2, 1, 28, 28)).shape());
        }
    }

    @Test
    void forwardOnSmallImages() {
        imagenet.eval();
        assertArrayEquals(new long[] {2, 1000}, imagenet.call(torch.randn(2, 3, 32, 32)).shape());
        imagenet.train();
        assertArrayEquals(new long[] {2, 1000}, imagenet.call(torch.randn(2, 3, 32, 32)).shape());
        assertTrue(imagenet.isTraining());
    }

    @Test
    void theResidualAddModuleIsBitIdenticalToARawAdd() {
        try (InvertedResidual block = new InvertedResidual(8, 8, 1, 6)) {
            block.eval();
            Tensor x = torch.randn(2, 8, 6, 6);
            assertTrue(block.usesResidual());
            assertTrue(block.namedChildren().containsKey("add"));
            assertArrayEquals(TensorDifferences.rawBytes(x.add(block.conv.call(x))), TensorDifferences.rawBytes(block.call(x)));
        }
        try (InvertedResidual block = new InvertedResidual(8, 16, 1, 6)) {
            assertFalse(block.namedChildren().containsKey("add"), "no Add module without a residual connection");
        }
    }
}
