package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Distillation;
import dev.shrink4j.cli.run.UsageException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code prune … --distill CFG --teacher-arch T --teacher-weights TW} (and the same for {@code quantize}):
 * the fine-tune trains on the distillation loss of the config ({@code configs/distill/kd.json}) from the
 * teacher instead of plain cross-entropy.
 */
public final class DistillOptions {

    @Option(names = "--distill", paramLabel = "CFG", description = "fine-tune under distillation from a teacher with this "
            + "distillation config (e.g. configs/distill/kd.json); needs --teacher-arch and --teacher-weights")
    Path config;

    @Mixin
    TeacherOptions teacher;

    /**
     * The distillation of the fine-tune, or null without {@code --distill}.
     *
     * @param finetuneEpochs the command's fine-tuning epochs: distillation needs at least one
     * @throws UsageException when the teacher options come without {@code --distill}, or {@code --distill}
     *     without a teacher or epochs
     */
    public Distillation distillation(DataSpec data, int finetuneEpochs) {
        if (config == null) {
            if (teacher.given()) {
                throw new UsageException((teacher.arch() != null ? "--teacher-arch" : "--teacher-weights")
                        + " is only used with --distill CFG");
            }
            return null;
        }
        teacher.require("--distill");
        if (finetuneEpochs < 1) {
            throw new UsageException("--distill " + config + ": distillation happens in the fine-tune; give --epochs 1 or more");
        }
        return new Distillation(config, teacher.arch(), teacher.weights(), data);
    }
}
