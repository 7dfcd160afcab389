package dev.shrink4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.global.torch;

/** Runs the command line in-process and captures what it prints. */
public final class CliTests {

    /** Exit code, standard output and standard error of one run. */
    public record Result(int code, String out, String err) {

        /** Checks that the run succeeded (exit code 0), showing its standard error otherwise. */
        public void assertSucceeded() {
            assertEquals(0, code, err);
        }

        /** Checks that the run was a usage error (exit code 2) that printed exactly {@code expectedErr}. */
        public void assertUsageError(String expectedErr) {
            assertEquals(2, code, err);
            assertEquals(expectedErr, err);
        }
    }

    private CliTests() {
    }

    public static Result run(String... args) {
        return run(TestAlgorithms.registry(), args);
    }

    /**
     * Runs the command line with the registry its main loads ({@link AlgorithmRegistry#load()}: every provider on the
     * class path, the amc module's and the test providers' among them).
     */
    public static Result runWithProviders(String... args) {
        return run(AlgorithmRegistry.load(), args);
    }

    private static Result run(AlgorithmRegistry registry, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Shrink4j.execute(registry, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * Runs {@code command} ({@code prune}, {@code quantize}) on LeNet-5 with {@code weights} and {@code config}
     * into {@code out}, on one thread, with {@code more} arguments after those.
     */
    public static Result compress(String command, Path weights, Path config, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--arch", "lenet5", "--weights", weights.toString(),
                "--config", config.toString(), "--out", out.toString(), "--threads", "1"));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    /**
     * Writes the state dict of a fresh LeNet-5 for 10 classes, initialised under seed 7 (so every test
     * that compresses it sees the same weights), to {@code dir/w.safetensors}.
     */
    public static Path lenet5Weights(Path dir) throws IOException {
        Path w = dir.resolve("w.safetensors");
        torch.manual_seed(7);
        try (LeNet5 m = new LeNet5(10)) {
            SafeTensors.save(m.stateDict(), w);
        }
        return w;
    }

    /**
     * Writes the state dict of a fresh ResNet-20 for {@code inChannels}-channel images and 10 classes, initialised
     * under seed 7, to {@code dir/resnet20.safetensors}.
     */
    public static Path resnet20Weights(Path dir, int inChannels) throws IOException {
        Path w = dir.resolve("resnet20.safetensors");
        torch.manual_seed(7);
        try (org.bytedeco.javacpp.PointerScope s = new org.bytedeco.javacpp.PointerScope();
                dev.shrink4j.workbench.zoo.ResNet net = dev.shrink4j.workbench.zoo.ResNet.resnet20(inChannels, 10)) {
            SafeTensors.save(net.stateDict(), w);
        }
        return w;
    }
}
