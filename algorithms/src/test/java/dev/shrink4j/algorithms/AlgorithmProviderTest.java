package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.nn.OneLayer;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.prune.Pruner;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Algorithms from other jars: {@link AlgorithmRegistry#load()} finds them through {@link java.util.ServiceLoader}. */
class AlgorithmProviderTest {

    private static final String CONFIG = "{\"pruner\": \"" + ExtraAlgorithms.NAME + "\", \"note\": \"mine\", "
            + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]}";

    @Test
    void loadFindsTheBuiltinsFirstThenTheTestJarsProvider() {
        AlgorithmRegistry loaded = AlgorithmRegistry.load();
        List<String> builtinPruners = BuiltinAlgorithms.registry().names(AlgorithmKind.PRUNER);
        List<String> pruners = loaded.names(AlgorithmKind.PRUNER);
        assertEquals(builtinPruners.size() + 1, pruners.size(), pruners.toString());
        assertEquals(builtinPruners, pruners.subList(0, builtinPruners.size()));
        assertEquals(ExtraAlgorithms.NAME, pruners.get(pruners.size() - 1));
        assertEquals(BuiltinAlgorithms.registry().names(AlgorithmKind.QUANTIZER), loaded.names(AlgorithmKind.QUANTIZER));
        // the built-ins' own registry stays free of other providers
        assertEquals(false, builtinPruners.contains(ExtraAlgorithms.NAME));
    }

    @Test
    void aConfigFileNamingTheExtraAlgorithmParsesAndItsPrunerMasksBySmallestMagnitude() {
        CompressionConfig cfg = CompressionConfig.parse("extra.json", CONFIG, AlgorithmRegistry.load(), AlgorithmKind.PRUNER);
        assertEquals(ExtraAlgorithms.NAME, cfg.spec().name());
        assertEquals("mine", cfg.options().getString("note", null));
        assertEquals(0, cfg.statisticsBatches());
        try (OneLayer<Linear> model = OneLayer.linear(4, 2);
                Compressor c = cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), null, cfg.options(),
                        new long[] {1, 4}))) {
            try (NoGradGuard g = new NoGradGuard()) {
                model.layer.weight().copy_(Tensor.create(new float[] {0.5f, -0.1f, 2f, 0.3f, -3f, 1f, 0.2f, -0.4f}, 2, 4));
            }
            c.compress();
            Pruner pruner = assertInstanceOf(Pruner.class, c);
            // |w| = .5 .1 2 .3 | 3 1 .2 .4: floor(8 · 0.5) = 4 smallest are .1, .2, .3, .4 (indices 1, 6, 3, 7)
            Tensor mask = pruner.weightMask("fc").contiguous();
            float[] values = new float[8];
            mask.data_ptr_float().get(values);
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 0, 0}, values);
        }
    }

    @Test
    void withoutItsProviderTheNameIsUnknown() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> CompressionConfig.parse("extra.json", CONFIG, BuiltinAlgorithms.registry(), AlgorithmKind.PRUNER));
        assertEquals(true, e.getMessage().contains("unknown pruner \"" + ExtraAlgorithms.NAME + "\"; known pruners: level, "),
                e.getMessage());
    }

    @Test
    void twoProvidersOfOneNameAreRefusedNamingTheSecond() {
        AlgorithmProvider again = () -> List.of(AlgorithmSpec.of("level", AlgorithmKind.PRUNER, "another level",
                ctx -> { throw new AssertionError("never built"); }));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlgorithmRegistry.load(List.of(again, new BuiltinAlgorithms())));
        assertEquals("algorithm \"level\" is already registered (again by " + again.getClass().getName() + ")", e.getMessage());
    }
}
