package dev.shrink4j.cli.options;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.run.Training;
import picocli.CommandLine.Option;

/**
 * The fine-tuning learning rate option of {@code prune}, {@code quantize} and {@code demo}: {@code --lr}
 * when given, else the config's {@code "finetune"} lr, else {@link Training#DEFAULT_FINETUNE_LR}.
 */
public final class FinetuneOptions {

    @Option(names = "--lr", description = "fine-tuning Adam learning rate (default: the config's \"finetune\" lr if it has one, "
            + "else 0.001)")
    Double lr;

    /** The learning rate for fine-tuning under {@code cfg}. */
    public double lr(CompressionConfig cfg) {
        return cfg.finetune().lr(lr, Training.DEFAULT_FINETUNE_LR);
    }
}
