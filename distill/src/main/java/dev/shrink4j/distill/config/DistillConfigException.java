package dev.shrink4j.distill.config;

import dev.shrink4j.compress.config.ConfigException;
import java.util.List;

/**
 * An invalid distillation config: a loss, connector or recorder entry, a forward mapping, or the
 * distiller's fit to the models it is attached to. Validation collects every problem before throwing,
 * so one run shows all of them; each line names the entry and the field, e.g.
 * {@code distill_losses.loss_kl.tau: expected a number, got string "4"}. The message is the subject
 * followed by the problems: {@code invalid distiller config: <problem>} for one, and
 * {@code invalid distiller config (3 errors):} with one indented line per problem for several. It is a
 * {@link ConfigException}, whose message layout, {@link #subject()} and {@link #errors()} it shares, so
 * that one {@code catch} serves the compressors' configs and the distillers'.
 */
public class DistillConfigException extends ConfigException {

    private static final long serialVersionUID = 1L;
    /** The subject of problems found in a distiller config. */
    public static final String DISTILLER = "invalid distiller config";

    /**
     * One exception for all the problems found in {@code subject}, e.g. {@code distiller config configs/distill/kd.json}.
     *
     * @throws IllegalArgumentException when {@code errors} is empty
     */
    public DistillConfigException(String subject, List<String> errors) {
        super(subject, errors);
    }

    /** Throws one exception listing {@code errors} when there are any. */
    public static void throwIfAny(String subject, List<String> errors) {
        if (!errors.isEmpty()) {
            throw new DistillConfigException(subject, errors);
        }
    }
}
