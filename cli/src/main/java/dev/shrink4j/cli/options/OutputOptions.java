package dev.shrink4j.cli.options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The required {@code --out} directory of the commands that write a model and a report
 * ({@code train}, {@code prune}, {@code quantize}); {@code demo} has its own, with a default.
 */
public final class OutputOptions {

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    /**
     * Creates the output directory (and its parents) where missing.
     *
     * @return the directory as given on the command line
     */
    public Path create() throws IOException {
        return Files.createDirectories(out);
    }
}
