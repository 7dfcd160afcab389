package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.ParamGroup;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.train.BatchResult;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every algorithm in the registry (the built-in ones and any added later): compress a small model
 * with the algorithm's example config, feed it its statistics batches as the command line
 * does, train 3 steps (per round), unwrap, and check that the model and the optimizer are as they
 * were: the same parameter groups with the same tensors, no step listener, no hook or parametrization
 * on any module, the model's own state-dict keys and shapes, a forward identical to an uncompressed
 * model's with the same weights, and {@code zeroGrad}, a training step and a forward that work and
 * stay finite. Then a second compress/unwrap cycle of the same algorithm on the same model and
 * optimizer, checked again.
 */
class UnwrapRestoresEveryAlgorithmTest {

    private static final AlgorithmRegistry REGISTRY = BuiltinAlgorithms.registry();
    private static final int TRAINING_STEPS = 3;

    /** A zoo model small enough for a fast test, with the input it takes. */
    private record Arch(String name, int channels, int size, int batchSize) {
        Module create() {
            return ModelZoo.create(name, channels, 10);
        }

        long[] inputShape(int batch) {
            return new long[] {batch, channels, size, size};
        }
    }

    /** LeNet-5 where the config fits it; ResNet-20 for configs selecting layers LeNet-5 lacks (BatchNorm2d). */
    private static final List<Arch> ARCHS = List.of(new Arch("lenet5", 1, 28, 8), new Arch("resnet20", 3, 32, 4));

    static Stream<String> algorithms() {
        return REGISTRY.all().stream().map(AlgorithmSpec::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void compressTrainUnwrapRestoresTheModelAndTheOptimizerTwice(String name) throws IOException {
        Path file = ExampleConfigsTest.CONFIGS.resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            fail("algorithm \"" + name + "\" has no example config " + file + "; every registered algorithm needs one");
        }
        AlgorithmSpec spec = REGISTRY.all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        CompressionConfig cfg = CompressionConfig.read(file, REGISTRY, spec.kind());
        Arch arch = archFor(file);
        torch.manual_seed(11);
        Dataset data;
        try (PointerScope s = new PointerScope()) {
            int n = arch.batchSize() * TRAINING_STEPS;
            data = new Dataset("noise", torch.randn(arch.inputShape(n)), torch.randint(10, new long[] {n}), 10);
        }
        try (data; Module model = arch.create();
             Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters())) {
            DataLoader loader = DataLoader.builder().setDataset(data).setBatchSize(arch.batchSize()).build();
            List<List<Tensor>> groups = groupParams(sgd);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            model.stateDict().forEach((k, t) -> shapes.put(k, t.shape()));
            for (int cycle = 1; cycle <= 2; cycle++) {
                String where = name + ", cycle " + cycle;
                Compressor c = spec.factory().create(new AlgorithmContext(model, cfg.configList(), sgd, cfg.options(),
                        arch.inputShape(1)));
                try {
                    c.compress();
                    assertTrue(attachments(model) >= c.getModulesWrapper().size() && !c.getModulesWrapper().isEmpty(),
                            where + ": compress() wraps layers with hooks or parametrizations, which unwrap must remove");
                    drive(c, model, loader, sgd, where);
                } finally {
                    c.unwrap();
                }
                assertRestored(model, sgd, groups, shapes, arch, where);
            }
        }
    }

