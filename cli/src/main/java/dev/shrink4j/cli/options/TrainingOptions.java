package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.UsageException;
import picocli.CommandLine.Option;

/**
 * The recipe of the commands that train a model through all its epochs ({@code train}, {@code distill}):
 * {@code --epochs} and the Adam {@code --lr}, cosine-annealed to 0 over them. Shared so that {@code train}
 * and {@code distill} given the same options train the same way and differ only in the loss.
 */
public final class TrainingOptions {

    @Option(names = "--epochs", defaultValue = "3", description = "training epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.002", description = "Adam learning rate, cosine-annealed to 0 (default: ${DEFAULT-VALUE})")
    double lr;

    /**
     * The epochs.
     *
     * @throws UsageException when fewer than 1
     */
    public int epochs() {
        if (epochs < 1) {
            throw new UsageException("--epochs must be at least 1, got " + epochs);
        }
        return epochs;
    }

    /** The initial learning rate (checked by {@code Training.finetuneOptimizer} and {@code distill}). */
    public double lr() {
        return lr;
    }
}
