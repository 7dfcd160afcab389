package dev.shrink4j.distill.recorders;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;

/**
 * Records what passes through a module, once per call, by a forward hook on the module named
 * {@code source} ({@code ""} is the model itself): MMRazor's {@code ModuleOutputs} ({@link #outputs}: what
 * the module returns, after its own forward; records are single tensors) and {@code ModuleInputs}
 * ({@link #inputs}: what its forward receives, after any pre-hooks). MMRazor records the inputs as the
 * tuple of positional arguments, which mappings read with {@code data_idx: 0}; a shrink4j module takes
 * exactly one input, so an input record is a 1-tuple and {@code data_idx} may be 0 or left out.
 */
public final class ModuleRecorder extends Recorder {

    /** The config name of output recorders. */
    public static final String OUTPUTS = "ModuleOutputs";
    /** The config name of input recorders. */
    public static final String INPUTS = "ModuleInputs";

    private final boolean recordsInputs;

    private ModuleRecorder(String type, String source, boolean recordsInputs) {
        super(type, source);
        this.recordsInputs = recordsInputs;
    }

    /** A recorder of the outputs of module {@code source} ({@code ModuleOutputs}). */
    public static ModuleRecorder outputs(String source) {
        return new ModuleRecorder(OUTPUTS, source, false);
    }

    /** A recorder of the inputs of module {@code source} ({@code ModuleInputs}). */
    public static ModuleRecorder inputs(String source) {
        return new ModuleRecorder(INPUTS, source, true);
    }

    /** Whether this records the module's outputs (not its inputs). */
    public boolean recordsOutputs() {
        return !recordsInputs;
    }

    @Override
    public String attachProblem(Module model) {
        return findModule(model, source()) == null ? noModule(model, source()) : null;
    }

    @Override
    protected HookHandle hook(Module model) {
        return findModule(model, source()).registerForwardHook((module, input, output) -> {
            add(recordsInputs ? input : output);
            return output;
        });
    }

    @Override
    public int tupleSize() {
        return recordsInputs ? 1 : 0;
    }
}
