package dev.shrink4j.nn.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The channel widths of a model's resizable layers, as a shrunk model's file records them in
 * {@code __metadata__} ({@value ModelMetadata#LAYER_WIDTHS}), so that the architecture can be rebuilt at
 * those widths without the masks or the original model. One JSON object per layer, with PyTorch's
 * constructor argument names:
 * <pre>
 * {"conv1": {"in_channels": 1, "out_channels": 3, "groups": 1}, "bn1": {"num_features": 3},
 *  "fc1": {"in_features": 75, "out_features": 60}, "layer2.0.shortcut": {"in_channels": 8, "before": 4, "after": 4}}
 * </pre>
 * {@code Conv2d}: {@code in_channels}, {@code out_channels}, {@code groups}; {@code Linear}:
 * {@code in_features}, {@code out_features}; {@code BatchNorm1d/2d}: {@code num_features}; {@code ChannelPad}:
 * {@code in_channels}, {@code before}, {@code after}. A PyTorch user builds the same architecture with these
 * arguments and loads the state dict as usual.
 */
public final class LayerWidths {

    /** Field of {@code Conv2d} and {@code ChannelPad}. */
    public static final String IN_CHANNELS = "in_channels";
    /** Field of {@code Conv2d}. */
    public static final String OUT_CHANNELS = "out_channels";
    /** Field of {@code Conv2d}. */
    public static final String GROUPS = "groups";
    /** Field of {@code Linear}. */
    public static final String IN_FEATURES = "in_features";
    /** Field of {@code Linear}. */
    public static final String OUT_FEATURES = "out_features";
    /** Field of {@code BatchNorm}. */
    public static final String NUM_FEATURES = "num_features";
    /** Field of {@code ChannelPad}: zero channels in front. */
    public static final String BEFORE = "before";
    /** Field of {@code ChannelPad}: zero channels behind. */
    public static final String AFTER = "after";

    private LayerWidths() {
    }

    /** The widths of every {@code Conv2d}, {@code Linear}, {@code BatchNorm} and {@code ChannelPad} of {@code model}, in module order. */
    public static Map<String, Map<String, Long>> of(Module model) {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        model.namedModules().forEach((name, m) -> {
            Map<String, Long> w = widths(m);
            if (w != null) {
                out.put(name, w);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Long> widths(Module m) {
        Map<String, Long> w = new LinkedHashMap<>();
        if (m instanceof Conv2d c) {
            w.put(IN_CHANNELS, c.inChannels());
            w.put(OUT_CHANNELS, c.outChannels());
            w.put(GROUPS, c.groups());
        } else if (m instanceof Linear l) {
            w.put(IN_FEATURES, l.inFeatures());
            w.put(OUT_FEATURES, l.outFeatures());
        } else if (m instanceof BatchNorm bn) {
            w.put(NUM_FEATURES, bn.numFeatures());
        } else if (m instanceof ChannelPad pad) {
            w.put(IN_CHANNELS, pad.inChannels());
            w.put(BEFORE, pad.before());
            w.put(AFTER, pad.after());
        } else {
            return null;
        }
        return w;
    }

    /** The widths as one line of JSON (the format above). */
    public static String toJson(Map<String, Map<String, Long>> widths) {
        JsonObject root = new JsonObject();
        widths.forEach((layer, fields) -> {
            JsonObject o = new JsonObject();
            fields.forEach(o::addProperty);
            root.add(layer, o);
        });
        return root.toString();
    }

    /**
     * Reads widths written by {@link #toJson}.
     *
     * @throws IllegalArgumentException naming {@value ModelMetadata#LAYER_WIDTHS} and the layer or field when the
     *                                  text is not strict JSON, not an object of objects, or a value is not a
     *                                  non-negative integer
     */
    public static Map<String, Map<String, Long>> parse(String json) {
        String where = ModelMetadata.LAYER_WIDTHS;
        JsonElement root;
        try {
            root = StrictJson.parse(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException(where + " must be a JSON object of layers, got " + shortText(root));
        }
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> layer : root.getAsJsonObject().entrySet()) {
            if (!layer.getValue().isJsonObject()) {
                throw new IllegalArgumentException(where + "." + layer.getKey() + " must be an object of widths, got "
                        + shortText(layer.getValue()));
            }
            Map<String, Long> fields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> f : layer.getValue().getAsJsonObject().entrySet()) {
                fields.put(f.getKey(), count(where + "." + layer.getKey() + "." + f.getKey(), f.getValue()));
            }
            out.put(layer.getKey(), Collections.unmodifiableMap(fields));
        }
        return Collections.unmodifiableMap(out);
    }

    private static long count(String where, JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                long v = new BigDecimal(e.getAsJsonPrimitive().getAsString()).longValueExact();
                if (v >= 0) {
                    return v;
                }
            } catch (ArithmeticException | NumberFormatException ignored) {
                // reported below with the text the file holds
            }
        }
        throw new IllegalArgumentException(where + " must be a non-negative integer, got " + shortText(e));
    }

    private static String shortText(JsonElement e) {
        String s = e.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /**
     * Resizes {@code model}'s layers to {@code widths} (keeping each layer's first channels; the values are
     * meant to be overwritten by loading the shrunk state dict). Every layer named must exist, have the
     * fields its type records, and be no wider than it is; a depthwise convolution stays depthwise
     * ({@code groups = in = out}) and an ungrouped one ungrouped. All problems are collected first; then
     * nothing changes.
     *
     * @throws IllegalArgumentException listing every problem, naming {@value ModelMetadata#LAYER_WIDTHS} and the layer
     */
    public static void apply(Module model, Map<String, Map<String, Long>> widths) {
        Map<String, Module> modules = model.namedModules();
        List<String> problems = new ArrayList<>();
        widths.forEach((layer, fields) -> {
            Module m = modules.get(layer);
            Map<String, Long> current = m == null ? null : widths(m);
            if (current == null) {
                problems.add(layer + ": " + (m == null ? "the model has no such layer"
                        : "a " + m.typeName() + " has no channel widths"));
            } else if (!fields.keySet().equals(current.keySet())) {
                problems.add(layer + ": a " + m.typeName() + " records " + current.keySet() + ", got " + fields.keySet());
            } else {
                String bad = check(m, current, fields);
                if (bad != null) {
                    problems.add(layer + ": " + bad);
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(ModelMetadata.LAYER_WIDTHS + " does not fit " + model.typeName() + ":\n  "
                    + String.join("\n  ", problems));
        }
        widths.forEach((layer, fields) -> resize(modules.get(layer), fields));
    }

    private static String check(Module m, Map<String, Long> current, Map<String, Long> wanted) {
        if (m instanceof ChannelPad) {
            return wanted.get(IN_CHANNELS) > 0 ? null : IN_CHANNELS + " must be positive, got " + wanted.get(IN_CHANNELS);
        }
        for (Map.Entry<String, Long> f : wanted.entrySet()) {
            if (!f.getKey().equals(GROUPS) && (f.getValue() < 1 || f.getValue() > current.get(f.getKey()))) {
                return f.getKey() + " " + f.getValue() + " is outside [1, " + current.get(f.getKey()) + "] (the architecture's"
                        + " width)";
            }
        }
        if (m instanceof Conv2d c) {
            long groups = wanted.get(GROUPS);
            boolean depthwise = c.groups() > 1 && c.groups() == c.inChannels() && c.groups() == c.outChannels();
            if (depthwise ? groups != wanted.get(IN_CHANNELS) || groups != wanted.get(OUT_CHANNELS)
                    : c.groups() == 1 ? groups != 1 : !wanted.equals(current)) {
                return "groups " + groups + " with " + wanted.get(IN_CHANNELS) + " in and " + wanted.get(OUT_CHANNELS)
                        + " out channels does not fit a convolution built with " + current;
            }
        }
        return null;
    }

    private static void resize(Module m, Map<String, Long> w) {
        if (m instanceof Conv2d c) {
            boolean depthwise = c.groups() > 1;
            c.keepChannels(first(w.get(OUT_CHANNELS), c.outChannels()), depthwise ? null : first(w.get(IN_CHANNELS), c.inChannels()));
        } else if (m instanceof Linear l) {
            l.keepFeatures(first(w.get(OUT_FEATURES), l.outFeatures()), first(w.get(IN_FEATURES), l.inFeatures()));
        } else if (m instanceof BatchNorm bn) {
            long[] kept = first(w.get(NUM_FEATURES), bn.numFeatures());
            if (kept != null) {
                bn.keepChannels(kept);
            }
        } else {
            ((ChannelPad) m).setWidths(w.get(IN_CHANNELS), w.get(BEFORE), w.get(AFTER));
        }
    }

    /** {@code 0 … n-1}, or null when that is every channel already. */
    private static long[] first(long n, long current) {
        return n == current ? null : LongStream.range(0, n).toArray();
    }
}
