package dev.shrink4j.distill.recorders;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;

/**
 * Builds recorders from their config objects, with MMRazor's type names:
 * {@code {"type": "ModuleOutputs", "source": "layer1.0.relu"}}, {@code ModuleInputs} and
 * {@code Parameter} likewise, and {@code {"type": "TaskLossInputs"}} (no source) for the task loss's
 * {@code (output, target)}. MMRazor's {@code MethodOutputs}/{@code FunctionOutputs} recorders patch Python
 * methods while recording and have no Java counterpart.
 */
public final class Recorders {

    /** Every recorder type. */
    public static final List<String> TYPES = List.of(ModuleOutputsRecorder.TYPE, ModuleInputsRecorder.TYPE,
            ParameterRecorder.TYPE, TaskLossInputsRecorder.TYPE);

    private Recorders() {
    }

    /**
     * The recorder configured by {@code config} at {@code path}, adding every problem to {@code errors}.
     *
     * @return the recorder, or null when there were problems
     */
    public static Recorder build(String path, JsonElement config, List<String> errors) {
        int before = errors.size();
        ConfigReader r = ConfigReader.of(path, config, errors);
        if (errors.size() > before) {
            return null;
        }
        String type = r.requiredString("type");
        if (type == null) {
            return null;
        }
        Recorder recorder;
        if (type.equals(TaskLossInputsRecorder.TYPE)) {
            recorder = new TaskLossInputsRecorder();
        } else if (TYPES.contains(type)) {
            String source = r.requiredString("source");
            recorder = source == null ? null : switch (type) {
                case ModuleOutputsRecorder.TYPE -> new ModuleOutputsRecorder(source);
                case ModuleInputsRecorder.TYPE -> new ModuleInputsRecorder(source);
                default -> new ParameterRecorder(source);
            };
        } else {
            r.error("type", "unknown recorder \"" + type + "\"; known recorders: " + String.join(", ", TYPES));
            return null;
        }
        r.finish(type + " recorder");
        return errors.size() > before ? null : recorder;
    }
}
