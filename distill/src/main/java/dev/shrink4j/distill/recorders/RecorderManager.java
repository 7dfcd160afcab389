package dev.shrink4j.distill.recorders;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * The named recorders of one model (MMRazor's {@code RecorderManager}): {@code student_recorders} or
 * {@code teacher_recorders} of a distiller. {@link #start()} and {@link #stop()} open and close every
 * recorder's context at once; {@link #attach} and {@link #close()} attach and detach them all.
 */
public final class RecorderManager implements AutoCloseable {

    private final Map<String, Recorder> recorders;

    /** Recorders by name, in the given order. */
    public RecorderManager(Map<String, Recorder> recorders) {
        this.recorders = Collections.unmodifiableMap(new LinkedHashMap<>(recorders));
    }

    /**
     * The recorders of a config object {@code {"name": {"type": …, "source": …}, …}} at {@code path}
     * (absent or {@code null}: none), adding every problem to {@code errors}; entries with problems are
     * left out.
     */
    public static RecorderManager fromConfig(String path, JsonElement config, List<String> errors) {
        return new RecorderManager(ConfigReader.namedEntries(path, config, "recorders", errors,
                (name, value) -> Recorders.build(path + "." + name, value, errors)));
    }

    /** An empty manager. */
    public static RecorderManager empty() {
        return new RecorderManager(Map.of());
    }

    /** The recorders by name. */
    public Map<String, Recorder> recorders() {
        return recorders;
    }

    /** The recorder called {@code name}, or null. */
    public Recorder get(String name) {
        return recorders.get(name);
    }

    /**
     * What keeps each recorder from attaching to {@code model}, one line each prefixed by {@code path}
     * and the recorder's name: {@code teacher_recorders.fc: no module "head.fc" in ResNet (…)}.
     */
    public List<String> attachProblems(String path, Module model) {
        List<String> problems = new ArrayList<>();
        recorders.forEach((name, r) -> {
            String p = r.attachProblem(model);
            if (p != null) {
                problems.add(path + "." + name + ".source: " + p);
            }
        });
        return problems;
    }

    /**
     * Attaches every recorder to {@code model}; on failure the ones already attached are detached again.
     *
     * @throws IllegalArgumentException naming the first source that is not in the model
     */
    public void attach(Module model) {
        try {
            for (Recorder r : recorders.values()) {
                r.attach(model);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens every recorder's context (dropping earlier records). */
    public void start() {
        recorders.values().forEach(Recorder::start);
    }

    /** Closes every recorder's context. */
    public void stop() {
        recorders.values().forEach(Recorder::stop);
    }

    /** Drops every recorder's records. */
    public void clear() {
        recorders.values().forEach(Recorder::clear);
    }

    /** Records {@code (output, target)} in every {@link TaskLossInputsRecorder}. */
    public void recordLossInputs(Tensor output, Tensor target) {
        for (Recorder r : recorders.values()) {
            if (r instanceof TaskLossInputsRecorder lossInputs) {
                lossInputs.recordLossInputs(output, target);
            }
        }
    }

    /** Detaches every recorder. Idempotent. */
    @Override
    public void close() {
        recorders.values().forEach(Recorder::detach);
    }
}
