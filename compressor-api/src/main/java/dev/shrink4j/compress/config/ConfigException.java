package dev.shrink4j.compress.config;

import java.util.List;

/**
 * An invalid config list. Validation collects every problem before throwing, so one run shows all of
 * them; each line names the entry, the field and the value, e.g.
 * {@code config_list[2].sparsity: 1.2 is outside [0, 1)}.
 */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    /** One exception for all the problems found. */
    public ConfigException(List<String> errors) {
        super(message(errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    private static String message(List<String> errors) {
        return errors.size() == 1 ? "invalid config list: " + errors.get(0)
                : "invalid config list (" + errors.size() + " errors):\n  " + String.join("\n  ", errors);
    }

    /** Each problem, one line each, in the order found. */
    public List<String> errors() {
        return errors;
    }
}
