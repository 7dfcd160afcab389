package dev.shrink4j.workbench.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;

/** Writes small IDX files for tests and finds the real benchmark data when it is installed. */
public final class TestFiles {

    private TestFiles() {
    }

    /** IDX bytes: a big-endian header of {@code ints}, then {@code data}. */
    public static byte[] idx(byte[] data, int... ints) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (int i : ints) {
                out.writeInt(i);
            }
            out.write(data);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes {@code content} gzip-compressed to {@code file}. */
    public static Path writeGz(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
        return file;
    }

    /**
     * The Fashion-MNIST directory: Debian's default, else the {@code shared/data} copy beside the
     * checkout (CI clones the repository with {@code shared/} next to it). Skips the test when none
     * has the files, except under {@code CI=true}, where a missing data set fails the test: CI must
     * run the real-data tests, not report them as skipped.
     */
    public static Path fashionMnistDir() {
        return find(IdxDataset.FASHION_MNIST.defaultDirectory(), "fashion-mnist");
    }

    /** The MNIST directory, found like {@link #fashionMnistDir()}. */
    public static Path mnistDir() {
        return find(IdxDataset.MNIST.defaultDirectory(), "mnist");
    }

    private static Path find(Path preferred, String name) {
        List<Path> candidates = List.of(preferred, Path.of("../shared/data", name), Path.of("../../shared/data", name),
                Path.of("../../../shared/data", name));
        return find(candidates, name, System.getenv("CI"));
    }

    /** The first of {@code candidates} holding the test labels; else skips, or fails when {@code ciVariable} is "true". */
    static Path find(List<Path> candidates, String name, String ciVariable) {
        for (Path dir : candidates) {
            if (Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte.gz"))) {
                return dir;
            }
        }
        String message = name + " not found in " + candidates;
        if (runningOnCi(ciVariable)) {
            throw new AssertionError(message + " (CI=true: real-data tests must not be skipped; "
                    + ".ci/run installs Debian's dataset-fashion-mnist)");
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** Whether the {@code CI} environment variable's value marks a CI run (GitHub's and GitLab's convention). */
    static boolean runningOnCi(String ciVariable) {
        return ciVariable != null && ciVariable.equalsIgnoreCase("true");
    }
}
