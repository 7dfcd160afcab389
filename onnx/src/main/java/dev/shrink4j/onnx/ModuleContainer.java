package dev.shrink4j.onnx;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A node of an {@link ImportedModel}'s tree that only holds children ({@code layer1}, {@code layer1.0}): the
 * PyTorch modules whose names prefix the initializers ({@code layer1.0.conv1.weight}). It is never called: the
 * imported model's forward calls the leaf layers in the ONNX graph's order.
 */
public final class ModuleContainer extends Module {

    ModuleContainer() {
    }

    /** Registers {@code module} as child {@code name}. */
    <M extends Module> M add(String name, M module) {
        return registerModule(name, module);
    }

    @Override
    protected Tensor forward(Tensor input) {
        throw new IllegalStateException("a ModuleContainer of an imported ONNX model only groups layers; the"
                + " ImportedModel calls its children in the graph's order");
    }

    @Override
    public String toString() {
        return "ModuleContainer(" + namedChildren().keySet() + ")";
    }
}
