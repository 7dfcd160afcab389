package dev.shrink4j.distributed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ranks of a process test: one JVM per rank running {@link DataParallelWorker}, on this test's class
 * path, with standard output and error in {@code DIR/rank<r>.out} and {@code .err}. {@link #close()}
 * kills whatever still runs, so a failing test leaves no process behind.
 */
final class WorkerProcesses implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final Path dir;

    /** Starts {@code world} workers in {@code mode} on a fresh port of 127.0.0.1. */
    WorkerProcesses(String mode, int world, Path dir) throws IOException {
        this.dir = dir;
        int port = FreePorts.next();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int r = 0; r < world; r++) {
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), DataParallelWorker.class.getName(), mode,
                    Integer.toString(r), Integer.toString(world), Integer.toString(port), dir.toString());
            // without it OpenBLAS's threads fight libgomp's on 2 cores
            pb.environment().put("OPENBLAS_NUM_THREADS", "1");
            pb.redirectOutput(dir.resolve("rank" + r + ".out").toFile());
            pb.redirectError(dir.resolve("rank" + r + ".err").toFile());
            processes.add(pb.start());
        }
    }

    Process process(int rank) {
        return processes.get(rank);
    }

    /** Rank {@code rank}'s standard output or error ({@code "out"}, {@code "err"}) so far. */
    String log(int rank, String stream) throws IOException {
        Path f = dir.resolve("rank" + rank + "." + stream);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    /** Waits for rank {@code rank} to exit, at most {@code seconds}; its exit code, or fails naming its logs. */
    int exitCode(int rank, long seconds) throws Exception {
        Process p = processes.get(rank);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("rank " + rank + " still runs after " + seconds + " s; stderr:\n" + log(rank, "err"));
        }
        return p.exitValue();
    }

    /** Polls rank {@code rank}'s standard output until it contains {@code text}, at most {@code seconds}. */
    void awaitOutput(int rank, String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!log(rank, "out").contains(text)) {
            if (System.nanoTime() > deadline || !processes.get(rank).isAlive() && !log(rank, "out").contains(text)) {
                throw new AssertionError("rank " + rank + " did not print \"" + text + "\" within " + seconds + " s; stderr:\n"
                        + log(rank, "err"));
            }
            Thread.sleep(20);
        }
    }

    /** Kills every rank still running (SIGKILL) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (Process p : processes) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
