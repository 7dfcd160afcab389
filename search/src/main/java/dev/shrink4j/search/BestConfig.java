package dev.shrink4j.search;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.env.PrunableLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * A search's best keep ratios as the {@code channel-pruning} config that {@code prune --config} (and
 * {@link dev.shrink4j.algorithms.CompressionConfig}) takes: what {@code search --out} writes as
 * {@code best-config.json}.
 */
public final class BestConfig {

    private BestConfig() {
    }

    /**
     * The {@code channel-pruning} config for {@code ratios}: one entry per prunable layer with its
     * {@code compress_ratio} (the kept share of its input channels, so of its FLOPs, as AMC defines the preserve
     * ratio), and one entry without a ratio selecting the other Conv2d/Linear layers so that every producer of removed
     * channels has masks. No layer is in two entries; each reading layer keeps the input channels of largest weight-column
     * L1 norm ({@code "selection": "l1"}), as a search with {@code reconstruct} scored them.
     *
     * @param env    the environment the ratios were searched in (its prunable layers, in the order of the ratios)
     * @param ratios the keep ratio per prunable layer
     * @return the config as pretty-printed JSON, ending with a newline
     */
    public static String channelPruning(ChannelPruningEnv env, double[] ratios) {
        List<String> names = env.prunableLayerNames();
        if (ratios.length != names.size()) {
            throw new IllegalArgumentException(ratios.length + " ratios for the " + names.size() + " prunable layers " + names);
        }
        JsonArray list = new JsonArray();
        for (int i = 0; i < names.size(); i++) {
            list.add(entry(List.of(names.get(i)), ratios[i]));
        }
        List<String> others = new ArrayList<>();
        for (PrunableLayer l : env.layers()) {
            if (!names.contains(l.name())) {
                others.add(l.name());
            }
        }
        if (!others.isEmpty()) {
            list.add(entry(others, null));
        }
        JsonObject root = new JsonObject();
        root.addProperty("pruner", "channel-pruning");
        root.addProperty("selection", "l1");
        root.add("config_list", list);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
    }

    private static JsonObject entry(List<String> layers, Double compressRatio) {
        JsonObject entry = new JsonObject();
        JsonArray op = new JsonArray();
        layers.forEach(op::add);
        entry.add("op_names", op);
        if (compressRatio != null) {
            entry.addProperty("compress_ratio", compressRatio);
        }
        return entry;
    }
}
