package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.UsageException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The teacher of a distillation: {@code --teacher-arch} and {@code --teacher-weights}. Both are optional to
 * picocli because {@code prune} and {@code quantize} need them only with {@code --distill}; {@link #require}
 * says which is missing and why.
 */
public final class TeacherOptions {

    @Option(names = "--teacher-arch", description = "the teacher's architecture (see 'inspect'), sized for --data like the student")
    String arch;

    @Option(names = "--teacher-weights", description = "the teacher's trained weights (safetensors), e.g. from 'train'")
    Path weights;

    /** The teacher's architecture, or null when not given. */
    public String arch() {
        return arch;
    }

    /** The teacher's weights, or null when not given. */
    public Path weights() {
        return weights;
    }

    /** Whether either option was given. */
    public boolean given() {
        return arch != null || weights != null;
    }

    /**
     * Checks that both options were given.
     *
     * @param why what needs the teacher, for the message: {@code "--distill"}, {@code "distill"}
     * @throws UsageException naming the missing options
     */
    public void require(String why) {
        if (arch == null && weights == null) {
            throw new UsageException(why + " needs a teacher: --teacher-arch and --teacher-weights");
        }
        if (arch == null) {
            throw new UsageException(why + " needs --teacher-arch (the architecture of --teacher-weights " + weights + ")");
        }
        if (weights == null) {
            throw new UsageException(why + " needs --teacher-weights (trained weights of the " + arch + " teacher)");
        }
    }
}
