package dev.shrink4j.cli.command;

import dev.shrink4j.cli.Shrink4j;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code shrink4j} command line in a JVM of its own, on this test's class path, with extra
 * environment variables (torchrun's, for the data-parallel tests); standard output and error go to
 * {@code DIR/NAME.out} and {@code .err}. {@link #close()} kills it if it still runs.
 */
final class CliProcess implements AutoCloseable {

    private final Process process;
    private final Path out;
    private final Path err;

    CliProcess(String name, Path dir, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Shrink4j.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        out = dir.resolve(name + ".out");
        err = dir.resolve(name + ".err");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        process = pb.start();
    }

    /** Its standard error so far. */
    String err() throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Its standard output so far. */
    String out() throws IOException {
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Waits at most {@code seconds} for it to exit; its exit code, or fails showing its standard error. */
    int exitCode(long seconds) throws Exception {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("still running after " + seconds + " s; stderr:\n" + err());
        }
        return process.exitValue();
    }

    /** Polls its standard error until it contains {@code text}, at most {@code seconds}. */
    void awaitErr(String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!err().contains(text)) {
            if (System.nanoTime() > deadline || !process.isAlive() && !err().contains(text)) {
                throw new AssertionError("\"" + text + "\" not printed within " + seconds + " s; stderr:\n" + err());
            }
            Thread.sleep(20);
        }
    }

    /** Kills it (SIGKILL), as a crash or the OOM killer would. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
