package dev.shrink4j.distill;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.distill.connectors.Connector;
import dev.shrink4j.distill.connectors.ConnectorSet;
import dev.shrink4j.distill.connectors.Connectors;
import dev.shrink4j.distill.connectors.OFDTeacherConnector;
import dev.shrink4j.distill.delivery.DeliveryManager;
import dev.shrink4j.distill.losses.DistillLoss;
import dev.shrink4j.distill.losses.DistillLosses;
import dev.shrink4j.distill.recorders.ModuleRecorder;
import dev.shrink4j.distill.recorders.Recorder;
import dev.shrink4j.distill.recorders.RecorderManager;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A distiller configured entirely by JSON, with MMRazor's schema ({@code ConfigurableDistiller}): which
 * intermediate results to record in the student and the teacher, which teacher outputs to deliver to the
 * student, which connectors to put in between, which losses to compute, and which record feeds which
 * forward argument of which loss. A new distillation method is a config, not code.
 *
 * <pre>{@code
 * {"type": "ConfigurableDistiller",
 *  "student_recorders": {"fc": {"type": "ModuleOutputs", "source": "fc3"}},
 *  "teacher_recorders": {"fc": {"type": "ModuleOutputs", "source": "linear"}},
 *  "distill_losses": {"loss_kl": {"type": "KLDivergence", "tau": 4, "loss_weight": 1}},
 *  "loss_forward_mappings": {"loss_kl": {
 *      "preds_S": {"from_student": true, "recorder": "fc"},
 *      "preds_T": {"from_student": false, "recorder": "fc"}}}}
 * }</pre>
 *
 * <p><b>Validation</b> collects every problem before throwing one {@link DistillConfigException}, in three
 * passes. {@link #fromJson}: the schema (unknown keys, unknown recorder, delivery, connector and loss
 * types, wrong option types and ranges, a mapping for a loss that does not exist, a mapping key that is
 * not a forward argument of its loss, a required argument without a mapping, a loss without mappings, a
 * mapping naming a recorder or connector that does not exist, a {@code data_idx} the recorder's records
 * do not have). {@link #prepare}: the models (a source that names no module or parameter, an
 * {@code OFDTeacherConnector} not fed by a teacher {@code BatchNorm2d}). The first
 * {@link #computeLosses()}: the shapes (a record the source did not produce, a connector that does not
 * take its input, a loss whose inputs do not fit), naming the loss and both shapes.
 *
 * <p><b>Loss names.</b> As in MMRazor, only losses whose name contains {@code "loss"} are added to the
 * training loss; the others are computed and reported as statistics (a warning says so when the config
 * is read). Unused connectors are warned about too.
 *
 * <p>The distiller owns its connectors ({@link #connectors()}), which train with the student
 * ({@link #trainableParameters()}); {@link #close()} detaches every recorder and delivery and releases
 * the connectors. Running the models, opening the recording contexts and switching the deliveries is the
 * algorithm's job ({@link SingleTeacherDistill}).
 */
public final class ConfigurableDistiller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurableDistiller.class);

    /** The value of {@code type}, optional. */
    public static final String TYPE = "ConfigurableDistiller";

    private final RecorderManager studentRecorders;
    private final RecorderManager teacherRecorders;
    private final DeliveryManager deliveries;
    private final ConnectorSet connectors;
    private final Map<String, DistillLoss> losses;
    private final Map<String, Map<String, LossForwardMapping>> mappings;
    private boolean prepared;
    private boolean inputsChecked;

    private ConfigurableDistiller(RecorderManager studentRecorders, RecorderManager teacherRecorders, DeliveryManager deliveries,
            ConnectorSet connectors, Map<String, DistillLoss> losses, Map<String, Map<String, LossForwardMapping>> mappings) {
        this.studentRecorders = studentRecorders;
        this.teacherRecorders = teacherRecorders;
        this.deliveries = deliveries;
        this.connectors = connectors;
        this.losses = Collections.unmodifiableMap(new LinkedHashMap<>(losses));
        this.mappings = Collections.unmodifiableMap(new LinkedHashMap<>(mappings));
    }

    /**
     * Parses and checks a distiller config (strict JSON).
     *
     * @throws DistillConfigException ({@value DistillConfigException#DISTILLER}) listing every problem
     */
    public static ConfigurableDistiller fromJson(String json) {
        return fromJson(DistillConfigException.DISTILLER, json);
    }

    /**
     * Reads and checks a distiller config file.
     *
     * @throws DistillConfigException naming the file, listing every problem
     */
    public static ConfigurableDistiller fromFile(Path path) throws IOException {
        return fromJson(DistillConfigException.DISTILLER + " " + path, Files.readString(path));
    }

    private static ConfigurableDistiller fromJson(String subject, String json) {
        return fromConfig(subject, "distiller", ConfigReader.parse(subject, "distiller", json));
    }

    /**
     * Builds a distiller from its parsed config object, found at {@code path} ({@code distiller} in an
     * algorithm config); problems are reported under {@code subject}.
     *
     * @throws DistillConfigException listing every problem
     */
    public static ConfigurableDistiller fromConfig(String subject, String path, JsonElement config) {
        List<String> errors = new ArrayList<>();
        ConfigReader r = ConfigReader.of(path, config, errors);
        DistillConfigException.throwIfAny(subject, errors);
        if (r.has("type")) {
            r.oneOf("type", TYPE, List.of(TYPE));
        }
        RecorderManager student = RecorderManager.fromConfig(r.at("student_recorders"), r.get("student_recorders"), errors);
        RecorderManager teacher = RecorderManager.fromConfig(r.at("teacher_recorders"), r.get("teacher_recorders"), errors);
        DeliveryManager deliveries = DeliveryManager.fromConfig(r.at("distill_deliveries"), r.get("distill_deliveries"), errors);
        Map<String, Connector> connectors = new LinkedHashMap<>();
        forEachEntry(r, "connectors", errors, (name, value) -> {
            if (name.isEmpty() || name.contains(".")) {
                errors.add(r.at("connectors") + ": connector name \"" + name + "\" must be non-empty and without \".\"");
                return;
            }
            Connector c = Connectors.build(r.at("connectors") + "." + name, value, errors);
            if (c != null) {
                connectors.put(name, c);
            }
        });
        Map<String, DistillLoss> losses = new LinkedHashMap<>();
        Set<String> lossNames = new LinkedHashSet<>();
        forEachEntry(r, "distill_losses", errors, (name, value) -> {
            lossNames.add(name);
            DistillLoss loss = DistillLosses.build(r.at("distill_losses") + "." + name, value, errors);
            if (loss != null) {
                losses.put(name, loss);
            }
        });
        Map<String, Map<String, LossForwardMapping>> mappings = new LinkedHashMap<>();
        Set<String> connectorNames = new LinkedHashSet<>();
        if (r.has("connectors") && r.get("connectors").isJsonObject()) {
            connectorNames.addAll(r.get("connectors").getAsJsonObject().keySet());
        }
        forEachEntry(r, "loss_forward_mappings", errors, (lossName, value) -> {
            String at = r.at("loss_forward_mappings") + "." + lossName;
            if (!lossNames.contains(lossName)) {
                errors.add(at + ": no loss \"" + lossName + "\" in distill_losses" + (lossNames.isEmpty() ? ""
                        : " (it has " + String.join(", ", lossNames) + ")"));
                return;
            }
            Map<String, LossForwardMapping> args = readMappings(at, value, losses.get(lossName), student, teacher, connectorNames,
                    connectors, errors);
            if (args != null) {
                mappings.put(lossName, args);
            }
        });
        for (String name : lossNames) {
            if (!r.has("loss_forward_mappings") || !r.get("loss_forward_mappings").isJsonObject()
                    || !r.get("loss_forward_mappings").getAsJsonObject().has(name)) {
                errors.add(r.at("distill_losses") + "." + name + ": has no entry in loss_forward_mappings, so it would never be computed");
            }
        }
        r.finish(TYPE);
        if (!errors.isEmpty()) {
            student.close();
            teacher.close();
            connectors.values().forEach(Connector::close);
            throw new DistillConfigException(subject, errors);
        }
        warnAboutNames(losses.keySet(), connectors.keySet(), mappings);
        return new ConfigurableDistiller(student, teacher, deliveries, new ConnectorSet(connectors), losses, mappings);
    }

    /** Calls {@code entry} for every entry of the object at {@code key}; absent or null means none. */
    private static void forEachEntry(ConfigReader r, String key, List<String> errors, BiConsumer<String, JsonElement> entry) {
        ConfigReader.forEachNamed(r.at(key), r.get(key), "entries", errors, entry);
    }

    private static Map<String, LossForwardMapping> readMappings(String at, JsonElement value, DistillLoss loss, RecorderManager student,
            RecorderManager teacher, Set<String> connectorNames, Map<String, Connector> connectors, List<String> errors) {
        if (!value.isJsonObject()) {
            errors.add(at + ": expected an object mapping forward arguments to records, got " + ConfigReader.describe(value));
            return null;
        }
        int before = errors.size();
        Map<String, LossForwardMapping> args = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            String arg = e.getKey();
            String argAt = at + "." + arg;
            if (loss != null && !loss.forwardArguments().contains(arg)) {
                errors.add(argAt + ": \"" + arg + "\" is not a forward argument of " + loss.type() + " ("
                        + String.join(", ", loss.forwardArguments()) + ")");
                continue;
            }
            LossForwardMapping m = readMapping(argAt, e.getValue(), student, teacher, connectorNames, connectors, errors);
            if (m != null) {
                args.put(arg, m);
            }
        }
        if (loss != null) {
            for (String required : loss.requiredArguments()) {
                if (!value.getAsJsonObject().has(required)) {
                    errors.add(at + ": missing argument \"" + required + "\" of " + loss.type() + " ("
                            + String.join(", ", loss.forwardArguments()) + ")");
                }
            }
        }
        return errors.size() > before || loss == null ? null : args;
    }

    private static LossForwardMapping readMapping(String at, JsonElement value, RecorderManager student, RecorderManager teacher,
            Set<String> connectorNames, Map<String, Connector> connectors, List<String> errors) {
        int before = errors.size();
        ConfigReader m = ConfigReader.of(at, value, errors);
        if (errors.size() > before) {
            return null;
        }
        String recorderName = m.requiredString("recorder");
        Boolean fromStudent = null;
        if (!m.has("from_student")) {
            errors.add(at + ": missing \"from_student\"");
        } else {
            JsonElement fs = m.get("from_student");
            if (fs.isJsonPrimitive() && fs.getAsJsonPrimitive().isBoolean()) {
                fromStudent = fs.getAsBoolean();
            } else {
                m.error("from_student", "expected true or false, got " + ConfigReader.describe(fs));
            }
        }
        long recordIdx = m.integer("record_idx", 0, 0, Integer.MAX_VALUE);
        Long dataIdx = m.optionalInteger("data_idx", 0, Integer.MAX_VALUE);
        String connector = m.isNull("connector") ? null : m.string("connector", null);
        if (m.has("connector_idx") && !m.isNull("connector_idx")) {
            m.error("connector_idx", "every connector here returns one tensor; remove connector_idx");
        }
        m.finish("a loss forward mapping");
        if (recorderName != null && fromStudent != null) {
            RecorderManager side = fromStudent ? student : teacher;
            String sideName = fromStudent ? "student_recorders" : "teacher_recorders";
            Recorder recorder = side.get(recorderName);
            if (recorder == null) {
                errors.add(at + ".recorder: no recorder \"" + recorderName + "\" in " + sideName
                        + (side.recorders().isEmpty() ? "" : " (it has " + String.join(", ", side.recorders().keySet()) + ")"));
            } else {
                String problem = recorder.dataIdxProblem(dataIdx);
                if (problem != null) {
                    errors.add(at + ".data_idx: " + problem);
                }
            }
        }
        if (connector != null && !connectorNames.contains(connector)) {
            errors.add(at + ".connector: no connector \"" + connector + "\" in connectors"
                    + (connectorNames.isEmpty() ? "" : " (it has " + String.join(", ", connectorNames) + ")"));
        } else if (connector != null && fromStudent != null && fromStudent && connectors.get(connector) instanceof OFDTeacherConnector) {
            errors.add(at + ".connector: \"" + connector + "\" is an OFDTeacherConnector, which takes the teacher's feature"
                    + " (from_student: false)");
        }
        return errors.size() > before ? null
                : new LossForwardMapping(fromStudent, recorderName, (int) recordIdx, dataIdx, connector);
    }

    private static void warnAboutNames(Set<String> lossNames, Set<String> connectorNames, Map<String, Map<String, LossForwardMapping>> mappings) {
        for (String name : lossNames) {
            if (!name.contains("loss")) {
                LOG.warn("distill loss \"{}\" has no \"loss\" in its name: as in MMRazor it is computed and reported but not"
                        + " added to the training loss; rename it (e.g. \"loss_{}\") to train on it", name, name);
            }
        }
        Set<String> used = new LinkedHashSet<>();
        mappings.values().forEach(args -> args.values().forEach(m -> {
            if (m.connector() != null) {
                used.add(m.connector());
            }
        }));
        for (String name : connectorNames) {
            if (!used.contains(name)) {
                LOG.warn("connector \"{}\" is used by no loss_forward_mappings entry; its parameters train for nothing", name);
            }
        }
    }

    /**
     * Attaches to the models: the student's and teacher's recorders, the deliveries, and the margins of
     * {@code OFDTeacherConnector}s (from the teacher's batch norm each is fed by, so call this after the
     * teacher's weights are loaded).
     *
     * @throws DistillConfigException listing every source that names no module or parameter and every
     *     OFD connector not fed by a teacher {@code BatchNorm2d}; nothing stays attached then
     * @throws IllegalStateException when already prepared
     */
    public void prepare(Module student, Module teacher) {
        if (prepared) {
            throw new IllegalStateException("the distiller is already attached to a student and a teacher");
        }
        List<String> errors = new ArrayList<>();
        errors.addAll(studentRecorders.attachProblems("student_recorders", student));
        errors.addAll(teacherRecorders.attachProblems("teacher_recorders", teacher));
        errors.addAll(deliveries.attachProblems("distill_deliveries", teacher, student));
        Map<String, String> marginSources = ofdMarginSources(teacher, errors);
        DistillConfigException.throwIfAny(DistillConfigException.DISTILLER, errors);
        try {
            marginSources.forEach((connector, bn) -> ((OFDTeacherConnector) connectors.get(connector))
                    .initMargin((BatchNorm2d) teacher.namedModules().get(bn), bn));
            studentRecorders.attach(student);
            teacherRecorders.attach(teacher);
            deliveries.attach(teacher, student);
        } catch (RuntimeException e) {
            detach();
            throw e;
        }
        prepared = true;
    }

    /** For each OFD connector fed by the teacher, the teacher's batch norm it takes its margin from. */
    private Map<String, String> ofdMarginSources(Module teacher, List<String> errors) {
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> firstUse = new HashMap<>();
        mappings.forEach((lossName, args) -> args.forEach((arg, m) -> {
            if (m.connector() == null || !(connectors.get(m.connector()) instanceof OFDTeacherConnector)) {
                return;
            }
            String at = "loss_forward_mappings." + lossName + "." + arg;
            Recorder recorder = teacherRecorders.get(m.recorder());
            Module source = recorder instanceof ModuleRecorder moduleRecorder && moduleRecorder.recordsOutputs() ? teacher.namedModules().get(recorder.source()) : null;
            if (!(source instanceof BatchNorm2d)) {
                errors.add(at + ".connector: OFDTeacherConnector \"" + m.connector() + "\" takes its margin from the batch norm whose"
                        + " output it receives; teacher recorder \"" + m.recorder() + "\" is " + recorder.description()
                        + (source == null ? "" : ", a " + source.typeName()) + ", not the ModuleOutputs of a BatchNorm2d");
                return;
            }
            String earlier = sources.putIfAbsent(m.connector(), recorder.source());
            if (earlier != null && !earlier.equals(recorder.source())) {
                errors.add(at + ".connector: OFDTeacherConnector \"" + m.connector() + "\" would take its margin from \"" + recorder.source()
                        + "\" here but from \"" + earlier + "\" in " + firstUse.get(m.connector()) + "; use one connector per batch norm");
            }
            firstUse.putIfAbsent(m.connector(), at);
        }));
        return sources;
    }

    /** Whether {@link #prepare} has attached the distiller. */
    public boolean isPrepared() {
        return prepared;
    }

    /**
     * Computes every distillation loss from this step's records: for each loss of
     * {@code loss_forward_mappings}, each argument's record (through its connector), then the loss. A
     * loss computed with {@code reduction: "none"} is averaged, as MMRazor's runner does. Call it after
     * the teacher's and the student's forward inside their recording contexts.
     *
     * @return each loss by its name (without the {@code distill.} prefix), in config order
     * @throws DistillConfigException on the first call, when a record is missing or a connector or loss
     *     does not fit its inputs: every such problem, naming the loss and the shapes
     * @throws IllegalStateException on later calls, when a record is missing (a source ran fewer times)
     */
    public Map<String, Tensor> computeLosses() {
        if (!prepared) {
            throw new IllegalStateException("the distiller is not attached; call prepare(student, teacher) first");
        }
        boolean check = !inputsChecked;
        List<String> problems = new ArrayList<>();
        Map<String, Tensor> values = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, LossForwardMapping>> e : mappings.entrySet()) {
            String lossName = e.getKey();
            DistillLoss loss = losses.get(lossName);
            String at = "loss_forward_mappings." + lossName;
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            boolean complete = true;
            for (Map.Entry<String, LossForwardMapping> arg : e.getValue().entrySet()) {
                Tensor t = resolve(at + "." + arg.getKey(), arg.getValue(), check, problems);
                complete &= t != null;
                inputs.put(arg.getKey(), t);
            }
            if (!complete) {
                continue;
            }
            if (check) {
                List<String> own = loss.inputProblems(inputs);
                own.forEach(p -> problems.add(at + " (" + loss.type() + "): " + p));
                if (!own.isEmpty()) {
                    continue;
                }
            }
            Tensor value = loss.forward(inputs);
            values.put(lossName, value.dim() == 0 ? value : value.mean());
        }
        if (check) {
            DistillConfigException.throwIfAny(DistillConfigException.DISTILLER + " (checked on the first batch)", problems);
            inputsChecked = true;
        }
        return values;
    }

    private Tensor resolve(String at, LossForwardMapping m, boolean check, List<String> problems) {
        Recorder recorder = (m.fromStudent() ? studentRecorders : teacherRecorders).get(m.recorder());
        Tensor t;
        try {
            t = recorder.record(m.recordIdx(), m.dataIdx());
        } catch (IllegalStateException e) {
            if (!check) {
                throw new IllegalStateException(at + ": " + e.getMessage(), e);
            }
            problems.add(at + ".record_idx: " + e.getMessage());
            return null;
        }
        if (m.connector() == null) {
            return t;
        }
        Connector c = connectors.get(m.connector());
        if (!check) {
            return c.call(t);
        }
        List<String> own = new ArrayList<>();
        Tensor out = c.checkedCall(t, own);
        own.forEach(p -> problems.add(at + ".connector \"" + m.connector() + "\": " + p));
        return out;
    }

    /** The student's recorders ({@code student_recorders}). */
    public RecorderManager studentRecorders() {
        return studentRecorders;
    }

    /** The teacher's recorders ({@code teacher_recorders}). */
    public RecorderManager teacherRecorders() {
        return teacherRecorders;
    }

    /** The deliveries ({@code distill_deliveries}). */
    public DeliveryManager deliveries() {
        return deliveries;
    }

    /** The connectors, one module: train them, switch their mode, save or load their state dict. */
    public ConnectorSet connectors() {
        return connectors;
    }

    /** The losses by name ({@code distill_losses}). */
    public Map<String, DistillLoss> losses() {
        return losses;
    }

    /** For each loss, its forward arguments' mappings ({@code loss_forward_mappings}). */
    public Map<String, Map<String, LossForwardMapping>> mappings() {
        return mappings;
    }

    /** Whether the loss called {@code name} is added to the training loss (its name contains {@code "loss"}, as in MMRazor). */
    public static boolean isTrainingLoss(String name) {
        return name.contains("loss");
    }

    /** The connectors' parameters that train: add them to the student's optimizer. */
    public List<Tensor> trainableParameters() {
        return connectors.trainableParameters();
    }

    /** Detaches every recorder and delivery (the connectors stay usable). Idempotent. */
    public void detach() {
        studentRecorders.close();
        teacherRecorders.close();
        deliveries.close();
        prepared = false;
    }

    /** Detaches and releases the connectors' native memory. Idempotent. */
    @Override
    public void close() {
        detach();
        connectors.close();
    }

    /** The parsed config as JSON-like text for logs: losses and their arguments. */
    @Override
    public String toString() {
        JsonObject o = new JsonObject();
        mappings.forEach((name, args) -> {
            JsonObject a = new JsonObject();
            args.forEach((arg, m) -> a.addProperty(arg, m.describe()));
            o.add(name + " (" + losses.get(name).type() + ")", a);
        });
        return "ConfigurableDistiller" + o;
    }
}
