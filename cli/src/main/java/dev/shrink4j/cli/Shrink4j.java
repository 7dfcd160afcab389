package dev.shrink4j.cli;

import dev.shrink4j.algorithms.AlgorithmException;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.cli.command.CommandRoot;
import dev.shrink4j.cli.command.DemoCommand;
import dev.shrink4j.cli.command.DistillCommand;
import dev.shrink4j.cli.command.EvaluateCommand;
import dev.shrink4j.cli.command.ExitCodes;
import dev.shrink4j.cli.command.ExportCommand;
import dev.shrink4j.cli.command.InspectCommand;
import dev.shrink4j.cli.command.LaunchCommand;
import dev.shrink4j.cli.command.PruneCommand;
import dev.shrink4j.cli.command.QuantizeCommand;
import dev.shrink4j.cli.command.SearchCommand;
import dev.shrink4j.cli.command.SpeedupCommand;
import dev.shrink4j.cli.command.TrainCommand;
import dev.shrink4j.cli.run.DistributedRun;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.RankLogging;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.distributed.DistributedConfigException;
import dev.shrink4j.workbench.data.DatasetException;
import dev.shrink4j.nn.StateDictException;
import java.io.PrintWriter;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code shrink4j} command line: {@code inspect}, {@code train}, {@code prune}, {@code speedup},
 * {@code quantize}, {@code distill}, {@code export}, {@code evaluate}, {@code demo}, {@code search} and
 * {@code launch} (N local data-parallel processes of another command).
 *
 * <p>Exit codes: {@value #EXIT_OK} on success; {@value #EXIT_USAGE} for a mistake of the user (bad
 * option, invalid config, missing file, unknown architecture), reported as one line naming the
 * culprit; {@value #EXIT_FAILURE} when the run itself fails (the stack trace is logged at debug
 * level: {@code SHRINK4J_JAVA_OPTS=-Dorg.slf4j.simpleLogger.defaultLogLevel=debug}).
 */
@Command(name = "shrink4j", mixinStandardHelpOptions = true, version = "shrink4j 0.1.0",
        description = "Model compression (pruning, quantization) on libtorch.",
        subcommands = {InspectCommand.class, TrainCommand.class, PruneCommand.class, SpeedupCommand.class, QuantizeCommand.class, DistillCommand.class, ExportCommand.class, EvaluateCommand.class, DemoCommand.class, SearchCommand.class, LaunchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 2 usage or config error, 1 runtime failure.",
                "Data-parallel: under torchrun's environment (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK) "
                        + DistributedRun.TRAINING_COMMANDS + " train on every rank's shard and rank 0 writes the outputs; "
                        + "'shrink4j launch --nproc N -- COMMAND ...' starts N such processes on this machine."})
public final class Shrink4j implements Runnable, CommandRoot {

    /** Success. */
    public static final int EXIT_OK = ExitCodes.OK;
    /** The run failed (a bug, out of memory, a native error). */
    public static final int EXIT_FAILURE = ExitCodes.FAILURE;
    /** A usage or config mistake, reported in one line. */
    public static final int EXIT_USAGE = ExitCodes.USAGE;

    private final AlgorithmRegistry registry;

    @Spec
    CommandSpec spec;

    /** A command line over the given algorithms. */
    public Shrink4j(AlgorithmRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The algorithms config files may name. */
    @Override
    public AlgorithmRegistry registry() {
        return registry;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed ("
                + String.join(", ", spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList()) + ")");
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        RankLogging.quietOffMain(System.getenv());
        System.exit(execute(AlgorithmRegistry.load(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Runs one command line.
     *
     * @return the exit code
     */
    public static int execute(AlgorithmRegistry registry, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(registry, out, err);
        return cl.execute(args);
    }

    /** The picocli command line with shrink4j's error handling (for tests and embedding). */
    public static CommandLine commandLine(AlgorithmRegistry registry, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Shrink4j(registry));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("shrink4j: " + oneLine(usageMessage(ex)) + " (see '" + c.getCommandSpec().qualifiedName()
                    + " --help')");
            c.getErr().flush();
            return EXIT_USAGE;
        });
        // picocli skips its check for unmatched arguments when --help or --version is given, so
        // "shrink4j speedup --help" printed the top-level help and exited 0; the check is made here for
        // every command line, help or not.
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parseResult -> {
            for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
                if (!pr.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(pr.commandSpec().commandLine(), pr.unmatched());
                }
            }
            return runLast.execute(parseResult);
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            Logger log = LoggerFactory.getLogger(Shrink4j.class);
            if (isUsageError(ex)) {
                log.debug("usage error", ex);
                c.getErr().println("shrink4j " + c.getCommandName() + ": " + oneLine(ex.getMessage()));
                c.getErr().flush();
                return EXIT_USAGE;
            }
            log.debug("run failed", ex);
            c.getErr().println("shrink4j " + c.getCommandName() + ": failed: " + oneLine(String.valueOf(ex.getMessage()))
                    + " (" + ex.getClass().getSimpleName() + "; stack trace at debug log level)");
            c.getErr().flush();
            return EXIT_FAILURE;
        });
        return cl;
    }

    /**
     * What a parse error says: picocli's message, except that a word where a subcommand belongs is
     * named as an unknown subcommand, with the known ones.
     */
    static String usageMessage(CommandLine.ParameterException ex) {
        CommandLine c = ex.getCommandLine();
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !c.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            return "unknown subcommand '" + u.getUnmatched().get(0) + "' (known: " + String.join(", ",
                    c.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList()) + ")";
        }
        return ex.getMessage();
    }

    /** Mistakes of the user, as opposed to failures of the run. */
    static boolean isUsageError(Throwable ex) {
        return ex instanceof UsageException || ex instanceof AlgorithmException || ex instanceof ConfigException
                || ex instanceof StateDictException || ex instanceof DatasetException || ex instanceof DistillConfigException
                || ex instanceof DistributedConfigException;
    }

    /** The message folded into one line ({@link Messages#oneLine}). */
    public static String oneLine(String message) {
        return Messages.oneLine(message);
    }
}
