package dev.shrink4j.search.nni;

import dev.shrink4j.nn.Module;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The last step of an {@link AutoCompress} round: make the masked model cheaper (NNI's {@code ModelSpeedup}). Weight
 * (unstructured) masks cannot shrink a layer, so the default does nothing and the masks stay applied.
 */
@FunctionalInterface
public interface ModelSpeedup {

    /** Speeds up {@code model}, whose weights are already multiplied by {@code masks}. */
    void speedup(Module model, Map<String, Tensor> masks);
}
