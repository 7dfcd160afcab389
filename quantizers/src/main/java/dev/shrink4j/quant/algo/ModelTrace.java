package dev.shrink4j.quant.algo;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.quant.config.QuantType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * What one forward pass of a dummy input shows about a model (NNI's {@code dummy_input} trace): the
 * input and output shape of every named module (first call) and the {@code Conv2d → BatchNorm}
 * pairs, found as a batch norm whose input is the very tensor a convolution returned
 * ({@code is_same}). The pass runs without gradient and in evaluation mode, so running statistics
 * are not touched; every module's training flag is restored afterwards.
 */
final class ModelTrace {

    private final Map<String, long[]> inputShapes = new LinkedHashMap<>();
    private final Map<String, long[]> outputShapes = new LinkedHashMap<>();
    private final Map<String, String> convToBn = new LinkedHashMap<>();

    private ModelTrace() {
    }

    /** Runs {@code dummyInput} through {@code model} and records shapes and conv→bn pairs. */
    static ModelTrace run(Module model, Tensor dummyInput) {
        ModelTrace trace = new ModelTrace();
        Map<Module, Boolean> flags = new LinkedHashMap<>();
        model.namedModules().values().forEach(m -> flags.put(m, m.isTraining()));
        List<HookHandle> handles = new ArrayList<>();
        record Call(String name, Module module, Tensor input, Tensor output) {
        }
        List<Call> calls = new ArrayList<>();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            model.eval();
            for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
                if (e.getKey().isEmpty()) {
                    continue;
                }
                handles.add(e.getValue().registerForwardHook((m, x, y) -> {
                    calls.add(new Call(e.getKey(), m, x, y));
                    return y;
                }));
            }
            model.call(dummyInput);
            for (Call c : calls) {
                trace.inputShapes.putIfAbsent(c.name(), c.input().shape());
                trace.outputShapes.putIfAbsent(c.name(), c.output().shape());
                if (c.module() instanceof BatchNorm) {
                    for (Call producer : calls) {
                        if (producer.module() instanceof Conv2d && producer.output().is_same(c.input())) {
                            trace.convToBn.putIfAbsent(producer.name(), c.name());
                        }
                    }
                }
            }
        } finally {
            handles.forEach(HookHandle::remove);
            // namedModules() is pre-order, so each module's own flag is set after its parent's recursive train()
            flags.forEach((m, training) -> m.train(training));
        }
        return trace;
    }

    /** The shape the layer received ({@code input}) or returned ({@code output}), or null when it never ran. */
    long[] shape(String layer, QuantType type) {
        return type == QuantType.INPUT ? inputShapes.get(layer) : outputShapes.get(layer);
    }

    /** Convolutions (by name) whose output feeds a batch norm directly, with that batch norm's name. */
    Map<String, String> convBnPairs() {
        return java.util.Collections.unmodifiableMap(convToBn);
    }
}
