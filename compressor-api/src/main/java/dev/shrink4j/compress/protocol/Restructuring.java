package dev.shrink4j.compress.protocol;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A compressor that changes the model's module tree instead of masking it: it replaces or shrinks layers
 * (low-rank decomposition, channel pruning with reconstruction), so the model after compression has new
 * parameters and a new state dict. A training loop, after {@code compress()} (and, when it is also
 * {@link DataDriven}, after {@code finishStatistics()}, once {@link #restructured()} says so):
 * <ul>
 *   <li>builds a <em>new</em> optimizer over {@code model.parameters()}: one built before holds the replaced
 *       parameters, which no longer take part in forward;</li>
 *   <li>saves with {@link #saveModel}, which records in the metadata what a loader needs to rebuild the
 *       structure from a fresh model of the architecture ({@code dev.shrink4j.algorithms.ModelRestorer});</li>
 *   <li>shows {@link #reportTable()} and stores {@link #reportJson()}.</li>
 * </ul>
 *
 * <pre>{@code
 * compressor.compress();                              // (plus statistics batches when data-driven)
 * Restructuring r = (Restructuring) compressor;
 * System.out.print(r.reportTable());
 * try (Optimizer adam = Adam.builder().setLearningRate(1e-3).build(model.parameters())) { ...fine-tune... }
 * r.saveModel(model, metadata, Path.of("model.safetensors"));
 * }</pre>
 */
public interface Restructuring {

    /** Whether the module tree is final: the layers are replaced (a data-driven one: after its statistics). */
    boolean restructured();

    /**
     * Writes {@code model}'s state dict to {@code file} (atomically) with {@code metadata} plus the entries that
     * describe the new structure.
     *
     * @param model the compressed model (the compressor's own)
     * @throws IllegalStateException before {@link #restructured()}
     */
    void saveModel(Module model, ModelMetadata metadata, Path file) throws IOException;

    /**
     * The per-layer report as a fixed-width table with a header and a total line (FLOPs before and after and
     * whatever the algorithm measures).
     *
     * @throws IllegalStateException before {@link #restructured()}
     */
    String reportTable();

    /**
     * The per-layer report as JSON.
     *
     * @throws IllegalStateException before {@link #restructured()}
     */
    String reportJson();
}
