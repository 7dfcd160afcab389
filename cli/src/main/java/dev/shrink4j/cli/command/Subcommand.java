package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.cli.options.CommonOptions;
import dev.shrink4j.cli.run.DistributedRun;
import dev.shrink4j.cli.run.OnnxExports;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Evaluation;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every {@code shrink4j} subcommand has: the parent command (for the algorithm registry), its
 * picocli spec (for the console and the command line as typed) and the {@link CommonOptions}, which
 * {@link #call()} applies before {@link #run()} so that no command runs unseeded; {@link #run()} runs
 * data-parallel under torchrun's environment ({@link DistributedRun}). picocli reads the
 * annotated fields of a superclass before the subclass's, so {@code --seed} and {@code --threads} stay
 * the first options of every command, as when each command declared them.
 */
abstract class Subcommand implements Callable<Integer> {

    @ParentCommand
    CommandRoot parent;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Override
    public final Integer call() throws IOException {
        common.apply();
        return DistributedRun.call(spec.name(), System.getenv(), this::run);
    }

    /** The command's work, after the common options are applied; returns the exit code. */
    abstract int run() throws IOException;

    /** Where the command prints its results. */
    final PrintWriter console() {
        return spec.commandLine().getOut();
    }

    /**
     * The command line as typed, for reports: {@code shrink4j prune --arch lenet5 ...}. picocli's
     * original arguments are the whole command line, subcommand name included, so they follow the
     * root command's name; arguments a shell would split or expand are single-quoted so that the line
     * can be pasted back.
     */
    final String invocation() {
        StringBuilder line = new StringBuilder(spec.root().name());
        for (String arg : spec.commandLine().getParseResult().originalArgs()) {
            line.append(' ').append(shellQuoted(arg));
        }
        return line.toString();
    }

    /** {@code arg} as a POSIX shell reads it back: unchanged when it is plain, else in single quotes. */
    static String shellQuoted(String arg) {
        if (!arg.isEmpty() && arg.matches("[A-Za-z0-9_./=,:@%+-]+")) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /**
     * Prints what a run's ONNX export gave ({@link OnnxExports.Written#summary()}) and, given a test set, runs the
     * written file through ONNX Runtime with {@code --threads} threads and prints its accuracy and latency.
     *
     * @return the mean ONNX Runtime time per test batch (ms), or NaN when nothing was written or measured (on
     *     the other ranks of a data-parallel run, which write no report)
     */
    final double reportOnnx(OnnxExports.Written written, DataLoader test) throws IOException {
        PrintWriter out = console();
        out.println(written.summary());
        if (!DistributedRun.isMain()) {
            return Double.NaN; // another rank's copy: nothing reads its numbers, so spare the cores rank 0 measures on
        }
        Evaluation e = OnnxExports.evaluate(written, common.threads(), test);
        if (e == null) {
            return Double.NaN;
        }
        out.println(OnnxExports.summary(written.file(), common.threads(), e));
        return e.meanBatchMillis();
    }

    /** The algorithms config files may name. */
    final AlgorithmRegistry registry() {
        return parent.registry();
    }
}
