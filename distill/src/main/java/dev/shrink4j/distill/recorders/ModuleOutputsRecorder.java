package dev.shrink4j.distill.recorders;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;

/**
 * Records what a module returns, once per call (MMRazor's {@code ModuleOutputs}): a forward hook on the
 * module named {@code source} ({@code ""} is the model itself) adds the output it sees, after the
 * module's own forward. Records are single tensors.
 */
public final class ModuleOutputsRecorder extends Recorder {

    /** The config name. */
    public static final String TYPE = "ModuleOutputs";

    /** A recorder of the outputs of module {@code source}. */
    public ModuleOutputsRecorder(String source) {
        super(TYPE, source);
    }

    @Override
    public String attachProblem(Module model) {
        return findModule(model, source()) == null ? noModule(model, source()) : null;
    }

    @Override
    protected HookHandle hook(Module model) {
        return findModule(model, source()).registerForwardHook((module, input, output) -> {
            add(output);
            return output;
        });
    }

    @Override
    public int tupleSize() {
        return 0;
    }
}
