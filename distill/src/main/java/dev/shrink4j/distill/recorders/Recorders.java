package dev.shrink4j.distill.recorders;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.distill.config.TypeRegistry;
import java.util.List;
import java.util.function.Function;

/**
 * Builds recorders from their config objects, with MMRazor's type names:
 * {@code {"type": "ModuleOutputs", "source": "layer1.0.relu"}}, {@code ModuleInputs} and
 * {@code Parameter} likewise, and {@code {"type": "TaskLossInputs"}} (no source) for the task loss's
 * {@code (output, target)}. MMRazor's {@code MethodOutputs}/{@code FunctionOutputs} recorders patch Python
 * methods while recording and have no Java counterpart.
 */
public final class Recorders {

    private static final TypeRegistry<Recorder> RECORDERS = new TypeRegistry<Recorder>("recorder", " recorder")
            .add(ModuleRecorder.OUTPUTS, r -> withSource(r, ModuleRecorder::outputs))
            .add(ModuleRecorder.INPUTS, r -> withSource(r, ModuleRecorder::inputs))
            .add(ParameterRecorder.TYPE, r -> withSource(r, ParameterRecorder::new))
            .add(TaskLossInputsRecorder.TYPE, r -> new TaskLossInputsRecorder());

    /** Every recorder type. */
    public static final List<String> TYPES = RECORDERS.types();

    private Recorders() {
    }

    private static Recorder withSource(ConfigReader r, Function<String, Recorder> recorder) {
        String source = r.requiredString("source");
        return source == null ? null : recorder.apply(source);
    }

    /**
     * The recorder configured by {@code config} at {@code path}, adding every problem to {@code errors}.
     *
     * @return the recorder, or null when there were problems
     */
    public static Recorder build(String path, JsonElement config, List<String> errors) {
        return RECORDERS.build(path, config, errors);
    }
}
