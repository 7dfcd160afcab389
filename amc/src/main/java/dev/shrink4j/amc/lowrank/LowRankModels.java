package dev.shrink4j.amc.lowrank;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Files of low-rank models: the state dict (with the pairs' keys, {@code conv2.0.weight} …) and, in
 * {@code __metadata__} under {@value #LOW_RANK_LAYERS}, each decomposed layer's rank and form
 * ({@code {"conv2": {"form": "svd", "rank": 7}, "fc1": {"form": "svd", "rank": 46}}}), next to what the caller records
 * (architecture, dataset). {@link #load} rebuilds the pairs in a fresh model of the architecture and loads the
 * weights, so a decomposed model comes back from its file alone plus its architecture. In PyTorch: replace each
 * listed layer by {@code nn.Sequential} of the two convolutions (or linears) of those shapes, then
 * {@code load_state_dict}.
 */
public final class LowRankModels {

    /** The metadata key of the decomposed layers. */
    public static final String LOW_RANK_LAYERS = "low_rank_layers";

    private LowRankModels() {
    }

    /** The decomposed layers of {@code model}: name → {@code {"form": "svd"|"vh", "rank": r}}, in model order. */
    public static JsonObject describe(Module model) {
        JsonObject out = new JsonObject();
        model.namedModules().forEach((name, m) -> {
            if (!(m instanceof LowRankPair pair)) {
                return;
            }
            boolean vh = m instanceof LowRankConv2d conv && conv.verticalHorizontal();
            JsonObject o = new JsonObject();
            o.addProperty("form", (vh ? LowRankMethod.VH : LowRankMethod.SVD).configName());
            o.addProperty("rank", pair.rank());
            out.add(name, o);
        });
        return out;
    }

    /** Writes {@code model}'s state dict and its decomposed layers to {@code file} (atomically, as SafeTensors does). */
    public static void save(Module model, ModelMetadata metadata, Path file) throws IOException {
        SafeTensors.save(model.stateDict(), metadata.with(LOW_RANK_LAYERS, describe(model).toString()).asMap(), file);
    }

    /**
     * Decomposes {@code architecture} (a fresh model of the architecture {@code file} was saved from) at the ranks
     * the file records and loads its state dict strictly.
     *
     * @return {@code architecture}, decomposed and loaded
     * @throws IllegalArgumentException naming the file when it records no low-rank layers or they do not fit
     */
    public static Module load(Path file, Module architecture) throws IOException {
        String recorded = ModelMetadata.read(file).get(LOW_RANK_LAYERS).orElseThrow(() -> new IllegalArgumentException(
                file + " records no low-rank layers (__metadata__ \"" + LOW_RANK_LAYERS + "\")"));
        try (PointerScope scope = new PointerScope()) {
            Map<String, JsonElement> layers = new LinkedHashMap<>(JsonParser.parseString(recorded).getAsJsonObject().asMap());
            for (Map.Entry<String, JsonElement> e : layers.entrySet()) {
                JsonObject o = e.getValue().getAsJsonObject();
                LowRankMethod form = LowRankMethod.fromConfig(o.get("form").getAsString());
                // the values are placeholders: the state dict below overwrites them
                LayerDecomposer.Result r = LayerDecomposer.decompose(e.getKey(), architecture.getSubmodule(e.getKey()),
                        form, o.get("rank").getAsLong(), null);
                ModuleSurgery.replace(architecture, e.getKey(), r.replacement()).close();
            }
            Map<String, Tensor> state = SafeTensors.load(file);
            architecture.loadStateDict(state, true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return architecture;
    }
}
