package dev.shrink4j.cli.algo;

import com.google.gson.JsonElement;

/** The JSON type of an algorithm option in a config file. */
public enum OptionType {
    /** Any JSON number. */
    NUMBER("a number"),
    /** A JSON number without fraction. */
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
            case NUMBER -> p.isNumber();
            case INTEGER -> p.isNumber() && p.getAsDouble() == Math.rint(p.getAsDouble());
            case BOOLEAN -> p.isBoolean();
            case STRING -> p.isString();
        };
    }
}
