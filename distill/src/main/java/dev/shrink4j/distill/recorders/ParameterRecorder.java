package dev.shrink4j.distill.recorders;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Records a parameter by its dotted state-dict name ({@code fc.weight}; MMRazor's {@code Parameter}):
 * the parameter tensor itself, one record from {@link #attach} until {@link #detach()}, whatever the
 * recording contexts (the tensor is the model's; its values change in place as it trains). A loss that
 * reads it gets the stored parameter, not a compressor's masked or quantized view of it.
 */
public final class ParameterRecorder extends Recorder {

    /** The config name. */
    public static final String TYPE = "Parameter";

    /** A recorder of parameter {@code source}. */
    public ParameterRecorder(String source) {
        super(TYPE, source);
    }

    @Override
    public String attachProblem(Module model) {
        if (model.namedParameters().containsKey(source())) {
            return null;
        }
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        return "no parameter \"" + source() + "\" in " + model.typeName() + " (its parameters: " + abbreviate(names) + ")";
    }

    @Override
    protected HookHandle hook(Module model) {
        Tensor parameter = model.namedParameters().get(source());
        addAlways(parameter);
        return () -> { };
    }

    /** Keeps the parameter: a new context does not drop it (MMRazor's recorder does not reset either). */
    @Override
    public void start() {
    }

    /** Keeps the parameter: it is the model's, not a step's; only {@link #detach()} drops it. */
    @Override
    public void clear() {
    }

    @Override
    public int tupleSize() {
        return 0;
    }
}
