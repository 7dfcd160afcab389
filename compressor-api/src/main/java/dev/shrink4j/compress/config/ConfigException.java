package dev.shrink4j.compress.config;

import java.util.List;

/**
 * An invalid config list or config file. Validation collects every problem before throwing, so one
 * run shows all of them; each line names the entry, the field and the value, e.g.
 * {@code config_list[2].sparsity: 1.2 is outside [0, 1)}. The message is the subject followed by the
 * problems: {@code invalid config list: <problem>} for one, {@code invalid config list (3 errors):}
 * and one indented line per problem for several.
 */
public class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;
    /** The subject of config-list problems. */
    public static final String CONFIG_LIST = "invalid config list";

    private final String subject;
    private final List<String> errors;

    /** One exception for all the problems found in a config list. */
    public ConfigException(List<String> errors) {
        this(CONFIG_LIST, errors);
    }

    /**
     * One exception for all the problems found in {@code subject}, e.g. {@code config configs/agp.json}.
     *
     * @throws IllegalArgumentException when {@code errors} is empty
     */
    public ConfigException(String subject, List<String> errors) {
        super(message(subject, errors));
        this.subject = subject;
        this.errors = List.copyOf(errors);
    }

    private static String message(String subject, List<String> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        return errors.size() == 1 ? subject + ": " + errors.get(0)
                : subject + " (" + errors.size() + " errors):\n  " + String.join("\n  ", errors);
    }

    /**
     * {@code message} folded into one problem line: its lines joined with {@code "; "} (with a space after a
     * line ending in {@code ':'}), up to a stack trace, which libtorch appends to its errors (a line starting
     * with {@code "at "} or {@code "Exception raised from"}); {@code "(no message)"} for null. An exception
     * that becomes one problem of a config (a builder refusing an option) reads this way.
     */
    public static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String[] lines = message.strip().split("\\R");
        StringBuilder sb = new StringBuilder(lines[0].strip());
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty() || l.startsWith("at ") || l.startsWith("Exception raised from")) {
                break; // the first lines say what went wrong; the trace after them says where in C++
            }
            sb.append(sb.charAt(sb.length() - 1) == ':' ? " " : "; ").append(l);
        }
        return sb.toString();
    }

    /** What the problems are in ({@value #CONFIG_LIST}, or a file). */
    public String subject() {
        return subject;
    }

    /** Each problem, one line each, in the order found. */
    public List<String> errors() {
        return errors;
    }
}
