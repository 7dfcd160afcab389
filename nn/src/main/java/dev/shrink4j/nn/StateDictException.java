package dev.shrink4j.nn;

import java.util.List;

/**
 * A state dict that does not fit a model. The message lists every missing key, every unexpected key,
 * every shape mismatch, every dtype mismatch and every tensor holding values it may not (NaN or
 * infinite weights, a mask value other than 0 and 1) at once, so one run shows everything to fix.
 */
public class StateDictException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final List<String> missingKeys;
    private final List<String> unexpectedKeys;
    private final List<String> shapeMismatches;
    private final List<String> dtypeMismatches;
    private final List<String> invalidValues;

    /** Builds the message from the three lists; {@code model} names the model's type. */
    public StateDictException(String model, List<String> missing, List<String> unexpected, List<String> mismatched) {
        this(model, missing, unexpected, mismatched, List.of(), List.of());
    }

    /**
     * Builds the message from all five lists; {@code model} names the model's type.
     *
     * @param dtypes    one line per key whose dtypes differ ({@code "conv1.weight: checkpoint has float64, the model has float32"})
     * @param invalid   one line per tensor holding values it may not ({@code "fc1.weight: 2 NaN of 48000 values …"})
     */
    public StateDictException(String model, List<String> missing, List<String> unexpected, List<String> mismatched,
            List<String> dtypes, List<String> invalid) {
        super(message(model, missing, unexpected, mismatched, dtypes, invalid));
        this.missingKeys = List.copyOf(missing);
        this.unexpectedKeys = List.copyOf(unexpected);
        this.shapeMismatches = List.copyOf(mismatched);
        this.dtypeMismatches = List.copyOf(dtypes);
        this.invalidValues = List.copyOf(invalid);
    }

    private static String message(String model, List<String> missing, List<String> unexpected, List<String> mismatched,
            List<String> dtypes, List<String> invalid) {
        StringBuilder sb = new StringBuilder("Error(s) in loading state dict for ").append(model).append(':');
        if (!missing.isEmpty()) {
            sb.append("\n  missing keys: ").append(String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            sb.append("\n  unexpected keys: ").append(String.join(", ", unexpected));
        }
        for (String m : mismatched) {
            sb.append("\n  size mismatch for ").append(m);
        }
        for (String d : dtypes) {
            sb.append("\n  dtype mismatch for ").append(d);
        }
        for (String n : invalid) {
            sb.append("\n  invalid values in ").append(n);
        }
        return sb.toString();
    }

    /** Model keys absent from the source. */
    public List<String> missingKeys() {
        return missingKeys;
    }

    /** Source keys the model does not have. */
    public List<String> unexpectedKeys() {
        return unexpectedKeys;
    }

    /** One line per key whose shapes differ. */
    public List<String> shapeMismatches() {
        return shapeMismatches;
    }

    /** One line per key whose dtypes differ (no value is cast silently). */
    public List<String> dtypeMismatches() {
        return dtypeMismatches;
    }

    /** One line per source tensor holding values it may not (NaN or infinite weights, mask values other than 0 and 1). */
    public List<String> invalidValues() {
        return invalidValues;
    }
}
