package dev.shrink4j.algorithms;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Rebuilds the structure a {@link dev.shrink4j.compress.protocol.Restructuring} compressor gave a model, from the
 * entry its saver wrote into the file's {@code __metadata__} ({@link #metadataKey()}, e.g. low-rank's
 * {@code "low_rank_layers"}): given a fresh model of the recorded architecture, it replaces the recorded layers and
 * loads the state dict. Restorers come with the algorithms, through their {@link AlgorithmProvider#modelRestorers()},
 * so a tool that reloads model files ({@link #find}) needs to know no algorithm.
 *
 * <pre>{@code
 * ModelMetadata m = ModelMetadata.read(file);
 * Module model = ModelRestorer.find(m).map(r -> r.restore(file, ModelZoo.create("lenet5", 1, 10)))...;
 * }</pre>
 */
public interface ModelRestorer {

    /** The {@code __metadata__} key whose presence says this restorer must load the file. */
    String metadataKey();

    /**
     * Rebuilds the recorded structure in {@code architecture} and loads {@code file}'s state dict (strict).
     *
     * @return {@code architecture}, restructured and loaded
     * @throws IllegalArgumentException naming the file when its records or tensors do not fit the architecture
     */
    Module restore(Path file, Module architecture) throws IOException;

    /**
     * The restorer for a file with {@code metadata}: the first one on the class path whose key it records, or empty
     * for a plain state dict.
     */
    static Optional<ModelRestorer> find(ModelMetadata metadata) {
        return installed().stream().filter(r -> metadata.get(r.metadataKey()).isPresent()).findFirst();
    }

    /** Every restorer the class path's {@link AlgorithmProvider}s offer, in {@link ServiceLoader} order. */
    static List<ModelRestorer> installed() {
        List<ModelRestorer> out = new ArrayList<>();
        ServiceLoader.load(AlgorithmProvider.class, ModelRestorer.class.getClassLoader())
                .forEach(p -> out.addAll(p.modelRestorers()));
        return out;
    }
}
