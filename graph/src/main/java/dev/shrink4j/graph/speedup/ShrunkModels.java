package dev.shrink4j.graph.speedup;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.LayerWidths;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Files of physically pruned models: the state dict under the original keys with the smaller shapes, and in
 * {@code __metadata__} the widths of every resizable layer ({@value ModelMetadata#LAYER_WIDTHS}) next to
 * what the caller records (the architecture's zoo name {@value ModelMetadata#ARCH}, the dataset, the input
 * normalisation). A zoo model comes back from the file alone with
 * {@code dev.shrink4j.workbench.zoo.ModelZoo.load(file)}; any other with {@link #load(Path, Module)}, given a
 * fresh model of the same architecture. In PyTorch, build the architecture with the recorded widths and
 * {@code load_state_dict} the file.
 */
public final class ShrunkModels {

    private ShrunkModels() {
    }

    /**
     * Writes {@code model}'s state dict to {@code file} (atomically), with {@code metadata} plus
     * {@value ModelMetadata#LAYER_WIDTHS} and {@value ModelMetadata#CONTENTS} = {@value ModelMetadata#SHRUNK_WEIGHTS}.
     */
    public static void save(Module model, ModelMetadata metadata, Path file) throws IOException {
        ModelMetadata meta = metadata.withLayerWidths(model).withContents(ModelMetadata.SHRUNK_WEIGHTS);
        SafeTensors.save(model.stateDict(), meta.asMap(), file);
    }

    /**
     * Resizes {@code architecture} (a fresh model of the architecture the file was saved from) to the widths
     * {@code file} records and loads its state dict strictly.
     *
     * @return {@code architecture}, resized and loaded
     * @throws IllegalArgumentException naming the file when it records no widths, or they or its tensors do not
     *                                  fit (then {@code architecture} may have been resized, but holds no value of
     *                                  the file)
     */
    public static Module load(Path file, Module architecture) throws IOException {
        ModelMetadata meta = ModelMetadata.read(file);
        Map<String, Map<String, Long>> widths = meta.layerWidths().orElseThrow(() -> new IllegalArgumentException(file
                + " records no layer widths (__metadata__ \"" + ModelMetadata.LAYER_WIDTHS + "\"): it is not a shrunk model"));
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> state = SafeTensors.load(file);
            LayerWidths.apply(architecture, widths);
            architecture.loadStateDict(state, true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return architecture;
    }
}
