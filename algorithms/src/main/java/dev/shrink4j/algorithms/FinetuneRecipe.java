package dev.shrink4j.algorithms;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.shrink4j.compress.config.KeySpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fine-tuning settings a config file recommends for its algorithm, its optional {@code "finetune"}
 * object: {@code {"lr": 0.002, "batch_size": 32, "epochs": 0}}. Each is a default that an explicit
 * command-line option ({@code --lr}, {@code --batch-size}, the demo's {@code --finetune-epochs}) overrides;
 * absent, the command's own default holds. {@code epochs} is read by {@code demo} only: {@code prune} and
 * {@code quantize} fine-tune exactly {@code --epochs} (default 0).
 *
 * <p>Why per config: methods recover best at different rates. On LeNet-5/Fashion-MNIST, level pruning to
 * 9.9% of the parameters reached 89.65% in two epochs at Adam 2e-3 in batches of 32 against 89.19% at 1e-3
 * in batches of 64, while DoReFa 4-bit lost 0.36 pt more at 3e-3 than at 1e-3 (README, "Choosing the
 * fine-tune"). Post-training quantization needs no fine-tune at all ({@code "epochs": 0}).
 *
 * @param lr        the Adam learning rate, or null for the command's default
 * @param batchSize the training batch size, or null for the command's default
 * @param epochs    the demo's fine-tuning epochs, or null for its default
 */
public record FinetuneRecipe(Double lr, Integer batchSize, Integer epochs) {

    /** The key of the object in a config file. */
    public static final String KEY = "finetune";

    /** No recommendation: the command's defaults hold. */
    public static final FinetuneRecipe NONE = new FinetuneRecipe(null, null, null);

    /**
     * Reads the {@code "finetune"} object.
     *
     * @throws AlgorithmException naming every key that is unknown, of the wrong type or out of range (joined by
     *                        {@code "; "})
     */
    public static FinetuneRecipe fromJson(JsonElement json) {
        List<String> problems = new ArrayList<>();
        FinetuneRecipe recipe = fromJson(json, problems);
        if (!problems.isEmpty()) {
            throw new AlgorithmException(String.join("; ", problems));
        }
        return recipe;
    }

    /**
     * Reads the {@code "finetune"} object, adding one line to {@code problems} for every key that is
     * unknown (one line for all), of the wrong type or out of range; those settings are left unset.
     */
    public static FinetuneRecipe fromJson(JsonElement json, List<String> problems) {
        if (json == null) {
            return NONE;
        }
        if (!json.isJsonObject()) {
            problems.add("\"" + KEY + "\" must be an object such as {\"lr\": 0.002, \"batch_size\": 32}, got " + json);
            return NONE;
        }
        Double lr = null;
        Integer batchSize = null;
        Integer epochs = null;
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : json.getAsJsonObject().entrySet()) {
            switch (e.getKey()) {
                case "lr" -> {
                    Double v = number(e.getKey(), e.getValue(), problems);
                    if (v != null && !(v > 0 && v < Double.POSITIVE_INFINITY)) {
                        problems.add("\"" + KEY + "\".\"lr\" must be positive, got " + e.getValue());
                    } else {
                        lr = v;
                    }
                }
                case "batch_size" -> batchSize = integer(e.getKey(), e.getValue(), 1, "a positive integer", problems);
                case "epochs" -> epochs = integer(e.getKey(), e.getValue(), 0, "an integer ≥ 0", problems);
                default -> unknown.add("\"" + e.getKey() + "\"");
            }
        }
        if (!unknown.isEmpty()) {
            problems.add("\"" + KEY + "\": unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + "; known keys: lr, batch_size, epochs");
        }
        return new FinetuneRecipe(lr, batchSize, epochs);
    }

    /** An integer in {@code [min, Integer.MAX_VALUE]}, exactly (8.0 is 8; 2.5 and 1e20 are problems), or null. */
    private static Integer integer(String key, JsonElement v, int min, String expected, List<String> problems) {
        if (number(key, v, problems) == null) {
            return null;
        }
        BigDecimal x = KeySpec.wholeNumber(v);
        if (x == null || x.compareTo(BigDecimal.valueOf(min)) < 0 || x.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
            problems.add("\"" + KEY + "\".\"" + key + "\" must be " + expected + ", got " + v);
            return null;
        }
        return x.intValueExact();
    }

    /** The value of a JSON number, or null (with the problem added) when {@code v} is not one. */
    private static Double number(String key, JsonElement v, List<String> problems) {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            problems.add("\"" + KEY + "\".\"" + key + "\" must be a number, got " + v);
            return null;
        }
        return v.getAsDouble();
    }

    /** The learning rate: {@code explicit} when given, else this recipe's, else {@code fallback}. */
    public double lr(Double explicit, double fallback) {
        return pick(explicit, lr, fallback);
    }

    /** The fine-tuning epochs: {@code explicit} when given, else this recipe's, else {@code fallback}. */
    public int epochs(Integer explicit, int fallback) {
        return pick(explicit, epochs, fallback);
    }

    /** The batch size: {@code explicit} when given, else this recipe's, else {@code fallback}. */
    public int batchSize(Integer explicit, int fallback) {
        return pick(explicit, batchSize, fallback);
    }

    /** The precedence of every setting: the command line, then the config's recommendation, then the default. */
    private static <T> T pick(T explicit, T recommended, T fallback) {
        return explicit != null ? explicit : recommended != null ? recommended : fallback;
    }

    /** The recipe as JSON (empty when there is none), for reports. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        if (lr != null) {
            o.add("lr", new JsonPrimitive(lr));
        }
        if (batchSize != null) {
            o.add("batch_size", new JsonPrimitive(batchSize));
        }
        if (epochs != null) {
            o.add("epochs", new JsonPrimitive(epochs));
        }
        return o;
    }
}
