package dev.shrink4j.samples.bench;

import dev.shrink4j.distributed.CommunicationStats;
import dev.shrink4j.distributed.DataParallel;
import dev.shrink4j.distributed.DistributedContext;
import dev.shrink4j.distributed.DistributedSettings;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Data-parallel training throughput of ResNet-20 (CIFAR-10 shapes, SGD with momentum, one fixed random
 * batch so only compute and communication are timed), on this machine:
 * <ul>
 *   <li><b>1 process × 2 threads</b>: one JVM, {@code torch.set_num_threads(2)}, batch 128;</li>
 *   <li><b>2 processes × 1 thread</b>: two JVMs on 127.0.0.1, one thread each, batch 64 per rank (the same
 *       128 samples per step), gradients averaged by {@link DataParallel} over Gloo.</li>
 * </ul>
 * Reported: samples per second over both, the mean step time, and for the two processes the time spent
 * synchronising per step (the gradient all-reduce, including waiting for the slower rank) as a share of
 * the step (goal &lt; 10%), with the bytes all-reduced per step.
 *
 * <p>Run: {@code samples/run bench.DistributedBench [steps]} (default 12 timed steps after 3 warm-up ones).
 * The ranks are started as {@code … DistributedBench rank RANK WORLD PORT STEPS}.
 */
public final class DistributedBench {

    static final int BATCH_PER_RANK = 64;
    static final int WARMUP = 3;

    private DistributedBench() {
    }

    /**
     * One configuration's measurement.
     *
     * @param setup          what ran, e.g. {@code 2 processes × 1 thread}
     * @param samplesPerStep samples of one step over all processes
     * @param stepMs         mean step time (forward, backward, synchronisation, update)
     * @param syncMs         mean synchronisation time per step (0 for one process)
     * @param bytesPerStep   bytes all-reduced per step by each rank (0 for one process)
     */
    public record Result(String setup, int samplesPerStep, double stepMs, double syncMs, long bytesPerStep) {

        /** Samples per second over all processes. */
        public double samplesPerSecond() {
            return samplesPerStep * 1000.0 / stepMs;
        }

        /** The synchronisation's share of a step. */
        public double syncShare() {
            return syncMs / stepMs;
        }

        /** One line a parent process can parse back ({@link #parse}). */
        String line() {
            return String.format(Locale.ROOT, "RESULT %d %.6f %.6f %d", samplesPerStep, stepMs, syncMs, bytesPerStep);
        }

        static Result parse(String setup, String line) {
            String[] f = line.trim().split(" ");
            return new Result(setup, Integer.parseInt(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                    Long.parseLong(f[4]));
        }
    }

    /** Times {@code steps} steps of ResNet-20 on one batch of {@code batch}; {@code timing} runs after the warm-up. */
    private static double meanStepMs(Module model, Sgd sgd, int batch, int steps, long seed, Runnable timing) {
        torch.manual_seed(seed);
        try (PointerScope data = new PointerScope()) {
            Tensor x = torch.randn(batch, 3, 32, 32);
            Tensor y = torch.randint(0, 10, new long[] {batch});
            WrapperOverheadBench.timeBlock(model, sgd, x, y, WARMUP);
            timing.run();
            return WrapperOverheadBench.timeBlock(model, sgd, x, y, steps);
        }
    }

    private static Module resnet20() {
        torch.manual_seed(0);
        return ModelZoo.create("resnet20", 3, 10);
    }

    private static Sgd sgd(Module model) {
        return Sgd.builder().setLearningRate(0.05).optMomentum(0.9).build(model.parameters());
    }

    /** One process, two threads, batch 128. */
    static Result oneProcess(int steps) {
        torch.set_num_threads(2);
        try (Module model = resnet20(); Sgd sgd = sgd(model)) {
            int batch = 2 * BATCH_PER_RANK;
            return new Result("1 process × 2 threads", batch, meanStepMs(model, sgd, batch, steps, 1, () -> { }), 0, 0);
        }
    }

    /** Rank {@code rank} of {@code world}: batch 64, one thread; rank 0 prints its {@link Result#line()}. */
    static void rank(int rank, int world, int port, int steps) {
        torch.set_num_threads(1);
        DistributedSettings settings = DistributedSettings.builder().setRank(rank).setWorldSize(world).setMasterPort(port)
                .optTimeout(Duration.ofSeconds(120)).build();
        try (DistributedContext ctx = DistributedContext.connect(settings); Module model = resnet20(); Sgd sgd = sgd(model);
                DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(model, sgd).build()) {
            CommunicationStats[] warm = new CommunicationStats[1];
            double stepMs = meanStepMs(model, sgd, BATCH_PER_RANK, steps, 1 + rank, () -> warm[0] = dp.statistics());
            CommunicationStats stats = dp.statistics();
            double syncMs = (stats.communicationNanos() - warm[0].communicationNanos()) / 1e6 / (stats.steps() - warm[0].steps());
            if (ctx.isMain()) {
                Result r = new Result(world + " processes × 1 thread", world * BATCH_PER_RANK, stepMs, syncMs,
                        stats.gradientBytesPerStep() + stats.bufferBytesPerStep());
                System.out.println(r.line());
            }
            ctx.finish();
        }
    }

    /** Starts {@code world} rank JVMs on this class path and returns rank 0's result. */
    static Result processes(int world, int steps) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> ranks = new ArrayList<>();
        try {
            for (int r = 0; r < world; r++) {
                ProcessBuilder pb = new ProcessBuilder(java, "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                        System.getProperty("java.class.path"), DistributedBench.class.getName(), "rank", Integer.toString(r),
                        Integer.toString(world), Integer.toString(port), Integer.toString(steps));
                pb.environment().put("OPENBLAS_NUM_THREADS", "1");
                pb.redirectErrorStream(true);
                ranks.add(pb.start());
            }
            String result = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(ranks.get(0).getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("RESULT ")) {
                        result = line;
                    } else if (!line.startsWith("[Gloo]")) {
                        System.err.println("rank 0: " + line);
                    }
                }
            }
            for (Process p : ranks) {
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IllegalStateException("a rank failed (exit " + (p.isAlive() ? "none, still running" : p.exitValue()) + ")");
                }
            }
            if (result == null) {
                throw new IllegalStateException("rank 0 printed no result");
            }
            return Result.parse(world + " processes × 1 thread", result);
        } finally {
            ranks.forEach(Process::destroyForcibly);
        }
    }

    /** Runs both configurations and prints the table; {@code rank …} runs one rank (started by the former). */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("rank")) {
            rank(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            System.exit(0);
        }
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        List<Result> results = new ArrayList<>();
        results.add(processes(2, steps)); // first, while this JVM has no libtorch threads of its own
        results.add(oneProcess(steps));
        System.out.println(table(results));
        System.out.println(String.format(Locale.ROOT, "2 processes / 1 process: %.2f× the samples per second",
                results.get(0).samplesPerSecond() / results.get(1).samplesPerSecond()));
    }

    /** The results as a Markdown table. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder("| setup (ResNet-20, 128 samples per step) | samples/s | step (ms) | sync per step (ms) "
                + "| sync share | all-reduced per step and rank |\n|---|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %.1f%% | %s |%n", r.setup(), r.samplesPerSecond(),
                    r.stepMs(), r.syncMs(), 100 * r.syncShare(), r.bytesPerStep() == 0 ? "-"
                    : String.format(Locale.ROOT, "%.2f MB", r.bytesPerStep() / 1e6)));
        }
        return sb.toString();
    }
}
