package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.DistributedRun;
import java.io.IOException;
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
     * Creates the output directory (and its parents) where missing; on a data-parallel run's other ranks,
     * a temporary directory of their own instead ({@link DistributedRun#outputDirectory}).
     *
     * @return the directory as given on the command line (rank 0, or running alone)
     */
    public Path create() throws IOException {
        return DistributedRun.outputDirectory(out);
    }
}
