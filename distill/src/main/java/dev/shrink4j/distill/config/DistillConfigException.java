package dev.shrink4j.distill.config;

import java.util.List;

/**
 * An invalid distillation config: a loss, connector or recorder entry, a forward mapping, or the
 * distiller's fit to the models it is attached to. Validation collects every problem before throwing,
 * so one run shows all of them; each line names the entry and the field, e.g.
 * {@code distill_losses.loss_kl.tau: expected a number, got string "4"}. The message is the subject
 * followed by the problems: {@code invalid distiller config: <problem>} for one, and
 * {@code invalid distiller config (3 errors):} with one indented line per problem for several, the
 * layout of the compressors' {@code ConfigException}.
 */
public class DistillConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;
    /** The subject of problems found in a distiller config. */
    public static final String DISTILLER = "invalid distiller config";

    private final String subject;
    private final List<String> errors;

    /**
     * One exception for all the problems found in {@code subject}, e.g. {@code distiller config configs/distill/kd.json}.
     *
     * @throws IllegalArgumentException when {@code errors} is empty
     */
    public DistillConfigException(String subject, List<String> errors) {
        super(message(subject, errors));
        this.subject = subject;
        this.errors = List.copyOf(errors);
    }

    private static String message(String subject, List<String> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a DistillConfigException needs at least one error");
        }
        return errors.size() == 1 ? subject + ": " + errors.get(0)
                : subject + " (" + errors.size() + " errors):\n  " + String.join("\n  ", errors);
    }

    /** Throws one exception listing {@code errors} when there are any. */
    public static void throwIfAny(String subject, List<String> errors) {
        if (!errors.isEmpty()) {
            throw new DistillConfigException(subject, errors);
        }
    }

    /** What the problems are in. */
    public String subject() {
        return subject;
    }

    /** Each problem, one line each, in the order found. */
    public List<String> errors() {
        return errors;
    }
}
