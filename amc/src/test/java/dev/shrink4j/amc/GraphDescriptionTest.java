package dev.shrink4j.amc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.amc.channel.ChannelPruning;
import dev.shrink4j.amc.lowrank.LayerDecomposer;
import dev.shrink4j.amc.lowrank.LowRankMethod;
import dev.shrink4j.amc.lowrank.ModuleSurgery;
import dev.shrink4j.graph.GraphDescription;
import dev.shrink4j.graph.GraphEdge;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphDescriptionTest {

    private static Map<String, JsonObject> byName(JsonObject description) {
        Map<String, JsonObject> out = new LinkedHashMap<>();
        for (JsonElement e : description.getAsJsonArray("nodes")) {
            out.put(e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject());
        }
        return out;
    }

    private static List<Long> longs(JsonArray a) {
        List<Long> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsLong()));
        return out;
    }

    /** LeNet-5 with half the input channels of conv2, fc1, fc2 and fc3 pruned and the model shrunk. */
    private static LeNet5 prunedLeNet5() {
        torch.manual_seed(1);
        LeNet5 model = new LeNet5();
        torch.manual_seed(2);
        List<Tensor> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(torch.randn(64, 1, 28, 28));
        }
        Map<String, Double> half = new LinkedHashMap<>();
        for (String layer : List.of("conv2", "fc1", "fc2", "fc3")) {
            half.put(layer, 0.5);
        }
        ChannelPruning.builder().setModel(model).setSampleBatches(images).setLayerRatios(half).build().prune();
        return model;
    }

    @Test
    void channelPrunedLeNet5HasTheShrunkWidthsTheProfilersFlopsAndTheTracedEdges(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope(); LeNet5 model = prunedLeNet5()) {
            Path file = dir.resolve(GraphDescription.FILE);
            GraphDescription.write(model, new long[] {1, 1, 28, 28}, file);
            JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            Map<String, JsonObject> nodes = byName(json);

            JsonObject conv1 = nodes.get("conv1");
            assertEquals("Conv2d", conv1.get("op_type").getAsString());
            assertEquals(1, conv1.get("in_channels").getAsLong());
            assertEquals(3, conv1.get("out_channels").getAsLong());          // 6 → 3: conv2 kept 3 input channels
            assertEquals(List.of(1L, 1L, 28L, 28L), longs(conv1.getAsJsonArray("input_shapes").get(0).getAsJsonArray()));
            assertEquals(List.of(1L, 3L, 28L, 28L), longs(conv1.getAsJsonArray("output_shape")));
            assertEquals(List.of(2L, 2L), longs(conv1.getAsJsonArray("padding")));
            assertEquals(3 * 25 + 3, conv1.get("params").getAsLong());
            JsonObject conv2 = nodes.get("conv2");
            assertEquals(3, conv2.get("in_channels").getAsLong());
            assertEquals(8, conv2.get("out_channels").getAsLong());
            assertEquals(200, nodes.get("fc1").get("in_features").getAsLong()); // 8 channels × 25 positions
            assertEquals(60, nodes.get("fc1").get("out_features").getAsLong());
            assertEquals(42, nodes.get("fc2").get("out_features").getAsLong());
            assertEquals(42, nodes.get("fc3").get("in_features").getAsLong());
            assertEquals(200L * 60 + 60, nodes.get("fc1").get("params").getAsLong());

            // FLOPs by hand (MACs + bias adds; ReLU per input element, pooling per output element)
            Map<String, Long> flops = new LinkedHashMap<>();
            flops.put("conv1", 3L * 784 * 25 + 3 * 784);
            flops.put("relu1", 3L * 784);
            flops.put("pool1", 3L * 196);
            flops.put("conv2", 8L * 100 * 3 * 25 + 8 * 100);
            flops.put("relu2", 8L * 100);
            flops.put("pool2", 8L * 25);
            flops.put("flatten", 0L);
            flops.put("fc1", 60L * 200 + 60);
            flops.put("relu3", 60L);
            flops.put("fc2", 42L * 60 + 42);
            flops.put("relu4", 42L);
            flops.put("fc3", 10L * 42 + 10);
            long total = 0;
            for (Map.Entry<String, Long> e : flops.entrySet()) {
                assertEquals(e.getValue(), nodes.get(e.getKey()).get("flops").getAsLong(), e.getKey());
                total += e.getValue();
            }
            assertEquals(total, json.get("flops").getAsLong());
            assertEquals(141_046, total);   // GraphDescription's Javadoc example
            assertEquals(15_738, json.get("params").getAsLong());
            assertEquals(ModelProfiler.profile(model, 1, 1, 28, 28).totalFlops(), json.get("flops").getAsLong());
            assertEquals(model.parameterCount(), json.get("params").getAsLong());
            assertEquals(List.of(1L, 10L), longs(json.getAsJsonArray("output_shape")));

            // the edges are the traced graph's, in its order, with its shapes
            ModelGraph graph = ModelGraph.trace(model, torch.zeros(1, 1, 28, 28));
            JsonArray edges = json.getAsJsonArray("edges");
            assertEquals(graph.edges().size(), edges.size());
            for (int i = 0; i < edges.size(); i++) {
                GraphEdge expected = graph.edges().get(i);
                JsonObject edge = edges.get(i).getAsJsonObject();
                assertEquals(expected.source().name(), edge.get("source").getAsString());
                assertEquals(expected.target().name(), edge.get("target").getAsString());
                assertEquals(expected.inputIndex(), edge.get("input_index").getAsInt());
                assertEquals(expected.shape(), longs(edge.getAsJsonArray("shape")));
            }
            assertEquals(13, edges.size());   // input → conv1 → … → fc3 → output: a chain of 12 modules
            assertEquals(List.of(1L, 200L), longs(edges.get(7).getAsJsonObject().getAsJsonArray("shape"))); // flatten → fc1
            assertEquals("<input>", edges.get(0).getAsJsonObject().get("source").getAsString());
            assertEquals("<output>", edges.get(12).getAsJsonObject().get("target").getAsString());
            assertFalse(Files.list(dir).anyMatch(p -> !p.equals(file)), "only graph.json: the temporary file was renamed");
        }
    }

    @Test
    void lowRankHalvesGiveTheirRankAndTheirPair() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            LeNet5 model = new LeNet5();
            LayerDecomposer.Result r = LayerDecomposer.decompose("conv2", model.getSubmodule("conv2"), LowRankMethod.SVD, 4, null);
            ModuleSurgery.replace(model, "conv2", r.replacement()).close();
            Map<String, JsonObject> nodes = byName(GraphDescription.describe(model, 1, 1, 28, 28));
            assertFalse(nodes.containsKey("conv2"), "the pair's halves are the nodes");
            JsonObject first = nodes.get("conv2.0");
            JsonObject second = nodes.get("conv2.1");
            assertEquals(4, first.get("out_channels").getAsLong());
            assertEquals(4, second.get("in_channels").getAsLong());
            assertEquals(16, second.get("out_channels").getAsLong());
            assertEquals("conv2", first.get("parent").getAsString());
            assertEquals("Sequential", second.get("parent_type").getAsString());   // LowRankConv2d's type name
            assertFalse(nodes.get("conv1").has("parent"), "a top-level layer has none");
            // 5×5 conv 6 → 4 without bias at 10×10, then 1×1 conv 4 → 16 with bias
            assertEquals(4L * 100 * 6 * 25, first.get("flops").getAsLong());
            assertEquals(16L * 100 * 4 + 16 * 100, second.get("flops").getAsLong());
            model.close();
        }
    }

    @Test
    void aBadInputShapeIsRefusedNamingIt() {
        try (LeNet5 model = new LeNet5()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GraphDescription.describe(model, 1, 0, 28, 28));
            assertEquals("graph description: input shape must be non-empty and positive, got [1, 0, 28, 28]", e.getMessage());
        }
    }
}
