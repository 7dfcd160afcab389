package dev.shrink4j.workbench.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class VggTest {

    /** Σ(9·in·v + 2v) over the convs, then Linear(last, hidden), BatchNorm1d(hidden), Linear(hidden, classes). */
    private static long expectedParams(int[] cfg, int in, int hidden, int classes) {
        long total = 0;
        for (int v : cfg) {
            if (v != Vgg.M) {
                total += 9L * in * v + 2L * v;
                in = v;
            }
        }
        return total + (long) in * hidden + hidden + 2L * hidden + (long) hidden * classes + classes;
    }

    @Test
    void defaultSmallVggParameterCount() {
        try (Vgg net = new Vgg()) {
            // 9*(3*32 + 32*64 + 64*128 + 128*256) + 2*(32+64+128+256) + 256*512 + 512 + 1024 + 5120 + 10
            long expected = 9L * (3 * 32 + 32 * 64 + 64 * 128 + 128 * 256) + 2 * (32 + 64 + 128 + 256)
                    + 256 * 512 + 512 + 1024 + 512 * 10 + 10;
            assertEquals(526_634L, expected);
            assertEquals(expected, expectedParams(Vgg.SMALL, 3, 512, 10));
            assertEquals(expected, net.parameterCount());
        }
    }

    @Test
    void vgg16ConfigParameterCount() {
        try (Vgg net = Vgg.builder().optConfig(Vgg.VGG16).build()) {
            assertEquals(expectedParams(Vgg.VGG16, 3, 512, 10), net.parameterCount());
            assertEquals(14_987_722L, net.parameterCount());
        }
    }

    @Test
    void stateDictKeysFollowNnisVgg() {
        try (Vgg net = new Vgg()) {
            Map<String, Tensor> sd = net.stateDict();
            List<String> keys = new ArrayList<>(sd.keySet());
            assertEquals(List.of("feature.0.weight", "feature.1.weight", "feature.1.bias", "feature.1.running_mean",
                    "feature.1.running_var", "feature.1.num_batches_tracked", "feature.4.weight"), keys.subList(0, 7));
            assertArrayEquals(new long[] {64, 32, 3, 3}, sd.get("feature.4.weight").shape());
            assertArrayEquals(new long[] {256, 128, 3, 3}, sd.get("feature.12.weight").shape());
            assertArrayEquals(new long[] {512, 256}, sd.get("classifier.0.weight").shape());
            assertArrayEquals(new long[] {512}, sd.get("classifier.1.running_mean").shape());
            assertArrayEquals(new long[] {10, 512}, sd.get("classifier.3.weight").shape());
            assertEquals(0.5, sd.get("feature.1.weight").min().item_double(), 0.0);
            assertEquals(0.5, sd.get("feature.1.weight").max().item_double(), 0.0);
            assertEquals(1.0, sd.get("classifier.1.weight").min().item_double(), 0.0);
        }
    }

    @Test
    void forwardOnGreyAndColourImages() {
        try (Vgg grey = Vgg.builder().optInChannels(1).build(); Vgg colour = new Vgg()) {
            assertArrayEquals(new long[] {2, 10}, grey.call(torch.randn(2, 1, 28, 28)).shape());
            assertArrayEquals(new long[] {2, 10}, colour.call(torch.randn(2, 3, 32, 32)).shape());
        }
    }

    @Test
    void parsesPythonStyleConfigs() {
        assertArrayEquals(new int[] {64, Vgg.M, 128, Vgg.M}, Vgg.parseConfig("[64, 'M', 128, 'M']"));
        assertArrayEquals(new int[] {8, 8, Vgg.M}, Vgg.parseConfig("8,8,m"));
        assertEquals("Vgg config \"64,X\", entry 1 \"X\": expected a channel count or M",
                assertThrows(IllegalArgumentException.class, () -> Vgg.parseConfig("64,X")).getMessage());
        assertEquals("Vgg config[1] = 0: expected a positive channel count or Vgg.M (-1)",
                assertThrows(IllegalArgumentException.class, () -> Vgg.builder().optConfig(8, 0).build()).getMessage());
        assertEquals("Vgg config [-1] has no convolution",
                assertThrows(IllegalArgumentException.class, () -> Vgg.builder().optConfig(Vgg.M).build()).getMessage());
    }
}
