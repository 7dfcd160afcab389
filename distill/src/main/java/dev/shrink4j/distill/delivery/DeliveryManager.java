package dev.shrink4j.distill.delivery;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distiller's named deliveries ({@code distill_deliveries}; MMRazor's
 * {@code DistillDeliveryManager}): {@code {"name": {"type": "ModuleOutputs", "source": "aug",
 * "target": "aug", "max_keep_data": 1}}} ({@code target} defaults to {@code source}, {@code max_keep_data}
 * to 1). MMRazor's {@code MethodOutputs}/{@code FunctionOutputs} deliveries patch Python code and have
 * no Java counterpart.
 */
public final class DeliveryManager implements AutoCloseable {

    /** Every delivery type. */
    public static final List<String> TYPES = List.of(ModuleOutputsDelivery.TYPE);

    private final Map<String, ModuleOutputsDelivery> deliveries;

    /** Deliveries by name. */
    public DeliveryManager(Map<String, ModuleOutputsDelivery> deliveries) {
        this.deliveries = Collections.unmodifiableMap(new LinkedHashMap<>(deliveries));
    }

    /**
     * The deliveries of a config object at {@code path} (absent or {@code null}: none), adding every
     * problem to {@code errors}; entries with problems are left out.
     */
    public static DeliveryManager fromConfig(String path, JsonElement config, List<String> errors) {
        return new DeliveryManager(ConfigReader.namedEntries(path, config, "deliveries", errors,
                (name, value) -> delivery(path + "." + name, name, value, errors)));
    }

    /** The delivery {@code name} configured by {@code config} at {@code path}, or null when it has problems. */
    private static ModuleOutputsDelivery delivery(String path, String name, JsonElement config, List<String> errors) {
        int before = errors.size();
        ConfigReader r = ConfigReader.of(path, config, errors);
        if (errors.size() > before) {
            return null;
        }
        String type = r.requiredString("type");
        if (type != null && !TYPES.contains(type)) {
            r.error("type", "unknown delivery \"" + type + "\"; known deliveries: " + String.join(", ", TYPES));
            return null;
        }
        String source = r.requiredString("source");
        String target = r.string("target", source);
        long maxKeep = r.integer("max_keep_data", 1, 1, Integer.MAX_VALUE);
        r.finish(type == null ? "a delivery" : type + " delivery");
        return errors.size() > before ? null : new ModuleOutputsDelivery(name, source, target, (int) maxKeep);
    }

    /** An empty manager. */
    public static DeliveryManager empty() {
        return new DeliveryManager(Map.of());
    }

    /** The deliveries by name. */
    public Map<String, ModuleOutputsDelivery> deliveries() {
        return deliveries;
    }

    /**
     * What keeps each delivery from attaching, one line each: {@code distill_deliveries.aug.source: no module
     * "aug" in the teacher (ResNet)}.
     */
    public List<String> attachProblems(String path, Module teacher, Module student) {
        List<String> problems = new ArrayList<>();
        deliveries.forEach((name, d) -> {
            if (!teacher.namedModules().containsKey(d.source())) {
                problems.add(path + "." + name + ".source: no module \"" + d.source() + "\" in the teacher (" + teacher.typeName() + ")");
            }
            if (!student.namedModules().containsKey(d.target())) {
                problems.add(path + "." + name + ".target: no module \"" + d.target() + "\" in the student (" + student.typeName() + ")");
            }
        });
        return problems;
    }

    /** Attaches every delivery; on failure the ones already attached are detached again. */
    public void attach(Module teacher, Module student) {
        try {
            for (ModuleOutputsDelivery d : deliveries.values()) {
                d.attach(teacher, student);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Turns every delivery on or off. */
    public void setActive(boolean on) {
        deliveries.values().forEach(d -> d.setActive(on));
    }

    /** Sets every delivery to queue (false) or hand over (true). */
    public void setOverride(boolean on) {
        deliveries.values().forEach(d -> d.setOverride(on));
    }

    /** Empties every queue. */
    public void clear() {
        deliveries.values().forEach(ModuleOutputsDelivery::clear);
    }

    /** Detaches every delivery. Idempotent. */
    @Override
    public void close() {
        deliveries.values().forEach(ModuleOutputsDelivery::close);
    }
}
