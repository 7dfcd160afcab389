package dev.shrink4j.distill.recorders;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;

/**
 * Records what a module receives, once per call (MMRazor's {@code ModuleInputs}): the input its forward
 * gets, after any pre-hooks. MMRazor records the tuple of positional arguments, which mappings read
 * with {@code data_idx: 0}; a shrink4j module takes exactly one input, so a record is a 1-tuple and
 * {@code data_idx} may be 0 or left out.
 */
public final class ModuleInputsRecorder extends Recorder {

    /** The config name. */
    public static final String TYPE = "ModuleInputs";

    /** A recorder of the inputs of module {@code source}. */
    public ModuleInputsRecorder(String source) {
        super(TYPE, source);
    }

    @Override
    public String attachProblem(Module model) {
        return findModule(model, source()) == null ? noModule(model, source()) : null;
    }

    @Override
    protected HookHandle hook(Module model) {
        return findModule(model, source()).registerForwardHook((module, input, output) -> {
            add(input);
            return output;
        });
    }

    @Override
    public int tupleSize() {
        return 1;
    }
}
