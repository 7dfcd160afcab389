package dev.shrink4j.compress;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.TensorChecks;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.StepListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NNI-style heart of shrink4j: selects layers with a config list, attaches a
 * {@link ModuleWrapper} to each, and hooks into the optimizer's step listeners.
 *
 * <p>Lifecycle, each a call: construct (stores arguments only, calls nothing overridable) →
 * {@link #compress()} (validates the config list, wraps, hooks, runs the algorithm's set-up) →
 * train / calibrate → export → {@link #unwrap()} or {@link #close()}, which restore the model and the
 * optimizer as they were. The model's class, fields and state-dict keys never change while wrapped.
 *
 * <p>Subclasses (pruners, quantizers) declare their {@link #configSchema()}, install their
 * buffers, parametrizations and hooks in {@link #wrap(ModuleWrapper)}, and may react to optimizer
 * steps ({@link #beforeOptimizerStep()}, {@link #afterOptimizerStep()}) and epochs
 * ({@link #updateEpoch(int)}). Whatever an algorithm changes outside its wrappers (a parameter group
 * on the optimizer, a snapshot of the weights) it undoes in {@link #undoAfterWrap()}.
 */
public abstract class Compressor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Compressor.class);

    private final Module model;
    private final ConfigList configList;
    private final Optimizer optimizer;
    private final List<LayerSelection> selections = new ArrayList<>();
    private final Map<String, String> exclusions = new LinkedHashMap<>();
    private final List<ModuleWrapper> wrappers = new ArrayList<>();
    private final Map<Integer, List<HookHandle>> collectors = new LinkedHashMap<>();
    private int nextCollectorId;
    private HookHandle stepHandle;
    private boolean compressed;
    private boolean unwrapped;

    /**
     * @param model      the model to compress
     * @param configList which layers, and how
     * @param optimizer  the optimizer training will use, or null when there is none (one-shot use)
     * @throws IllegalArgumentException {@code "<Class>: setModel(...) was not called"} (resp.
     *                                  {@code setConfigList}) when the model or config list is null,
     *                                  as {@link CompressorBuilder} reports it
     */
    protected Compressor(Module model, ConfigList configList, Optimizer optimizer) {
        CompressorBuilder.requireSet(model, getClass().getSimpleName(), "setModel");
        CompressorBuilder.requireSet(configList, getClass().getSimpleName(), "setConfigList");
        this.model = model;
        this.configList = configList;
        this.optimizer = optimizer;
    }

    /**
     * The compressor {@code builder} describes, after {@link CompressorBuilder#check()} (the one
     * validation of required fields and option ranges).
     *
     * @throws IllegalArgumentException naming the first missing or invalid field
     */
    protected Compressor(CompressorBuilder<?> builder) {
        this(checked(builder).model(), builder.configList(), builder.optimizer());
    }

    private static CompressorBuilder<?> checked(CompressorBuilder<?> builder) {
        builder.check();
        return builder;
    }

    /** The keys this algorithm accepts in config-list entries, and the ones it requires. */
    protected abstract ConfigSchema configSchema();

    /**
     * Installs the algorithm's state on one selected layer: buffers on the wrapper, and
     * parametrizations and hooks on the module, each tracked with {@link ModuleWrapper#track}.
     */
    protected abstract void wrap(ModuleWrapper wrapper);

    /**
     * Problems with one selected layer for this algorithm (e.g. it has no weight to prune), as
     * messages naming the entry and the layer. Called for every selected layer before any wrapping,
     * once its type is known to be one the schema allows ({@link ConfigSchema.Builder#allowTypes}).
     */
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        return List.of();
    }

    /** Runs once after every layer is wrapped (one-shot pruners compute their masks here). */
    protected void afterWrap() {
    }

    /**
     * Undoes what the algorithm did outside its wrappers: removes the optimizer parameter groups it
     * added, releases snapshots and other native state it owns, drops its references to wrapper
     * buffers. Wrapper buffers, hooks and parametrizations need nothing here: {@link #unwrap()}
     * releases them right after.
     *
     * <p>Called once, by {@link #unwrap()} (and {@link #close()}), after the collectors and the
     * optimizer listener are removed and before the wrappers are released, so wrapper buffers are
     * still alive. Also called when {@link #compress()} fails and rolls back, so an implementation
     * must undo only what was actually done: {@link #wrap} or {@link #afterWrap()} may have stopped
     * part-way. Default: nothing. Overrides that extend another algorithm call
     * {@code super.undoAfterWrap()}.
     */
    protected void undoAfterWrap() {
    }

    /** Called by the optimizer before each step, while the compressor is attached. */
    protected void beforeOptimizerStep() {
    }

    /** Called by the optimizer after each step, while the compressor is attached. */
    protected void afterOptimizerStep() {
    }

    /**
     * What is wrong with the values {@code value} would put into wrapper buffer {@code name} of
     * {@code wrapper} ({@link #loadModelStateDict}), or {@code null} when nothing is; shape, dtype and
     * finiteness are already checked. Pruners demand masks of 0 and 1. Default: nothing more.
     */
    protected String bufferValueProblem(ModuleWrapper wrapper, String name, Tensor value) {
        return null;
    }

    /**
     * Validates the config list against the model, wraps every selected layer, hooks into the
     * optimizer and runs the algorithm's set-up.
     *
     * @return the model (the same object, now compressed)
     * @throws ConfigException naming every invalid entry, field and value, and every problem of a
     *                         selected layer ({@link #validate()}); nothing is wrapped then
     */
    public final Module compress() {
        if (compressed) {
            throw new IllegalStateException(getClass().getSimpleName() + ".compress() has already run");
        }
        Selection selection = checkConfig();
        if (!selection.errors().isEmpty()) {
            throw new ConfigException(selection.errors());
        }
        selections.addAll(selection.selected());
        exclusions.putAll(selection.excluded());
        compressed = true;
        try {
            for (LayerSelection s : selections) {
                ModuleWrapper w = new ModuleWrapper(s.layer(), s.config());
                wrappers.add(w);
                wrap(w);
            }
            if (optimizer != null) {
                stepHandle = optimizer.addStepListener(new StepListener() {
                    @Override
                    public void beforeStep(Optimizer o) {
                        beforeOptimizerStep();
                    }

                    @Override
                    public void afterStep(Optimizer o) {
                        afterOptimizerStep();
                    }
                });
            }
            afterWrap();
        } catch (RuntimeException e) {
            // Roll back (as torch.nn.utils.prune does) so a failed set-up leaves the model untouched.
            try {
                unwrap();
            } catch (RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
        LOG.info("{} wraps {} layer(s): {}", getClass().getSimpleName(), wrappers.size(),
                wrappers.stream().map(ModuleWrapper::name).toList());
        return model;
    }

    /**
     * Runs the checks {@link #compress()} starts with, without wrapping anything: the config list
     * against the algorithm's {@link #configSchema()} and the model ({@link ConfigList#check}), then
     * for every layer whose entry is valid its type against the schema's
     * {@link ConfigSchema#allowedTypes() allowed types} and, when it has one of them,
     * {@link #validateLayer}. Every problem goes into one
     * exception, so a config list with a wrong type in one entry and an unsuitable layer in another
     * reports both. A layer is checked only when the entry it gets is known and valid (see
     * {@link ConfigList.Validation#assign}). A valid list that selects no layer (every layer it matches
     * is excluded) is a problem too.
     *
     * @throws ConfigException listing every problem
     */
    public final void validate() {
        List<String> errors = checkConfig().errors();
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }

    /** The layers a config list selects and excludes, and every problem found. */
    private record Selection(List<LayerSelection> selected, Map<String, String> excluded, List<String> errors) {
    }

    private Selection checkConfig() {
        ConfigSchema schema = configSchema();
        ConfigList.Validation validation = configList.check(schema, model);
        List<String> errors = new ArrayList<>(validation.errors());
        Map<String, Module> modules = model.namedModules();
        Map<String, String> types = new LinkedHashMap<>();
        modules.forEach((name, m) -> {
            if (!name.isEmpty()) {
                types.put(name, m.typeName());
            }
        });
        List<LayerSelection> selected = new ArrayList<>();
        Map<String, String> excluded = new LinkedHashMap<>();
        validation.assign(types).forEach((name, config) -> {
            if (config.exclude()) {
                excluded.put(name, "excluded by config_list[" + config.index() + "]");
            } else {
                selected.add(new LayerSelection(LayerInfo.of(name, modules.get(name)), config));
            }
        });
        if (errors.isEmpty() && selected.isEmpty()) {
            // nothing would be compressed (and algorithms that read settings off the selected layers, such
            // as lottery ticket's rounds, would have none)
            errors.add("config_list: selects no layer to compress in " + model.typeName() + (excluded.isEmpty()
                    ? "; no layer has both the op_types and one of the op_names of an entry"
                    : "; every layer it matches (" + String.join(", ", excluded.keySet()) + ") is excluded"));
        }
        // a problem of an entry (not of a layer) comes back once for every layer the entry selects
        Set<String> distinct = new LinkedHashSet<>(errors);
        for (LayerSelection s : selected) {
            // a layer of a type the algorithm does not take is reported once; its other checks assume the type
            String typeProblem = schema.typeProblem(s.config().index(), s.layer().name(), s.layer().module());
            if (typeProblem != null) {
                distinct.add(typeProblem);
            } else {
                distinct.addAll(validateLayer(s.layer(), s.config()));
            }
        }
        return new Selection(selected, excluded, List.copyOf(distinct));
    }

    /** The model this compressor works on. */
    public final Module model() {
        return model;
    }

    /** The config list it was given (as given, before validation against the model). */
    public final ConfigList configList() {
        return configList;
    }

    /**
     * The metadata of this compressor's exported files: {@code base} with
     * {@value dev.shrink4j.nn.io.ModelMetadata#ALGORITHM} (the class name) and
     * {@value dev.shrink4j.nn.io.ModelMetadata#CONFIG} ({@code {"config_list": [...]}}) unless
     * {@code base} sets them (the command line records its own algorithm name and config file).
     */
    public final ModelMetadata exportMetadata(ModelMetadata base) {
        return base.withDefault(ModelMetadata.ALGORITHM, getClass().getSimpleName())
                .withDefault(ModelMetadata.CONFIG, "{\"config_list\":" + configList.toJson() + "}");
    }

    /** The optimizer it hooks into, if any. */
    public final Optional<Optimizer> optimizer() {
        return Optional.ofNullable(optimizer);
    }

    /** Whether {@link #compress()} has run (and {@link #unwrap()} has not). */
    public final boolean isCompressed() {
        return compressed && !unwrapped;
    }

    /** The selected layers with their config entries (NNI's {@code get_modules_to_compress}). */
    public final List<LayerSelection> getModulesToCompress() {
        requireCompressed();
        return Collections.unmodifiableList(selections);
    }

    /** The wrappers, in model order (NNI's {@code get_modules_wrapper}). */
    public final List<ModuleWrapper> getModulesWrapper() {
        requireCompressed();
        return Collections.unmodifiableList(wrappers);
    }

    /** The wrapper of layer {@code name}. */
    public final ModuleWrapper getWrapper(String name) {
        requireCompressed();
        for (ModuleWrapper w : wrappers) {
            if (w.name().equals(name)) {
                return w;
            }
        }
        throw new IllegalArgumentException("layer \"" + name + "\" is not wrapped; wrapped layers: "
                + wrappers.stream().map(ModuleWrapper::name).toList());
    }

    /** Tells the algorithm a new epoch starts (AGP schedules masks by epoch). Default: nothing. */
    public void updateEpoch(int epoch) {
    }

    /**
     * Registers a copy of {@code value} (detached, no gradient) as buffer {@code name} on every wrapper,
     * each wrapper its own copy: the tensor half of NNI's {@code set_wrappers_attribute}. The caller
     * keeps ownership of {@code value}.
     *
     * <p>NNI's one method took any object and made a tensor a buffer and anything else a plain attribute,
     * read back by name and cast. Here the two halves are separate and typed: this method for buffers
     * (saved in {@link #stateDict()}), {@link #putWrappersState} for other per-layer state.
     *
     * @throws IllegalArgumentException when a wrapper already has a buffer of that name, or the name is invalid
     */
    public final void registerWrappersBuffer(String name, Tensor value) {
        requireCompressed();
        Objects.requireNonNull(value, () -> "buffer \"" + name + "\" is null");
        for (ModuleWrapper w : wrappers) {
            if (w.hasBuffer(name)) { // checked for all first, so a clash leaves no wrapper with a new buffer
                throw new IllegalArgumentException(w.name() + " already has buffer \"" + name + "\"");
            }
        }
        for (ModuleWrapper w : wrappers) {
            try (NoGradGuard g = new NoGradGuard()) {
                w.registerBuffer(name, value.detach().clone());
            }
        }
    }

    /**
     * Stores {@code valueFor.apply(wrapper)} as every wrapper's state under {@code key} (the typed
     * half of NNI's {@code set_wrappers_attribute}; see {@link #registerWrappersBuffer}). A function,
     * not a value: each wrapper owns its state and closes it on release, so each gets its own instance
     * (an immutable value may be returned for all). Wrappers are visited in model order; when
     * {@code valueFor} or a wrapper refuses, the wrappers before keep their new state.
     *
     * @throws IllegalArgumentException when a wrapper holds state under another key of that name
     */
    public final <T> void putWrappersState(StateKey<T> key, Function<? super ModuleWrapper, ? extends T> valueFor) {
        requireCompressed();
        Objects.requireNonNull(valueFor, "valueFor");
        for (ModuleWrapper w : wrappers) {
            w.putState(key, valueFor.apply(w));
        }
    }

    /**
     * Attaches {@code collector} to every wrapper.
     *
     * @return an id for {@link #removeActivationCollector(int)}
     */
    public final int addActivationCollector(ActivationCollector collector) {
        requireCompressed();
        List<HookHandle> handles = new ArrayList<>();
        for (ModuleWrapper w : wrappers) {
            handles.add(collector.attach(w));
        }
        int id = nextCollectorId++;
        collectors.put(id, handles);
        return id;
    }

    /**
     * Detaches the collector registered under {@code id}.
     *
     * @throws IllegalArgumentException when no collector has that id
     */
    public final void removeActivationCollector(int id) {
        List<HookHandle> handles = collectors.remove(id);
        if (handles == null) {
            throw new IllegalArgumentException("no activation collector with id " + id + "; registered ids: "
                    + collectors.keySet());
        }
        handles.forEach(HookHandle::remove);
    }

    /**
     * The model's state dict plus every wrapper buffer as {@code <layer>.<buffer>}
     * ({@code conv1.weight_mask}): everything needed to resume compression.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>(model.stateDict());
        for (ModuleWrapper w : wrappers) {
            w.buffers().forEach((n, t) -> out.put(w.name() + "." + n, t));
        }
        return out;
    }

    /**
     * Loads a state dict into the wrapped model: model keys strictly (every missing, unexpected or
     * mis-shaped key reported at once, see {@link Module#loadStateDict}) and wrapper buffers
     * ({@code conv1.weight_mask}) where given. A wrapper buffer must have the shape and dtype of the
     * wrapper's own (no silent cast), finite values, and whatever {@link #bufferValueProblem} demands;
     * every problem of the buffers is reported in one {@link dev.shrink4j.nn.StateDictException}, and
     * nothing is copied then.
     */
    public final void loadModelStateDict(Map<String, Tensor> stateDict) {
        Map<String, Tensor> modelPart = new LinkedHashMap<>(stateDict);
        List<String> mismatched = new ArrayList<>();
        List<String> dtypes = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        Map<Tensor, Tensor> bufferCopies = new LinkedHashMap<>();
        for (ModuleWrapper w : wrappers) {
            for (Map.Entry<String, Tensor> b : w.buffers().entrySet()) {
                String key = w.name() + "." + b.getKey();
                Tensor src = modelPart.remove(key);
                if (src == null) {
                    continue;
                }
                boolean ok = true;
                if (!java.util.Arrays.equals(src.shape(), b.getValue().shape())) {
                    mismatched.add(key + ": checkpoint has shape "
                            + java.util.Arrays.toString(src.shape()) + ", the wrapper has "
                            + java.util.Arrays.toString(b.getValue().shape()));
                    ok = false;
                }
                String dtype = TensorChecks.dtypeMismatch(src, "checkpoint", b.getValue(), "the wrapper");
                if (dtype != null) {
                    dtypes.add(key + ": " + dtype);
                    ok = false;
                }
                String values = TensorChecks.nonFinite(src);
                if (values == null) {
                    values = bufferValueProblem(w, b.getKey(), src);
                }
                if (values != null) {
                    invalid.add(key + ": " + values);
                    ok = false;
                }
                if (ok) {
                    bufferCopies.put(b.getValue(), src);
                }
            }
        }
        if (!mismatched.isEmpty() || !dtypes.isEmpty() || !invalid.isEmpty()) {
            throw new dev.shrink4j.nn.StateDictException(model.typeName(), List.of(), List.of(), mismatched, dtypes, invalid);
        }
        model.loadStateDict(modelPart, true);
        try (NoGradGuard g = new NoGradGuard()) {
            bufferCopies.forEach(Tensor::copy_);
        }
    }

    /**
     * A table of which config entry each layer got: wrapped layers with their entry and settings,
     * excluded layers with the entry that excluded them, and the remaining weighted layers as
     * unselected.
     */
    public final String describe() {
        requireCompressed();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer", "type", "config", "settings"});
        Map<String, LayerSelection> byName = new LinkedHashMap<>();
        selections.forEach(s -> byName.put(s.layer().name(), s));
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String name = e.getKey();
            Module m = e.getValue();
            if (name.isEmpty()) {
                continue;
            }
            LayerSelection s = byName.get(name);
            if (s != null) {
                rows.add(new String[] {name, m.typeName(), "config_list[" + s.config().index() + "]", settings(s.config())});
            } else if (exclusions.containsKey(name)) {
                rows.add(new String[] {name, m.typeName(), exclusions.get(name), "-"});
            } else if (m.getParameter("weight") != null) {
                rows.add(new String[] {name, m.typeName(), "not selected", "-"});
            }
        }
        return formatTable(rows);
    }

    private static String settings(LayerConfig config) {
        com.google.gson.JsonObject raw = config.raw();
        raw.remove("op_types");
        raw.remove("op_names");
        raw.remove("exclude");
        List<String> parts = new ArrayList<>();
        raw.entrySet().forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    static String formatTable(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                sb.append(c == cols - 1 ? r[c] : String.format("%-" + (width[c] + 2) + "s", r[c]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Restores the model and the optimizer as they were before {@link #compress()}: removes every
     * collector and the optimizer listener, undoes the algorithm's own side effects
     * ({@link #undoAfterWrap()}: parameter groups it added to the optimizer, snapshots it kept), then
     * removes every hook and parametrization and releases the wrappers' buffers. Afterwards the
     * optimizer has exactly the parameter groups it had, the modules carry no hook or parametrization
     * of this compressor, and the state dict has the model's own keys. What training changed stays
     * changed: the weights, batch-norm statistics and optimizer state of the model's parameters. To
     * keep the compression, export first (or apply masks to the weights). Idempotent. When one of
     * these steps fails the others still run, and the first failure is thrown (later ones suppressed).
     */
    public final void unwrap() {
        if (unwrapped) {
            return;
        }
        unwrapped = true;
        List<Runnable> steps = new ArrayList<>();
        new ArrayList<>(collectors.keySet()).forEach(id -> steps.add(() -> removeActivationCollector(id)));
        if (stepHandle != null) {
            steps.add(stepHandle::remove);
        }
        steps.add(this::undoAfterWrap);
        for (int i = wrappers.size() - 1; i >= 0; i--) {
            steps.add(wrappers.get(i)::release);
        }
        RuntimeException failure = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Same as {@link #unwrap()}. */
    @Override
    public void close() {
        unwrap();
    }

    /** Throws unless {@link #compress()} has run and the compressor is still attached. */
    protected final void requireCompressed() {
        if (!compressed) {
            throw new IllegalStateException("call compress() first");
        }
        if (unwrapped) {
            throw new IllegalStateException(getClass().getSimpleName() + " has been unwrapped");
        }
    }
}
