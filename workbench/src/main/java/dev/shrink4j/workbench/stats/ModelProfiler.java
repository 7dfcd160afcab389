package dev.shrink4j.workbench.stats;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.ModuleTypes;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.AvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Dropout;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.Merge;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.ReLU6;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts parameters and FLOPs per leaf layer by running one zero-filled dummy input through the model
 * with a forward hook on every leaf, as NNI's {@code count_flops_params(model, x, mode='full')} does:
 * <pre>
 * ModelProfile p = ModelProfiler.profile(ResNet.resnet20(), 1, 3, 32, 32);
 * System.out.println(p.toTable());
 * </pre>
 * The pass runs in evaluation mode (batch norm leaves its running statistics alone, dropout is off),
 * under {@link NoGradGuard} and inside a {@link PointerScope} (every activation is freed afterwards);
 * each module's training flag is restored and every hook removed, also when the forward pass throws.
 *
 * <p>Conventions of the {@linkplain #defaultCounters() default counters} (NNI's "full" mode; for a
 * batch of one the numbers equal NNI's; for a batch of N they are N times larger). Convolutions and
 * linear layers count multiply-accumulates:
 * <ul>
 *   <li>{@code Conv2d}: {@code out.numel × (in/groups × kH × kW)}, plus {@code out.numel} with bias;
 *   <li>{@code Linear}: {@code out.numel × in_features}, plus {@code out.numel} with bias;
 *   <li>{@code BatchNorm1d/2d}: {@code 2 × in.numel} (scale and shift, folded statistics);
 *   <li>{@code ReLU}, {@code ReLU6}: {@code in.numel};
 *   <li>{@code AvgPool2d}, {@code MaxPool2d}: {@code out.numel};
 *   <li>{@code AdaptiveAvgPool2d}: {@code (inH/outH × inW/outW + 1) × out.numel} (adds plus one division);
 *   <li>{@code Flatten}, {@code Identity}, {@code Dropout}: 0;
 *   <li>the glue modules {@code Add}, {@code Concat} (any {@code Merge}) and {@code ChannelPad}: 0, as NNI
 *       counts no residual addition or padding (they were raw tensor operations before they became modules).
 * </ul>
 * A leaf of another type counts 0 FLOPs (logged at debug level when it has no parameters, at warn
 * level when it has some); give it a counter with {@link #withCounter(Class, FlopCounter)}. Functional
 * operations inside a non-leaf's forward (a residual addition) are not counted. A layer called several
 * times accumulates the FLOPs of every call.
 */
public final class ModelProfiler {

    private static final Logger LOG = LoggerFactory.getLogger(ModelProfiler.class);

    private final Map<Class<? extends Module>, FlopCounter> counters = new LinkedHashMap<>(defaultCounters());

    /** A profiler with the {@linkplain #defaultCounters() default counters}. */
    public ModelProfiler() {
    }

    /** Profiles {@code model} with the default counters on a zero input of {@code inputShape} (batch included). */
    public static ModelProfile profile(Module model, long... inputShape) {
        return new ModelProfiler().run(model, inputShape);
    }

    /**
     * Counts layers of {@code type} (and its subclasses, unless they have their own counter) with
     * {@code counter}, replacing any default.
     *
     * @return this profiler
     */
    public ModelProfiler withCounter(Class<? extends Module> type, FlopCounter counter) {
        counters.put(type, java.util.Objects.requireNonNull(counter, "counter"));
        return this;
    }

    /** The built-in counters, keyed by layer class; see the class documentation for the conventions. */
    public static Map<Class<? extends Module>, FlopCounter> defaultCounters() {
        Map<Class<? extends Module>, FlopCounter> m = new LinkedHashMap<>();
        m.put(Conv2d.class, (module, x, y) -> {
            Conv2d c = (Conv2d) module;
            long[] k = c.kernelSize();
            long macs = y.numel() * (c.inChannels() / c.groups() * k[0] * k[1]);
            return macs + (c.bias() != null ? y.numel() : 0);
        });
        m.put(Linear.class, (module, x, y) -> {
            Linear l = (Linear) module;
            return y.numel() * l.inFeatures() + (l.bias() != null ? y.numel() : 0);
        });
        m.put(BatchNorm.class, (module, x, y) -> 2 * x.numel());
        m.put(ReLU.class, (module, x, y) -> x.numel());
        m.put(ReLU6.class, (module, x, y) -> x.numel());
        m.put(AvgPool2d.class, (module, x, y) -> y.numel());
        m.put(MaxPool2d.class, (module, x, y) -> y.numel());
        m.put(AdaptiveAvgPool2d.class, (module, x, y) -> {
            long[] in = x.shape();
            long[] out = y.shape();
            int d = in.length;
            long kernel = (in[d - 2] / out[d - 2]) * (in[d - 1] / out[d - 1]);
            return (kernel + 1) * y.numel();
        });
        m.put(Flatten.class, (module, x, y) -> 0);
        m.put(Identity.class, (module, x, y) -> 0);
        m.put(Dropout.class, (module, x, y) -> 0);
        m.put(Merge.class, (module, x, y) -> 0);
        m.put(ChannelPad.class, (module, x, y) -> 0);
        return m;
    }

    /**
     * Runs one forward pass of a zero tensor of {@code inputShape} and collects the profile.
     *
     * @throws IllegalArgumentException when the shape is empty or not positive, or the model rejects it
     *                                  (the cause carries libtorch's message)
     */
    public ModelProfile run(Module model, long... inputShape) {
        if (inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("input shape must be non-empty and positive (batch included), got "
                    + Arrays.toString(inputShape));
        }
        Map<String, Module> modules = model.namedModules();
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        modules.values().forEach(m -> modes.put(m, m.isTraining()));
        Map<String, Tally> tallies = new LinkedHashMap<>();
        List<HookHandle> handles = new ArrayList<>();
        TreeSet<String> uncounted = new TreeSet<>();
        List<Long> outputShape;
        try {
            for (Map.Entry<String, Module> e : modules.entrySet()) {
                Module m = e.getValue();
                if (!m.namedChildren().isEmpty()) {
                    continue;
                }
                Tally tally = new Tally(m, ModuleTypes.nearest(counters, m.getClass()));
                tallies.put(e.getKey(), tally);
                if (tally.counter == null) {
                    uncounted.add(m.typeName());
                    if (tally.params > 0) {
                        LOG.warn("no FLOP counter for {} \"{}\" ({} parameters): counted as 0 FLOPs", m.typeName(),
                                e.getKey(), tally.params);
                    }
                }
                handles.add(m.registerForwardHook((module, x, y) -> {
                    tally.record(x, y);
                    return y;
                }));
            }
            model.eval();
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor out;
                try {
                    out = model.call(torch.zeros(inputShape));
                } catch (RuntimeException ex) {
                    throw new IllegalArgumentException("profiling " + model.typeName() + " with input shape "
                            + Arrays.toString(inputShape) + " failed: " + firstLine(ex.getMessage()), ex);
                }
                outputShape = boxed(out.shape());
            }
        } finally {
            handles.forEach(HookHandle::remove);
            // Pre-order: each module's own flag is set after its ancestors', so mixed modes come back intact.
            modes.forEach(Module::train);
        }
        if (!uncounted.isEmpty()) {
            LOG.debug("leaf types without a FLOP counter, counted as 0: {}", uncounted);
        }
        List<LayerProfile> layers = new ArrayList<>();
        long flops = 0;
        for (Map.Entry<String, Tally> e : tallies.entrySet()) {
            Tally t = e.getValue();
            layers.add(new LayerProfile(e.getKey(), t.module.typeName(), t.shape, t.params, t.flops, t.calls));
            flops += t.flops;
        }
        return new ModelProfile(boxed(inputShape), outputShape, layers, model.parameterCount(), flops);
    }

    private static List<Long> boxed(long[] shape) {
        List<Long> out = new ArrayList<>(shape.length);
        for (long s : shape) {
            out.add(s);
        }
        return out;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** Per-leaf accumulator filled by its forward hook. */
    private static final class Tally {
        final Module module;
        final FlopCounter counter;
        final long params;
        List<Long> shape = List.of();
        long flops;
        int calls;

        Tally(Module module, FlopCounter counter) {
            this.module = module;
            this.counter = counter;
            long p = 0;
            for (Tensor t : module.namedParameters().values()) {
                p += t.numel();
            }
            this.params = p;
        }

        void record(Tensor x, Tensor y) {
            calls++;
            shape = boxed(y.shape());
            if (counter != null) {
                flops += counter.count(module, x, y);
            }
        }
    }
}
