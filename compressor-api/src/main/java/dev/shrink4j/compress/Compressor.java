package dev.shrink4j.compress;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.StepListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * train / calibrate → export → {@link #unwrap()} or {@link #close()}, which restore the model as it
 * was. The model's class, fields and state-dict keys never change while wrapped.
 *
 * <p>Subclasses (pruners, quantizers) declare their {@link #configSchema()}, install their
 * buffers, parametrizations and hooks in {@link #wrap(ModuleWrapper)}, and may react to optimizer
 * steps ({@link #beforeOptimizerStep()}, {@link #afterOptimizerStep()}) and epochs
 * ({@link #updateEpoch(int)}).
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
     */
    protected Compressor(Module model, ConfigList configList, Optimizer optimizer) {
        this.model = Objects.requireNonNull(model, "model");
        this.configList = Objects.requireNonNull(configList, "configList");
        this.optimizer = optimizer;
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
     * messages naming the entry and the layer. Called for every selected layer before any wrapping.
     */
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        return List.of();
    }

    /** Runs once after every layer is wrapped (one-shot pruners compute their masks here). */
    protected void afterWrap() {
    }

    /** Called by the optimizer before each step, while the compressor is attached. */
    protected void beforeOptimizerStep() {
    }

    /** Called by the optimizer after each step, while the compressor is attached. */
    protected void afterOptimizerStep() {
    }

    /**
     * Validates the config list against the model, wraps every selected layer, hooks into the
     * optimizer and runs the algorithm's set-up.
     *
     * @return the model (the same object, now compressed)
     * @throws ConfigException naming every invalid entry, field and value
     */
    public final Module compress() {
        if (compressed) {
            throw new IllegalStateException(getClass().getSimpleName() + ".compress() has already run");
        }
        List<LayerConfig> configs = configList.validate(configSchema(), model);
        select(configs);
        List<String> errors = new ArrayList<>();
        for (LayerSelection s : selections) {
            errors.addAll(validateLayer(s.layer(), s.config()));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
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
            unwrap();
            throw e;
        }
        LOG.info("{} wraps {} layer(s): {}", getClass().getSimpleName(), wrappers.size(),
                wrappers.stream().map(ModuleWrapper::name).toList());
        return model;
    }

    private void select(List<LayerConfig> configs) {
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getKey().isEmpty()) {
                continue;
            }
            LayerInfo layer = LayerInfo.of(e.getKey(), e.getValue());
            LayerConfig chosen = null;
            for (LayerConfig c : configs) {
                if (c.matches(layer.name(), layer.type())) {
                    chosen = c; // the last matching entry wins (NNI's rule)
                }
            }
            if (chosen == null) {
                continue;
            }
            if (chosen.exclude()) {
                exclusions.put(layer.name(), "excluded by config_list[" + chosen.index() + "]");
            } else {
                selections.add(new LayerSelection(layer, chosen));
            }
        }
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
     * Sets an attribute on every wrapper: a tensor becomes a buffer (each wrapper gets its own
     * copy), anything else a plain attribute (NNI's {@code set_wrappers_attribute}).
     */
    public final void setWrappersAttribute(String name, Object value) {
        requireCompressed();
        for (ModuleWrapper w : wrappers) {
            if (value instanceof Tensor t) {
                try (NoGradGuard g = new NoGradGuard()) {
                    w.registerBuffer(name, t.detach().clone());
                }
            } else {
                w.setAttribute(name, value);
            }
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
     * mis-shaped key reported at once) and wrapper buffers ({@code conv1.weight_mask}) where given.
     */
    public final void loadModelStateDict(Map<String, Tensor> stateDict) {
        Map<String, Tensor> modelPart = new LinkedHashMap<>(stateDict);
        List<String> mismatched = new ArrayList<>();
        Map<Tensor, Tensor> bufferCopies = new LinkedHashMap<>();
        for (ModuleWrapper w : wrappers) {
            for (Map.Entry<String, Tensor> b : w.buffers().entrySet()) {
                Tensor src = modelPart.remove(w.name() + "." + b.getKey());
                if (src == null) {
                    continue;
                }
                if (!java.util.Arrays.equals(src.shape(), b.getValue().shape())) {
                    mismatched.add(w.name() + "." + b.getKey() + ": checkpoint has shape "
                            + java.util.Arrays.toString(src.shape()) + ", the wrapper has "
                            + java.util.Arrays.toString(b.getValue().shape()));
                } else {
                    bufferCopies.put(b.getValue(), src);
                }
            }
        }
        if (!mismatched.isEmpty()) {
            throw new dev.shrink4j.nn.StateDictException(model.typeName(), List.of(), List.of(), mismatched);
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
     * Removes every wrapper, hook, parametrization, collector and the optimizer listener, and
     * releases the wrappers' buffers: the model is exactly as before {@link #compress()}. To keep
     * the compression, export first (or apply masks to the weights). Idempotent.
     */
    public final void unwrap() {
        if (unwrapped) {
            return;
        }
        unwrapped = true;
        new ArrayList<>(collectors.keySet()).forEach(this::removeActivationCollector);
        if (stepHandle != null) {
            stepHandle.remove();
        }
        for (int i = wrappers.size() - 1; i >= 0; i--) {
            wrappers.get(i).release();
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
