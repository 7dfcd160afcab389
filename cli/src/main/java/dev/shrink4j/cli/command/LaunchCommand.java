package dev.shrink4j.cli.command;

import dev.shrink4j.cli.run.DistributedRun;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.distributed.DistributedSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code shrink4j launch --nproc N [--master-port P] [--timeout S] -- COMMAND ARGS…}: what torchrun's
 * {@code --nproc_per_node} does, for shrink4j. It starts {@code N} JVMs of this command line (the same
 * {@code java}, class path and heap and {@code -D} options) running {@code COMMAND ARGS…}, each with
 * {@code MASTER_ADDR=127.0.0.1}, {@code MASTER_PORT} (a free port unless given), {@code RANK},
 * {@code WORLD_SIZE=N}, {@code LOCAL_RANK} and {@value DistributedRun#TIMEOUT_ENV} in its environment, so
 * they train data-parallel ({@link DistributedRun}). As torchrun does, it sets {@code OMP_NUM_THREADS}
 * when unset (here to the processors divided by {@code N}, at least 1), so the ranks do not fight for
 * the cores.
 *
 * <p>Rank 0's standard output and error are passed through; the other ranks' standard error is
 * printed line by line prefixed {@code [rank r]}, their standard output dropped (it repeats rank 0's).
 * When a rank exits with a non-zero code, the others get {@code --timeout} seconds to notice and stop
 * (they fail at their next collective, naming the lost rank); whatever still runs then is killed, and
 * launch exits with the first failing rank's code. It exits 0 when every rank does.
 */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = "Run a command data-parallel in N local processes (like torchrun --nproc_per_node).",
        footer = {"", "Example: shrink4j launch --nproc 2 -- prune --arch lenet5 --weights w.safetensors "
                + "--config configs/level.json --epochs 1 --out runs/l1-2proc",
                "On several machines, start the command on each with torchrun's variables instead "
                        + "(MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK)."})
public final class LaunchCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LaunchCommand.class);

    /** The command line this runs under: its class is the main class of the ranks. */
    @ParentCommand
    CommandRoot parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--nproc", required = true, description = "number of processes (ranks) to start, at least 1")
    int nproc;

    @Option(names = "--master-port", description = "the port of rank 0's rendezvous store on 127.0.0.1 (default: a free port)")
    Integer masterPort;

    @Option(names = "--timeout", defaultValue = "60", description = "seconds every collective may wait, and that the other "
            + "ranks get to stop after one fails before they are killed (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the shrink4j command and its arguments, after --")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (nproc < 1) {
            throw new UsageException("--nproc must be at least 1, got " + nproc);
        }
        if (timeoutSeconds < 1) {
            throw new UsageException("--timeout must be at least 1 (seconds), got " + timeoutSeconds);
        }
        if (masterPort != null && (masterPort < 1 || masterPort > 65535)) {
            throw new UsageException("--master-port " + masterPort + " is outside [1, 65535]");
        }
        if (command.isEmpty()) {
            throw new UsageException("a command is needed after --, e.g. launch --nproc 2 -- prune --arch lenet5 ...");
        }
        int port = masterPort != null ? masterPort : freePort();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Process> ranks = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Thread killer = new Thread(() -> ranks.forEach(Process::destroyForcibly), "shrink4j-launch-cleanup");
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            for (int r = 0; r < nproc; r++) {
                Process p = start(r, port);
                ranks.add(p);
                p.getOutputStream().close();
                if (r == 0) {
                    pumps.add(pump(p.getInputStream(), out, "rank 0 stdout"));
                    pumps.add(pump(p.getErrorStream(), err, "rank 0 stderr"));
                } else {
                    pumps.add(prefixedLines(p.getErrorStream(), err, "[rank " + r + "] "));
                }
            }
            LOG.info("launched {} rank(s) of '{}' (store 127.0.0.1:{})", nproc, String.join(" ", command), port);
            List<String> outcome = new ArrayList<>();
            int code = await(ranks, outcome);
            for (Thread t : pumps) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
            out.flush();
            // after the ranks' own lines, which say why
            outcome.forEach(err::println);
            err.flush();
            return code;
        } finally {
            ranks.forEach(Process::destroyForcibly);
            Runtime.getRuntime().removeShutdownHook(killer);
        }
    }

    /** Starts rank {@code rank}: this JVM's java, class path and heap/property options, torchrun's variables. */
    private Process start(int rank, int port) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // heap size and properties (headless, log level, shrink4j.mkldnn); not agents or debug ports
            if (arg.startsWith("-D") || arg.startsWith("-Xmx") || arg.startsWith("-Xms") || arg.startsWith("-Xss")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(parent.getClass().getName());
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put(DistributedSettings.MASTER_ADDR, "127.0.0.1");
        env.put(DistributedSettings.MASTER_PORT, Integer.toString(port));
        env.put(DistributedSettings.RANK, Integer.toString(rank));
        env.put(DistributedSettings.WORLD_SIZE, Integer.toString(nproc));
        env.put(DistributedSettings.LOCAL_RANK, Integer.toString(rank));
        env.put(DistributedRun.TIMEOUT_ENV, Integer.toString(timeoutSeconds));
        if (nproc > 1 && !env.containsKey("OMP_NUM_THREADS")) {
            env.put("OMP_NUM_THREADS", Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / nproc)));
        }
        // without it OpenBLAS's thread pool fights libgomp's (as the shrink4j script says)
        env.putIfAbsent("OPENBLAS_NUM_THREADS", "1");
        if (rank > 0) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        return pb.start();
    }

    /**
     * Waits for every rank; after the first non-zero exit the others get the timeout to stop, then are
     * killed. Returns the first failing rank's code, or 0; what happened goes into {@code outcome}.
     */
    private int await(List<Process> ranks, List<String> outcome) throws InterruptedException {
        int failedRank = -1;
        int failedCode = 0;
        long deadline = Long.MAX_VALUE;
        while (true) {
            boolean running = false;
            for (int r = 0; r < ranks.size(); r++) {
                Process p = ranks.get(r);
                if (p.isAlive()) {
                    running = true;
                } else if (failedRank < 0 && p.exitValue() != 0) {
                    failedRank = r;
                    failedCode = p.exitValue();
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
                    LOG.warn("rank {} exited with code {}; the others get {} s to stop", r, failedCode, timeoutSeconds);
                }
            }
            if (!running) {
                break;
            }
            if (System.nanoTime() > deadline) {
                List<Integer> killed = new ArrayList<>();
                for (int r = 0; r < ranks.size(); r++) {
                    if (ranks.get(r).isAlive()) {
                        ranks.get(r).destroyForcibly().waitFor();
                        killed.add(r);
                    }
                }
                outcome.add("shrink4j launch: killed rank(s) " + killed + ", still running " + timeoutSeconds
                        + " s after rank " + failedRank + " failed");
                break;
            }
            Thread.sleep(50);
        }
        if (failedRank >= 0) {
            outcome.add("shrink4j launch: rank " + failedRank + " exited with code " + failedCode);
        }
        return failedCode;
    }

    /** Copies {@code in} to {@code to} as it comes (progress bars redraw lines with carriage returns). */
    private static Thread pump(InputStream in, PrintWriter to, String name) {
        return daemon(name, () -> {
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                char[] buf = new char[4096];
                for (int n; (n = r.read(buf)) >= 0; ) {
                    to.write(buf, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": reading the rank's output failed", e);
            }
        });
    }

    /** Copies {@code in} to {@code to} line by line, each line prefixed. */
    private static Thread prefixedLines(InputStream in, PrintWriter to, String prefix) {
        return daemon(prefix.strip() + " stderr", () -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    to.println(prefix + line);
                    to.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(prefix + "reading the rank's standard error failed", e);
            }
        });
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, "shrink4j-launch " + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A port that nothing listens on now (the system's pick), as torchrun picks one. */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
