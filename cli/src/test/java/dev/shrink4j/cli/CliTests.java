package dev.shrink4j.cli;

import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;

/** Runs the command line in-process and captures what it prints. */
public final class CliTests {

    /** Exit code, standard output and standard error of one run. */
    public record Result(int code, String out, String err) {
    }

    private CliTests() {
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Shrink4j.execute(TestAlgorithms.registry(), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
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
}
