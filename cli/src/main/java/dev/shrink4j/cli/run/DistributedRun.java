package dev.shrink4j.cli.run;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.distributed.DataParallel;
import dev.shrink4j.distributed.DistributedConfigException;
import dev.shrink4j.distributed.DistributedContext;
import dev.shrink4j.distributed.DistributedSampler;
import dev.shrink4j.distributed.DistributedSettings;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.FileTrees;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line's data-parallel glue: a command started under torchrun's environment
 * ({@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, as
 * {@code shrink4j launch} or torchrun-style launchers on several machines set it) joins the process group
 * and trains data-parallel. One process runs one command, so the session is process-wide state, set by
 * {@link #call} around the command and read by the few places that need it:
 * <ul>
 *   <li>{@link #shuffled}: training loaders give each rank its {@link DistributedSampler} shard (seeded
 *       by {@code --seed}) instead of shuffling the whole set;</li>
 *   <li>{@link #replicate}: every training loop ({@link Training}) wraps the model and its optimizer in a
 *       {@link DataParallel} over the compressors {@link #track}ed on that model (built after their
 *       {@code compress()}), checks consistency at each epoch's end and draws its progress bar on rank 0 only;</li>
 *   <li>{@link #statistics}: a compressor's statistics or calibration pass is synchronised
 *       ({@link DataParallel#synchronizeBuffers()}) after its batches and after it computes masks or ranges;</li>
 *   <li>{@link #outputDirectory}: rank 0 writes into {@code --out}; every other rank runs the same
 *       command into a private temporary directory that is deleted when the command ends, so all ranks
 *       take the same path through the command (the same collectives, in the same order) and only rank 0's
 *       files appear.</li>
 * </ul>
 * Evaluation (the per-epoch validation, the test set after training) runs on every rank over the whole
 * test set: the weights are identical on all ranks, so every rank computes the same numbers and takes
 * the same branches; rank 0 prints and writes them.
 *
 * <p>Commands that train ({@value #TRAINING_COMMANDS}) run data-parallel. Commands that only read or
 * convert a model ({@code evaluate}, {@code inspect}, {@code export}, {@code speedup}) run on rank 0
 * alone (the settings are still checked); the other ranks exit 0 at once. {@code demo} and {@code search} are refused (exit 2):
 * their loops are not wired for data-parallel training.
 *
 * <p>Failures: a bad setting is the library's {@link DistributedConfigException} (exit 2, one line naming
 * it); an exception on one rank is left in the rendezvous store ({@link DistributedContext#abort}) so the
 * others fail at their next collective with a {@link dev.shrink4j.distributed.RankFailureException} naming
 * it (exit 1).
 */
public final class DistributedRun {

    /** The limit of the rendezvous and of every collective, in seconds, as {@code launch --timeout} passes it. */
    public static final String TIMEOUT_ENV = "SHRINK4J_DISTRIBUTED_TIMEOUT";
    /** The commands that train data-parallel under torchrun's environment. */
    public static final String TRAINING_COMMANDS = "train, prune, quantize, distill";

    private static final Set<String> TRAINING = Set.of(TRAINING_COMMANDS.split(", "));
    private static final Set<String> MAIN_ONLY = Set.of("evaluate", "inspect", "export", "speedup");
    private static final Logger LOG = LoggerFactory.getLogger(DistributedRun.class);

    /** The session of this process's command, or null when it runs alone. */
    private static DistributedContext context;
    /** Compressors whose buffers every replica of their model keeps consistent. */
    private static final List<Compressor> TRACKED = new ArrayList<>();
    /** A non-main rank's output directory, or null. */
    private static Path scratch;

    private DistributedRun() {
    }

    /** What a command does once the session (if any) is up: its exit code. */
    @FunctionalInterface
    public interface Command {
        /** Runs the command. */
        int run() throws IOException;
    }

    /**
     * Runs {@code command} ({@code prune}, …) alone when {@code env} has no torchrun variables
     * ({@link DistributedSettings#isPresent}); otherwise joins the group {@code env} describes, runs it as
     * this class describes, and leaves the group: {@link DistributedContext#finish()} after a success,
     * {@link DistributedContext#abort} with the exception otherwise.
     *
     * @throws DistributedConfigException naming the setting at fault (before the command runs)
     * @throws UsageException             for {@code demo} and {@code search}
     */
    public static int call(String command, Map<String, String> env, Command body) throws IOException {
        if (!DistributedSettings.isPresent(env)) {
            return body.run();
        }
        if (!TRAINING.contains(command) && !MAIN_ONLY.contains(command)) {
            throw new UsageException(command + " does not run data-parallel (it trains in loops of its own); unset "
                    + DistributedSettings.WORLD_SIZE + " and " + DistributedSettings.RANK + " or run it without launch");
        }
        if (context != null) {
            throw new IllegalStateException("a distributed command is already running in this process");
        }
        DistributedSettings settings = DistributedSettings.fromEnvironment(env).withTimeout(timeout(env));
        if (MAIN_ONLY.contains(command)) {
            // nothing to share: rank 0 runs it alone (however long it takes), the others have nothing to do
            if (settings.isMain()) {
                return body.run();
            }
            LOG.debug("rank {}: {} runs on rank 0 only", settings.rank(), command);
            return 0;
        }
        try (DistributedContext ctx = DistributedContext.connect(settings)) {
            context = ctx;
            try {
                int code = body.run();
                if (code != 0) {
                    ctx.abort(new IllegalStateException(command + " exited with code " + code));
                    return code;
                }
                ctx.finish();
                return code;
            } catch (IOException | RuntimeException | Error e) {
                ctx.abort(e);
                throw e;
            }
        } finally {
            context = null;
            TRACKED.clear();
            deleteScratch();
        }
    }

    /** {@value #TIMEOUT_ENV} in seconds, or {@link DistributedSettings#DEFAULT_TIMEOUT}. */
    static Duration timeout(Map<String, String> env) {
        String v = env.get(TIMEOUT_ENV);
        if (v == null) {
            return DistributedSettings.DEFAULT_TIMEOUT;
        }
        try {
            long seconds = Long.parseLong(v.strip());
            if (seconds >= 1) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            throw new DistributedConfigException(DistributedSettings.TIMEOUT, TIMEOUT_ENV + " \"" + v
                    + "\" is not a whole number of seconds", e);
        }
        throw new DistributedConfigException(DistributedSettings.TIMEOUT, TIMEOUT_ENV + " must be at least 1 (seconds), got " + v);
    }

    /** Whether this process writes outputs, logs and draws progress: rank 0, or a process that runs alone. */
    public static boolean isMain() {
        return context == null || context.isMain();
    }

    /**
     * The directory to write a command's outputs into: {@code requested}, created, on rank 0 and when
     * running alone; on the other ranks a private temporary directory, deleted when the command ends.
     */
    public static Path outputDirectory(Path requested) throws IOException {
        if (isMain()) {
            return Files.createDirectories(requested);
        }
        if (scratch == null) {
            scratch = Files.createTempDirectory("shrink4j-rank" + context.rank() + "-");
            LOG.debug("rank {} writes its copies of the outputs into {} (deleted at the end)", context.rank(), scratch);
        }
        return scratch;
    }

    /**
     * {@code loader} shuffled by {@code seed} over a dataset of {@code size} samples: the whole set when
     * running alone, this rank's {@link DistributedSampler} shard otherwise.
     */
    public static DataLoader.Builder shuffled(DataLoader.Builder loader, int size, long seed) {
        if (context == null) {
            return loader.optShuffle(seed);
        }
        return loader.optSampler(DistributedSampler.builder().setDatasetSize(size).setContext(context).optSeed(seed).build());
    }

    /**
     * Registers {@code compressor} (compressed) so that replicas of its model keep its buffers (masks,
     * observer ranges) consistent; the returned handle unregisters it. Nothing happens when running alone.
     */
    public static Tracked track(Compressor compressor) {
        if (context == null) {
            return () -> { };
        }
        TRACKED.add(compressor);
        return () -> TRACKED.remove(compressor);
    }

    /** A compressor's registration ({@link #track}); closing it unregisters the compressor. */
    @FunctionalInterface
    public interface Tracked extends AutoCloseable {
        @Override
        void close();
    }

    /** A model's replica in a data-parallel group, or nothing when running alone; closing it removes its hooks. */
    public static final class Replica implements AutoCloseable {
        private final DataParallel dataParallel;

        private Replica(DataParallel dataParallel) {
            this.dataParallel = dataParallel;
        }

        /**
         * Configures {@code trainer} for this rank: the progress bar on rank 0 only, and with a group,
         * the consistency check (and the metrics over all ranks, logged by rank 0) at each epoch's end.
         */
        public Trainer.Builder configure(Trainer.Builder trainer) {
            trainer.optProgressBar(isMain());
            if (dataParallel != null) {
                trainer.addListener(dataParallel.epochCheck());
            }
            return trainer;
        }

        @Override
        public void close() {
            if (dataParallel != null) {
                dataParallel.close();
            }
        }
    }

    /**
     * {@code model} and {@code optimizer} as a data-parallel replica over the {@link #track}ed compressors
     * of {@code model}: rank 0's weights and compressor buffers are broadcast, gradients are averaged
     * before every step. Call it after the compressors' {@code compress()}.
     */
    public static Replica replicate(Module model, Optimizer optimizer) {
        if (context == null) {
            return new Replica(null);
        }
        DataParallel.Builder b = DataParallel.builder().setContext(context).setReplica(model, optimizer);
        for (Compressor c : TRACKED) {
            if (c.model() == model && c.isCompressed()) {
                b.addCompressor(c);
            }
        }
        return new Replica(b.build());
    }

    /**
     * A compressor's statistics (or calibration) pass on {@code model}: {@code batches} (the statistics
     * batches), then {@code finish} (its {@code finishStatistics()}: masks or ranges from what the batches
     * showed). In a group, a replica over the tracked compressors is built first (rank 0's state broadcast
     * while every rank still holds the same), and its {@link DataParallel#synchronizeBuffers()} runs after the
     * batches and after {@code finish}: observer ranges are reduced over all ranks' batches (min/max), and
     * every rank ends with rank 0's masks. The replica's optimizer is an SGD that never steps: the library
     * hooks an optimizer, a statistics pass has none.
     */
    public static void statistics(Module model, Runnable batches, Runnable finish) {
        if (context == null) {
            batches.run();
            finish.run();
            return;
        }
        try (Sgd unused = Sgd.builder().setLearningRate(1).build(model.parameters());
                Replica r = replicate(model, unused)) {
            batches.run();
            r.dataParallel.synchronizeBuffers();
            finish.run();
            r.dataParallel.synchronizeBuffers();
        }
    }

    private static void deleteScratch() {
        if (scratch == null) {
            return;
        }
        Path dir = scratch;
        scratch = null;
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            // the command's outcome stands; the leftover directory is only disk space, so say where it is
            LOG.warn("could not delete this rank's temporary output directory {}: {}", dir, e.toString());
        }
    }
}