    /** Statistics batches, then rounds of {@value #TRAINING_STEPS} steps, as the prune/quantize commands drive them. */
    private static void drive(Compressor c, Module model, DataLoader loader, Sgd sgd, String where) {
        ProtocolTrainer protocol = new ProtocolTrainer(model, c);
        protocol.collectStatistics(loader, ProtocolTrainer.Progress.NONE);
        protocol.fineTune((round, rounds, listener) -> {
            List<Double> losses = new ArrayList<>();
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).addListener(listener)
                    .addListener(new TrainingListener() {
                        @Override
                        public void onBatchEnd(Trainer t, BatchResult batch) {
                            losses.add(batch.loss());
                        }
                    }).build();
            List<EpochResult> epochs = trainer.fit(loader, 1);
            assertEquals(1, epochs.size());
            assertEquals(TRAINING_STEPS, losses.size(), where);
            assertTrue(losses.stream().allMatch(Double::isFinite), where + ": compressed training losses " + losses);
            return epochs;
        });
    }

    private static void assertRestored(Module model, Sgd sgd, List<List<Tensor>> groups, Map<String, long[]> shapes,
            Arch arch, String where) {
        // the optimizer: exactly the groups it had, the same tensors in each, no listener left
        List<List<Tensor>> now = groupParams(sgd);
        assertEquals(groups.size(), now.size(), where + ": parameter groups");
        for (int g = 0; g < groups.size(); g++) {
            assertEquals(groups.get(g).size(), now.get(g).size(), where + ": parameters of group " + g);
            for (int i = 0; i < groups.get(g).size(); i++) {
                assertTrue(groups.get(g).get(i).is_same(now.get(g).get(i)), where + ": group " + g + " parameter " + i);
            }
        }
        assertEquals(0, sgd.stepListenerCount(), where + ": step listeners");

        // the modules: no hook, pre-hook or parametrization anywhere
        model.namedModules().forEach((name, m) -> {
            String module = where + ": module \"" + name + "\"";
            assertEquals(0, m.forwardPreHookCount(), module + " forward pre-hooks");
            assertEquals(0, m.forwardHookCount(), module + " forward hooks");
            assertEquals(Set.of(), m.parametrizedNames(), module + " parametrizations");
        });

        // the state dict: the model's own keys, in order, with their shapes
        Map<String, Tensor> state = model.stateDict();
        assertEquals(new ArrayList<>(shapes.keySet()), new ArrayList<>(state.keySet()), where + ": state-dict keys");
        shapes.forEach((k, shape) -> assertArrayEquals(shape, state.get(k).shape(), where + ": shape of " + k));

        try (PointerScope scope = new PointerScope()) {
            // forward is the plain model's: bit for bit what a fresh, never-compressed model computes with these weights
            Tensor x = torch.randn(arch.inputShape(2));
            try (Module plain = arch.create(); NoGradGuard g = new NoGradGuard()) {
                plain.loadStateDict(state, true);
                plain.eval();
                model.eval();
                Tensor expected = plain.call(x);
                Tensor got = model.call(x);
                assertTrue(torch.equal(expected, got), where + ": eval forward differs from an uncompressed model's");
                assertTrue(torch.isfinite(got).all().item_bool(), where + ": non-finite eval output");
            } finally {
                model.train();
            }

            // zeroGrad, a training step and a forward work on every group and stay finite
            sgd.zeroGrad();
            for (ParamGroup group : sgd.paramGroups()) {
                for (Tensor p : group.params()) {
                    Tensor grad = p.grad();
                    assertTrue(!grad.defined() || grad.abs().sum().item_double() == 0.0, where + ": zeroGrad left a gradient");
                }
            }
            Tensor loss = Loss.crossEntropy().compute(model.call(x), torch.randint(10, new long[] {2}));
            assertTrue(Double.isFinite(loss.item_double()), where + ": loss after unwrap " + loss.item_double());
            loss.backward();
            sgd.step();
            model.namedParameters().forEach((k, p) -> {
                assertTrue(torch.isfinite(p).all().item_bool(), where + ": " + k + " is not finite after a step");
                assertTrue(torch.isfinite(p.grad()).all().item_bool(), where + ": gradient of " + k + " is not finite");
            });
            sgd.zeroGrad();
        }
    }

    /** Hooks, pre-hooks and parametrized parameters over every module of {@code model}. */
    private static int attachments(Module model) {
        return model.namedModules().values().stream()
                .mapToInt(m -> m.forwardPreHookCount() + m.forwardHookCount() + m.parametrizedNames().size()).sum();
    }

    private static List<List<Tensor>> groupParams(Sgd sgd) {
        return sgd.paramGroups().stream().map(ParamGroup::params).toList();
    }

    /**
     * The first of {@link #ARCHS} that has a layer of every type and name the config list selects
     * ({@code "default"} meaning Conv2d and Linear, as in config lists).
     */
    private static Arch archFor(Path configFile) throws IOException {
        Set<String> types = new HashSet<>();
        Set<String> names = new HashSet<>();
        JsonObject root = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
        for (JsonElement entry : root.getAsJsonArray(CompressionConfig.CONFIG_LIST)) {
            JsonObject e = entry.getAsJsonObject();
            if (e.has("exclude") && e.get("exclude").getAsBoolean()) {
                continue;
            }
            if (e.has("op_types")) {
                e.getAsJsonArray("op_types").forEach(t -> {
                    if (t.getAsString().equals("default")) {
                        types.addAll(List.of("Conv2d", "Linear"));
                    } else {
                        types.add(t.getAsString());
                    }
                });
            }
            if (e.has("op_names")) {
                e.getAsJsonArray("op_names").forEach(n -> names.add(n.getAsString()));
            }
        }
        for (Arch arch : ARCHS) {
            try (Module m = arch.create()) {
                Set<String> haveTypes = new HashSet<>();
                m.namedModules().forEach((n, module) -> haveTypes.add(LayerInfo.of(n, module).type()));
                if (haveTypes.containsAll(types) && m.namedModules().keySet().containsAll(names)) {
                    return arch;
                }
            }
        }
        throw new AssertionError(configFile + " selects " + types + " / " + names + ", which none of "
                + ARCHS.stream().map(Arch::name).toList() + " has");
    }
}
