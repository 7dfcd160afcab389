package dev.shrink4j.distill.connectors;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Connectors applied in order: a connector entry of a config that is a list (MMRazor builds an
 * {@code nn.Sequential} of them). The elements are named {@code 0}, {@code 1}, … as in PyTorch.
 */
public final class ConnectorSequence extends Connector {

    /** What the config writes: a list, not a type. */
    public static final String TYPE = "list";

    private final List<Connector> elements = new ArrayList<>();

    /** The given connectors, in order. */
    public ConnectorSequence(List<Connector> connectors) {
        super(TYPE);
        if (connectors.isEmpty()) {
            throw new IllegalArgumentException("a connector sequence needs at least one connector");
        }
        for (Connector c : connectors) {
            registerModule(Integer.toString(elements.size()), c);
            elements.add(c);
        }
    }

    /** The connectors, in order. */
    public List<Connector> elements() {
        return List.copyOf(elements);
    }

    @Override
    protected Tensor forward(Tensor input) {
        return run(input, null);
    }

    /** Checks each element on what the previous one produced; a problem names the element ({@code [1] …}). */
    @Override
    public Tensor checkedCall(Tensor input, List<String> problems) {
        return run(input, problems);
    }

    /** The elements in order; with {@code problems}, each checked first (null, after adding the problem, when one does not fit). */
    private Tensor run(Tensor input, List<String> problems) {
        Tensor x = input;
        for (int i = 0; i < elements.size() && x != null; i++) {
            if (problems == null) {
                x = elements.get(i).call(x);
                continue;
            }
            List<String> own = new ArrayList<>();
            x = elements.get(i).checkedCall(x, own);
            for (String p : own) {
                problems.add("[" + i + "] " + p);
            }
        }
        return x;
    }

    @Override
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        elements.forEach(c -> out.addAll(c.trainableParameters()));
        return out;
    }
}
