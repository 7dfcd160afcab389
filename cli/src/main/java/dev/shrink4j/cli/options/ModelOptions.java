package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.nn.Module;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The required {@code --arch} of the commands that work on a zoo model ({@code train}, {@code prune},
 * {@code quantize}), and creating that model. ({@code evaluate} declares its own, optional {@code --arch}:
 * it can take the architecture from the weights file's metadata.) {@code --weights} is not here: its help
 * text differs between the commands ("trained weights" for the compressors, "weights" for
 * {@code evaluate}, optional for {@code inspect}), and picocli takes option descriptions from the
 * annotation alone.
 */
public final class ModelOptions {

    @Option(names = "--arch", required = true, description = "model architecture (see 'inspect')")
    String arch;

    /** The architecture's zoo name. */
    public String arch() {
        return arch;
    }

    /** A fresh model sized for {@code data} (see {@link Models#create}). */
    public Module create(DataSpec data) {
        return Models.create(arch, data);
    }

    /** A fresh model sized for {@code data} with {@code weights} loaded (see {@link Models#load}). */
    public Module load(DataSpec data, Path weights) {
        return Models.load(arch, data, weights);
    }
}
