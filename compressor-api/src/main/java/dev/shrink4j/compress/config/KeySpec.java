package dev.shrink4j.compress.config;

import com.google.gson.JsonElement;
import dev.shrink4j.nn.io.StrictJson;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks the value of one config-list key and reports what is wrong with it. Values are never
 * coerced: {@code "0.2"} (a string) is not a number, unlike Gson's lenient binding.
 */
@FunctionalInterface
public interface KeySpec {

    /**
     * Adds one line to {@code errors} per problem with {@code value}.
     *
     * @param path  where the value is, e.g. {@code config_list[2].sparsity}
     * @param value the value as parsed from JSON
     */
    void check(String path, JsonElement value, List<String> errors);

    /** A number in {@code [0, 1)}: the share of units to prune. */
    static KeySpec fraction() {
        return number(0, true, 1, false);
    }

    /** A number within the given bounds. */
    static KeySpec number(double min, boolean minInclusive, double max, boolean maxInclusive) {
        return (path, value, errors) -> {
            if (!isNumber(value)) {
                errors.add(path + ": expected a number, got " + describe(value));
                return;
            }
            double v = value.getAsDouble();
            boolean ok = (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max);
            if (!ok || Double.isNaN(v)) {
                errors.add(path + ": " + value.getAsString() + " is outside " + (minInclusive ? "[" : "(")
                        + format(min) + ", " + format(max) + (maxInclusive ? "]" : ")"));
            }
        };
    }

    /**
     * An integer in {@code [min, max]}. A JSON number is an integer when its value is whole, whatever its
     * spelling: {@code 8}, {@code 8.0} and {@code 8e0} are all 8 (NNI's files write {@code 8}); {@code 2.5}
     * is not an integer, and {@code 1e20} is an integer outside any int range. Compared exactly, so no
     * value is rounded or wrapped into range.
     */
    static KeySpec integer(long min, long max) {
        return (path, value, errors) -> {
            BigDecimal v = wholeNumber(value);
            if (v == null) {
                errors.add(path + ": expected an integer, got " + describe(value));
                return;
            }
            if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
                errors.add(path + ": " + value.getAsString() + " is outside [" + min + ", "
                        + (max == Long.MAX_VALUE ? "∞" : Long.toString(max)) + "]");
            }
        };
    }

    /** {@code true} or {@code false}. */
    static KeySpec bool() {
        return (path, value, errors) -> {
            if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean())) {
                errors.add(path + ": expected true or false, got " + describe(value));
            }
        };
    }

    /** A string, one of {@code allowed}. */
    static KeySpec oneOf(String... allowed) {
        List<String> options = Arrays.asList(allowed);
        return (path, value, errors) -> {
            if (!isString(value)) {
                errors.add(path + ": expected a string, got " + describe(value));
            } else if (!options.contains(value.getAsString())) {
                errors.add(path + ": \"" + value.getAsString() + "\" is not one of " + String.join(", ", options));
            }
        };
    }

    /** A non-empty list of strings. */
    static KeySpec stringList() {
        return stringListOf();
    }

    /** A non-empty list of strings, each one of {@code allowed} (any string when none is given). */
    static KeySpec stringListOf(String... allowed) {
        List<String> options = Arrays.asList(allowed);
        return (path, value, errors) -> {
            if (!value.isJsonArray()) {
                errors.add(path + ": expected a list of strings, got " + describe(value));
                return;
            }
            if (value.getAsJsonArray().isEmpty()) {
                errors.add(path + ": the list is empty");
                return;
            }
            int i = 0;
            for (JsonElement item : value.getAsJsonArray()) {
                if (!isString(item)) {
                    errors.add(path + "[" + i + "]: expected a string, got " + describe(item));
                } else if (!options.isEmpty() && !options.contains(item.getAsString())) {
                    errors.add(path + "[" + i + "]: \"" + item.getAsString() + "\" is not one of " + String.join(", ", options));
                }
                i++;
            }
        };
    }

    /**
     * Bit widths: an integer in {@code [1, 32]} for every quant type, or an object mapping
     * {@code weight}/{@code input}/{@code output} to such an integer ({@code quant_bits}).
     */
    static KeySpec bits() {
        KeySpec oneWidth = integer(1, 32);
        return (path, value, errors) -> {
            if (value.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
                    if (!ConfigKeys.QUANT_TYPE_NAMES.contains(e.getKey())) {
                        errors.add(path + ": unknown quant type \"" + e.getKey() + "\"; expected weight, input or output");
                    } else {
                        oneWidth.check(path + "." + e.getKey(), e.getValue(), errors);
                    }
                }
            } else if (isInteger(value)) {
                oneWidth.check(path, value, errors);
            } else {
                errors.add(path + ": expected an integer or an object of integers per quant type, got " + describe(value));
            }
        };
    }

    /** A short description of a JSON value for messages: {@code string "0.2"}, {@code number 3} ({@link StrictJson#describe}). */
    static String describe(JsonElement value) {
        return StrictJson.describe(value);
    }

    private static boolean isNumber(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
    }

    private static boolean isString(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
    }

    private static boolean isInteger(JsonElement v) {
        return wholeNumber(v) != null;
    }

    /**
     * The exact value of a JSON number that is a whole number ({@code 8}, {@code 8.0}, {@code 1e20}), or
     * null (not a number, a fraction such as {@code 2.5}, or not finite). Reads the number's text, so
     * {@code 1e20} is neither rounded to a double nor wrapped to a long; callers compare it with their range.
     */
    static BigDecimal wholeNumber(JsonElement v) {
        if (!isNumber(v)) {
            return null;
        }
        BigDecimal d;
        try {
            d = new BigDecimal(v.getAsString());
        } catch (NumberFormatException e) {
            return null; // NaN or Infinity given from Java, or an exponent beyond BigDecimal's range
        }
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0 ? d : null;
    }

    private static String format(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
