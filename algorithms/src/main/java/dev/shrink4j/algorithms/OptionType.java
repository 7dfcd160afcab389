package dev.shrink4j.algorithms;

import com.google.gson.JsonElement;
import dev.shrink4j.compress.config.KeySpec;
import java.math.BigDecimal;

/** The JSON type of an algorithm option in a config file. */
public enum OptionType {
    /** Any finite JSON number ({@code 1e999} overflows to infinity and is not one). */
    NUMBER("a number"),
    /**
     * A JSON number whose value is a whole number within Java's {@code int} range: {@code 8} (or {@code 8.0});
     * not {@code 2.5}, not {@code 1e20}.
     */
    INTEGER("an integer"),
    /** {@code true} or {@code false}. */
    BOOLEAN("true or false"),
    /** A JSON string. */
    STRING("a string");

    private final String description;

    OptionType(String description) {
        this.description = description;
    }

    /** How the expectation reads in an error message ("a number"). */
    public String description() {
        return description;
    }

    /** Whether {@code value} has this type. */
    public boolean accepts(JsonElement value) {
        if (value == null || !value.isJsonPrimitive()) {
            return false;
        }
        var p = value.getAsJsonPrimitive();
        return switch (this) {
            case NUMBER -> p.isNumber() && Double.isFinite(p.getAsDouble());
            case INTEGER -> isInt(value);
            case BOOLEAN -> p.isBoolean();
            case STRING -> p.isString();
        };
    }

    private static boolean isInt(JsonElement value) {
        BigDecimal v = KeySpec.wholeNumber(value);
        return v != null && v.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) >= 0
                && v.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0;
    }
}
