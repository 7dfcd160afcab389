package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs its children in order ({@code nn.Sequential}); children are named {@code "0"}, {@code "1"}, …
 * so state-dict keys match PyTorch's ({@code features.0.weight}).
 */
public class Sequential extends Module {

    private final List<Module> layers = new ArrayList<>();

    /** A sequence of the given modules. */
    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends a module under the next index name; returns this. */
    public final Sequential add(Module module) {
        registerModule(Integer.toString(layers.size()), module);
        layers.add(module);
        return this;
    }

    /** The i-th module. */
    public final Module get(int index) {
        return layers.get(index);
    }

    /** The number of modules. */
    public final int size() {
        return layers.size();
    }

    @Override
    protected Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : layers) {
            x = m.call(x);
        }
        return x;
    }
}
