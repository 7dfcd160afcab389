package dev.shrink4j.search.nni;

import dev.shrink4j.nn.Module;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The last step of an {@link AutoCompress} round: make the masked model cheaper (NNI's {@code ModelSpeedup};
 * {@link FilterSpeedup} removes zeroed filters with {@code dev.shrink4j.graph.speedup.ModelSpeedup}). Weight
 * (unstructured) masks cannot shrink a layer, so the default returns the masks unchanged and they stay applied.
 */
@FunctionalInterface
public interface RoundShrinker {

    /**
     * Speeds up {@code model}, whose weights are already multiplied by {@code masks}.
     *
     * @param masks the round's masks by parameter name (owned by the caller)
     * @return the masks that still apply to the model afterwards, by parameter name: {@code masks} itself when nothing
     *     was removed, none for a layer that was shrunk to its kept filters (the caller closes what it passed in, except
     *     the tensors returned)
     */
    Map<String, Tensor> shrink(Module model, Map<String, Tensor> masks);
}
