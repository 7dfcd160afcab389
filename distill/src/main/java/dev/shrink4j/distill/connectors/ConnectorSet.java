package dev.shrink4j.distill.connectors;

import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A distiller's connectors by name (MMRazor's {@code nn.ModuleDict}): one module whose children are the
 * connectors, so they train, switch mode, save and load together under their config names
 * ({@code loss_s4_sfeat.conv_module.conv.weight}). It is never called itself.
 */
public final class ConnectorSet extends Module {

    private final Map<String, Connector> connectors = new LinkedHashMap<>();

    /**
     * The given connectors under their names.
     *
     * @throws IllegalArgumentException for a name that is empty or contains a dot
     */
    public ConnectorSet(Map<String, Connector> connectors) {
        connectors.forEach((name, c) -> this.connectors.put(name, registerModule(name, c)));
    }

    /** The connectors by name. */
    public Map<String, Connector> connectors() {
        return Collections.unmodifiableMap(connectors);
    }

    /** The connector called {@code name}, or null. */
    public Connector get(String name) {
        return connectors.get(name);
    }

    /** Every connector's trainable parameters, in order. */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        connectors.values().forEach(c -> out.addAll(c.trainableParameters()));
        return out;
    }

    /** @throws UnsupportedOperationException always: connectors are called one by one, by mapping */
    @Override
    protected Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("a ConnectorSet is not called; call its connectors by name");
    }
}
