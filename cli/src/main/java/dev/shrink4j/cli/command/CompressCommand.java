package dev.shrink4j.cli.command;

import dev.shrink4j.cli.options.DistillOptions;
import dev.shrink4j.cli.options.FinetuneOptions;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A subcommand that compresses trained weights with the algorithm a config file names and fine-tunes
 * ({@code prune}, {@code quantize}): besides a {@link ModelCommand}'s options, the
 * {@code --weights} (required with {@code --arch}), the fine-tuning {@code --lr} and {@code --distill} with its teacher (the fine-tune then
 * trains on a distillation loss). {@code --config} and {@code --epochs} stay with each
 * command, whose help says what its config names and what its epochs do.
 */
abstract class CompressCommand extends ModelCommand {

    @Option(names = "--weights", description = "trained weights (safetensors); needed with --arch, optional with --model "
            + "(default: the ONNX file's weights)")
    Path weights;

    @Mixin
    FinetuneOptions finetune;

    @Mixin
    DistillOptions distill;
}
