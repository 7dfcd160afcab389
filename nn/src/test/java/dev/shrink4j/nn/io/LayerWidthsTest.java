package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerWidthsTest {

    static Sequential small() {
        return new Sequential(new Conv2d(1, 4, 1), new BatchNorm2d(4),
                Conv2d.builder().setInChannels(4).setOutChannels(4).setKernelSize(1).optGroups(4).build(),
                new ChannelPad(4, 2, 2, 1), new Flatten(), new Linear(8, 3));
    }

    @Test
    void recordsEveryResizableLayerAsJson() {
        try (Sequential net = small()) {
            String json = LayerWidths.toJson(LayerWidths.of(net));
            assertEquals("{\"0\":{\"in_channels\":1,\"out_channels\":4,\"groups\":1},\"1\":{\"num_features\":4},"
                    + "\"2\":{\"in_channels\":4,\"out_channels\":4,\"groups\":4},\"3\":{\"in_channels\":4,\"before\":2,\"after\":2},"
                    + "\"5\":{\"in_features\":8,\"out_features\":3}}", json);
            assertEquals(LayerWidths.of(net), LayerWidths.parse(json));
            assertEquals(json, ModelMetadata.empty().withLayerWidths(net).get(ModelMetadata.LAYER_WIDTHS).orElseThrow());
        }
    }

    @Test
    void appliesWidthsKeepingTheFirstChannels() {
        try (Sequential net = small(); Sequential target = small()) {
            ((Conv2d) net.get(0)).keepChannels(new long[] {1, 3}, null);
            ((BatchNorm2d) net.get(1)).keepChannels(new long[] {1, 3});
            ((Conv2d) net.get(2)).keepChannels(new long[] {1, 3}, null);
            ((ChannelPad) net.get(3)).setWidths(2, 1, 0);
            ((Linear) net.get(5)).keepFeatures(null, new long[] {0, 1, 2});
            LayerWidths.apply(target, LayerWidths.parse(LayerWidths.toJson(LayerWidths.of(net))));
            assertEquals(LayerWidths.of(net), LayerWidths.of(target));
            assertEquals(2, ((Conv2d) target.get(2)).groups());
            assertArrayEquals(new long[] {3, 3}, target.stateDict().get("5.weight").shape());
            assertTrue(target.loadStateDict(net.stateDict(), true).missingKeys().isEmpty());
        }
    }

    @Test
    void rejectsWidthsThatDoNotFitAndChangesNothing() {
        try (Sequential net = small()) {
            Map<String, Map<String, Long>> widths = LayerWidths.parse("{\"0\": {\"in_channels\": 1, \"out_channels\": 9,"
                    + " \"groups\": 1}, \"1\": {\"in_features\": 2}, \"2\": {\"in_channels\": 2, \"out_channels\": 2, \"groups\": 1},"
                    + " \"4\": {\"num_features\": 1}, \"7\": {\"num_features\": 1}, \"5\": {\"in_features\": 0, \"out_features\": 3}}");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerWidths.apply(net, widths));
            assertEquals("layer_widths does not fit Sequential:\n"
                    + "  0: out_channels 9 is outside [1, 4] (the architecture's width)\n"
                    + "  1: a BatchNorm2d records [num_features], got [in_features]\n"
                    + "  2: groups 1 with 2 in and 2 out channels does not fit a convolution built with"
                    + " {in_channels=4, out_channels=4, groups=4}\n"
                    + "  4: a Flatten has no channel widths\n"
                    + "  7: the model has no such layer\n"
                    + "  5: in_features 0 is outside [1, 8] (the architecture's width)", e.getMessage());
            assertEquals(4, ((Conv2d) net.get(0)).outChannels());
        }
    }

    @Test
    void rejectsMalformedText() {
        assertEquals("layer_widths must be a JSON object of layers, got [1]",
                assertThrows(IllegalArgumentException.class, () -> LayerWidths.parse("[1]")).getMessage());
        assertEquals("layer_widths.conv1.groups must be a non-negative integer, got 1.5",
                assertThrows(IllegalArgumentException.class, () -> LayerWidths.parse("{\"conv1\": {\"groups\": 1.5}}"))
                        .getMessage());
        assertEquals("layer_widths.conv1 must be an object of widths, got 3",
                assertThrows(IllegalArgumentException.class, () -> LayerWidths.parse("{\"conv1\": 3}")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerWidths.parse("{\"a\": {}, \"a\": {}}"))
                .getMessage().startsWith("layer_widths is not valid JSON: "));
    }
}
