package dev.shrink4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

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
}
