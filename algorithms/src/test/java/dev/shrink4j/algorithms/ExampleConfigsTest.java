package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.zoo.ModelZoo;
import dev.shrink4j.prune.AgpPruner;
import dev.shrink4j.prune.AgpSchedule;
import dev.shrink4j.prune.FilterPruner;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.SlimPruner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Every example config under configs/ parses, and those whose algorithm is built in compress
 * LeNet-5 (slim, which selects BatchNorm2d layers, compresses ResNet-20).
 */
class ExampleConfigsTest {

    static final Path CONFIGS = Path.of("..", "configs");

    @Test
    void everyAlgorithmHasAnExampleConfig() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.list(CONFIGS)) {
            files = s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList(); // configs/distill/ holds distiller configs
        }
        assertEquals(List.of("agp.json", "apoz.json", "bnn.json", "dorefa.json", "fpgm.json", "l1-filter.json", "l2-filter.json",
                "level.json", "lottery-ticket.json", "lsq.json", "mean-activation.json", "naive.json", "observer.json", "qat.json",
                "slim.json", "taylor-fo.json"), files);
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        assertEquals(files, registry.all().stream().map(s -> s.name() + ".json").sorted().toList());
        assertEquals(List.of("level", "l1-filter", "l2-filter", "fpgm", "slim"),
                registry.names(AlgorithmKind.PRUNER).subList(0, 5), "the one-shot pruners come first");
    }

    @Test
    void builtinConfigsCompressLeNet5() {
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        for (AlgorithmSpec spec : registry.all()) {
            boolean bn = spec.name().equals("slim");
            try (Run r = compress(registry, spec.name(), bn ? "resnet20" : "lenet5", bn ? 3 : 1, bn ? 32 : 28)) {
                // LeNet-5: 2 Conv2d + 3 Linear (level and agp select conv2, fc1, fc2; dorefa excludes conv1 and fc3);
                // ResNet-20: 19 BatchNorm2d
                int expected = bn ? 19 : FILTER_PRUNERS.contains(spec.name()) ? 2
                        : List.of("level", "agp", "dorefa").contains(spec.name()) ? 3 : 5;
                assertEquals(expected, r.c().getModulesWrapper().size(), spec.name());
            }
        }
    }

    @Test
    void exampleConfigsPruneWhatTheySay() {
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        try (Run r = compress(registry, "level", "lenet5", 1, 28)) {
            // 90% of conv2/fc1/fc2's 60,480 weights, split 0.55/0.94/0.80: floor(2400·0.55) = 1320,
            // floor(48000·0.94) = 45120, floor(10080·0.8) = 8064, together 54,504 = 90.1%; conv1 and fc3 stay dense
            Map<String, Double> sparsity = ((Pruner) r.c()).layerSparsity();
            assertEquals(1320 / 2400.0, sparsity.get("conv2"));
            assertEquals(45120 / 48000.0, sparsity.get("fc1"));
            assertEquals(8064 / 10080.0, sparsity.get("fc2"));
            assertEquals(java.util.Set.of("conv2", "fc1", "fc2"), sparsity.keySet());
        }
        try (Run r = compress(registry, "l1-filter", "lenet5", 1, 28)) {
            // half the filters: 3 of conv1's 6, 8 of conv2's 16
            assertEquals(Map.of("conv1", 0.5, "conv2", 0.5), ((Pruner) r.c()).layerSparsity());
        }
        try (Run r = compress(registry, "slim", "resnet20", 3, 32); PointerScope s = new PointerScope()) {
            // one global threshold over the 16 + 6·16 + 6·32 + 6·64 = 688 BatchNorm2d channels: floor(688 · 0.5) pruned
            long pruned = 0;
            for (Map.Entry<String, Tensor> e : ((Pruner) r.c()).masks().entrySet()) {
                if (e.getKey().endsWith(".weight_mask")) {
                    pruned += e.getValue().numel() - e.getValue().count_nonzero().item_long();
                }
            }
            assertEquals(344, pruned);
        }
    }

    @Test
    void agpExampleRampsInTenthsOfAnEpochFromHalfSparsity() {
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        CompressionConfig cfg = CompressionConfig.read(CONFIGS.resolve("agp.json"), registry, AlgorithmKind.PRUNER);
        // frequency 0.1 over epochs [0, 1]: ten ticks per epoch, ticks 0..10
        assertEquals(new AgpSchedule(10, 0, 10, 1), BuiltinAlgorithms.agpSchedule(cfg.options()));
        assertEquals(new FinetuneRecipe(0.002, 32, null), cfg.finetune());
        try (Run r = compress(registry, "agp", "lenet5", 1, 28)) {
            AgpPruner agp = (AgpPruner) r.c();
            // at compress(): initial_sparsity 0.5 everywhere: floor(2400·0.5), floor(48000·0.5), floor(10080·0.5)
            assertEquals(Map.of("conv2", 0.5, "fc1", 0.5, "fc2", 0.5), agp.layerSparsity());
            // span = ((10 − 0 − 1) // 1) · 1 = 9 ticks; at tick 3: s_f + (0.5 − s_f)·(1 − 3/9)³
            double cube = Math.pow(1 - 3 / 9.0, 3);
            assertEquals(0.95 + (0.5 - 0.95) * cube, agp.targetSparsity(3, 0.95), 1e-12);
            assertEquals(0.95, agp.targetSparsity(9, 0.95));
        }
    }

    @Test
    void dependencyAwareAndGlobalSortReachEveryFilterPruner() {
        // The grouping and the ranking themselves are tested in the pruners module (on ResNet-20, options A and B);
        // here, that each option reaches the builder (dependency_aware with one sample's input shape), that both
        // are off by default, and which allocator they select. LeNet-5 has no residual group, so every mode of a
        // one-shot pruner prunes floor(22·0.5) = 11 of the 6 + 16 filters of conv1 and conv2.
        for (String name : FILTER_PRUNERS) {
            for (String options : List.of("", ", \"dependency_aware\": true", ", \"global_sort\": true",
                    ", \"dependency_aware\": true, \"global_sort\": true")) {
                boolean aware = options.contains("dependency_aware");
                boolean global = options.contains("global_sort");
                try (Run r = compressInline("{\"pruner\": \"" + name + "\"" + options
                        + ", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", "lenet5", 1, 28)) {
                    FilterPruner p = (FilterPruner) r.c();
                    String at = name + options;
                    assertEquals(aware, p.isDependencyAware(), at);
                    assertEquals(global, p.globalSort(), at);
                    assertEquals(aware, p.tracedGroups().isPresent(), at);
                    assertEquals(global ? "GlobalAllocator" : aware ? "DependencyGroupAllocator" : "PerLayerAllocator",
                            p.allocator().getClass().getSimpleName(), at);
                    if (!(r.c() instanceof DataDriven)) {
                        long pruned = p.masks().entrySet().stream().filter(e -> e.getKey().endsWith(".weight_mask"))
                                .mapToLong(e -> e.getValue().flatten(1, -1).amax(new long[] {1}, false).eq(new Scalar(0))
                                        .count_nonzero().item_long()).sum();
                        assertEquals(11, pruned, at);
                    }
                }
            }
        }
    }

    @Test
    void dependencyAwareReachesSlim() {
        // The ranking itself is tested in the pruners module; here, that the option reaches the builder with one
        // sample's input shape and is off by default. The zoo's ResNet-20 (option A) ties the stem and the last batch norm
        // of every block into one group, each stage at its offset.
        for (boolean aware : new boolean[] {false, true}) {
            try (Run r = compressInline("{\"pruner\": \"slim\", \"dependency_aware\": " + aware
                    + ", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"BatchNorm2d\"]}]}", "resnet20", 3, 32)) {
                SlimPruner p = (SlimPruner) r.c();
                assertEquals(aware, p.isDependencyAware());
                assertEquals(aware, p.tracedGroups().isPresent());
                assertEquals(aware ? List.of("bn1", "layer1.0.bn2", "layer1.1.bn2", "layer1.2.bn2", "layer2.0.bn2", "layer2.1.bn2",
                        "layer2.2.bn2", "layer3.0.bn2", "layer3.1.bn2", "layer3.2.bn2") : null,
                        p.dependencyGroups().isEmpty() ? null : p.dependencyGroups().get(0));
            }
        }
    }

    /** The configs that select Conv2d layers only. */
    static final List<String> FILTER_PRUNERS = List.of("l1-filter", "l2-filter", "fpgm", "taylor-fo", "apoz", "mean-activation");

    /** A compressed zoo model; closing closes the compressor, its optimizer (if any) and the model. */
    record Run(Compressor c, Sgd sgd, Module model) implements AutoCloseable {
        @Override
        public void close() {
            c.close();
            if (sgd != null) {
                sgd.close();
            }
            model.close();
        }
    }

    /** The example config of {@code name} compressing a fresh zoo model (closing the model with the compressor). */
    private static Run compress(AlgorithmRegistry registry, String name, String arch, int channels, int size) {
        AlgorithmSpec spec = registry.all().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        CompressionConfig cfg = CompressionConfig.read(CONFIGS.resolve(name + ".json"), registry, spec.kind());
        Module model = ModelZoo.create(arch, channels, 10);
        return start(spec, cfg, model, Sgd.builder().setLearningRate(0.01).build(model.parameters()), channels, size);
    }

    /** The pruner of the inline config {@code json} compressing a fresh zoo model, without optimizer. */
    private static Run compressInline(String json, String arch, int channels, int size) {
        CompressionConfig cfg = CompressionConfig.parse("<inline>", json, BuiltinAlgorithms.registry(), AlgorithmKind.PRUNER);
        return start(cfg.spec(), cfg, ModelZoo.create(arch, channels, 10), null, channels, size);
    }

    /** {@code spec}'s compressor of {@code model} for inputs of one {@code channels × size × size} sample, compressing. */
    private static Run start(AlgorithmSpec spec, CompressionConfig cfg, Module model, Sgd sgd, int channels, int size) {
        Compressor c = spec.factory().create(new AlgorithmContext(model, cfg.configList(), sgd, cfg.options(),
                new long[] {1, channels, size, size}));
        c.compress();
        return new Run(c, sgd, model);
    }
}
