package dev.shrink4j.search.nni;

import dev.shrink4j.nn.Module;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The last step of an {@link AutoCompress} round: make the masked model cheaper (NNI's {@code ModelSpeedup}; named apart from {@code dev.shrink4j.graph.speedup.ModelSpeedup}, which a channel-pruning implementation would call). Weight
 * (unstructured) masks cannot shrink a layer, so the default does nothing and the masks stay applied.
 */
@FunctionalInterface
public interface RoundShrinker {

    /** Speeds up {@code model}, whose weights are already multiplied by {@code masks}. */
    void shrink(Module model, Map<String, Tensor> masks);
}
