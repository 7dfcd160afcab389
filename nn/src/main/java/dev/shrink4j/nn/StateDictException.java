package dev.shrink4j.nn;

import java.util.List;

/**
 * A state dict that does not fit a model. The message lists every missing key, every unexpected key
 * and every shape mismatch at once, so one run shows everything to fix.
 */
public class StateDictException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final List<String> missingKeys;
    private final List<String> unexpectedKeys;
    private final List<String> shapeMismatches;

    /** Builds the message from the three lists; {@code model} names the model's type. */
    public StateDictException(String model, List<String> missing, List<String> unexpected, List<String> mismatched) {
        super(message(model, missing, unexpected, mismatched));
        this.missingKeys = List.copyOf(missing);
        this.unexpectedKeys = List.copyOf(unexpected);
        this.shapeMismatches = List.copyOf(mismatched);
    }

    private static String message(String model, List<String> missing, List<String> unexpected, List<String> mismatched) {
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
}
