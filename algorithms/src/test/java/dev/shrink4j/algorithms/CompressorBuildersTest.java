package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.prune.ActivationApozRankFilterPruner;
import dev.shrink4j.prune.ActivationMeanRankFilterPruner;
import dev.shrink4j.prune.AgpPruner;
import dev.shrink4j.prune.FpgmPruner;
import dev.shrink4j.prune.L1FilterPruner;
import dev.shrink4j.prune.L2FilterPruner;
import dev.shrink4j.prune.LevelPruner;
import dev.shrink4j.prune.LotteryTicketPruner;
import dev.shrink4j.prune.SlimPruner;
import dev.shrink4j.prune.TaylorFoWeightFilterPruner;
import dev.shrink4j.quant.algo.BnnQuantizer;
import dev.shrink4j.quant.algo.DoReFaQuantizer;
import dev.shrink4j.quant.algo.LsqQuantizer;
import dev.shrink4j.quant.algo.NaiveQuantizer;
import dev.shrink4j.quant.algo.ObserverQuantizer;
import dev.shrink4j.quant.algo.QatQuantizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Every built-in compressor is built by a {@link CompressorBuilder}, and a missing model or config list
 * is the same {@link IllegalArgumentException} with the same message through the builder and through
 * the public constructors (which are sugar for the builder).
 */
class CompressorBuildersTest {

    private static final ConfigList CONFIG = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]");

    /** Every built-in compressor through its builder, given a model and a config list (either may be null). */
    private static Map<String, BiFunction<Module, ConfigList, Compressor>> builders() {
        Map<String, BiFunction<Module, ConfigList, Compressor>> b = new LinkedHashMap<>();
        b.put("LevelPruner", (m, c) -> LevelPruner.builder().setModel(m).setConfigList(c).build());
        b.put("L1FilterPruner", (m, c) -> L1FilterPruner.builder().setModel(m).setConfigList(c).build());
        b.put("L2FilterPruner", (m, c) -> L2FilterPruner.builder().setModel(m).setConfigList(c).build());
        b.put("FpgmPruner", (m, c) -> FpgmPruner.builder().setModel(m).setConfigList(c).build());
        b.put("SlimPruner", (m, c) -> SlimPruner.builder().setModel(m).setConfigList(c).build());
        b.put("TaylorFoWeightFilterPruner", (m, c) -> TaylorFoWeightFilterPruner.builder().setModel(m).setConfigList(c).build());
        b.put("ActivationApozRankFilterPruner", (m, c) -> ActivationApozRankFilterPruner.builder().setModel(m).setConfigList(c).build());
        b.put("ActivationMeanRankFilterPruner", (m, c) -> ActivationMeanRankFilterPruner.builder().setModel(m).setConfigList(c).build());
        b.put("AgpPruner", (m, c) -> AgpPruner.builder().setModel(m).setConfigList(c).build());
        b.put("LotteryTicketPruner", (m, c) -> LotteryTicketPruner.builder().setModel(m).setConfigList(c).build());
        b.put("NaiveQuantizer", (m, c) -> NaiveQuantizer.builder().setModel(m).setConfigList(c).build());
        b.put("QatQuantizer", (m, c) -> QatQuantizer.builder().setModel(m).setConfigList(c).build());
        b.put("DoReFaQuantizer", (m, c) -> DoReFaQuantizer.builder().setModel(m).setConfigList(c).build());
        b.put("BnnQuantizer", (m, c) -> BnnQuantizer.builder().setModel(m).setConfigList(c).build());
        b.put("LsqQuantizer", (m, c) -> LsqQuantizer.builder().setModel(m).setConfigList(c).build());
        b.put("ObserverQuantizer", (m, c) -> ObserverQuantizer.builder().setModel(m).setConfigList(c).build());
        return b;
    }

    /** Every built-in compressor with a public constructor (all but AgpPruner, built only by its builder). */
    private static Map<String, BiFunction<Module, ConfigList, Compressor>> constructors() {
        Map<String, BiFunction<Module, ConfigList, Compressor>> b = new LinkedHashMap<>();
        b.put("LevelPruner", (m, c) -> new LevelPruner(m, c, null));
        b.put("L1FilterPruner", (m, c) -> new L1FilterPruner(m, c, null));
        b.put("L2FilterPruner", (m, c) -> new L2FilterPruner(m, c, null));
        b.put("FpgmPruner", (m, c) -> new FpgmPruner(m, c, null));
        b.put("SlimPruner", (m, c) -> new SlimPruner(m, c, null));
        b.put("TaylorFoWeightFilterPruner", (m, c) -> new TaylorFoWeightFilterPruner(m, c, null));
        b.put("ActivationApozRankFilterPruner", (m, c) -> new ActivationApozRankFilterPruner(m, c, null));
        b.put("ActivationMeanRankFilterPruner", (m, c) -> new ActivationMeanRankFilterPruner(m, c, null));
        b.put("LotteryTicketPruner", (m, c) -> new LotteryTicketPruner(m, c, null));
        b.put("NaiveQuantizer", (m, c) -> new NaiveQuantizer(m, c, null));
        b.put("QatQuantizer", (m, c) -> new QatQuantizer(m, c, null));
        b.put("DoReFaQuantizer", (m, c) -> new DoReFaQuantizer(m, c, null));
        b.put("BnnQuantizer", (m, c) -> new BnnQuantizer(m, c, null));
        b.put("LsqQuantizer", (m, c) -> new LsqQuantizer(m, c, null));
        b.put("ObserverQuantizer", (m, c) -> new ObserverQuantizer(m, c));
        return b;
    }

    private static void assertMissing(String expected, BiFunction<Module, ConfigList, Compressor> make, Module model,
            ConfigList configList) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> make.apply(model, configList),
                expected);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void aMissingModelOrConfigListIsTheSameErrorThroughEveryBuilderAndConstructor() {
        try (Linear model = new Linear(4, 2)) {
            assertEquals(16, builders().size());
            assertEquals(15, constructors().size());
            for (Map<String, BiFunction<Module, ConfigList, Compressor>> ways : List.of(builders(), constructors())) {
                ways.forEach((name, make) -> {
                    assertMissing(name + ": setModel(...) was not called", make, null, CONFIG);
                    assertMissing(name + ": setModel(...) was not called", make, null, null);
                    assertMissing(name + ": setConfigList(...) was not called", make, model, null);
                });
            }
        }
    }

    @Test
    void everyBuilderHandsTheModelAndConfigListToItsCompressor() {
        try (Linear model = new Linear(4, 2)) {
            builders().forEach((name, make) -> {
                try (Compressor c = make.apply(model, CONFIG)) {
                    assertEquals(name, c.getClass().getSimpleName());
                    assertSame(model, c.model());
                    assertSame(CONFIG, c.configList());
                }
            });
        }
    }

    @Test
    void theBuildersRangeChecksNameTheCompressorAndTheOption() {
        try (Linear model = new Linear(4, 2)) {
            IllegalArgumentException agp = assertThrows(IllegalArgumentException.class, () -> AgpPruner.builder()
                    .setModel(model).setConfigList(CONFIG).optStartEpoch(5).optEndEpoch(3).build());
            assertEquals("AgpPruner: end_epoch 3 must be greater than start_epoch 5", agp.getMessage());
            IllegalArgumentException taylor = assertThrows(IllegalArgumentException.class, () -> TaylorFoWeightFilterPruner
                    .builder().setModel(model).setConfigList(CONFIG).optStatisticsBatchNum(0).build());
            assertEquals("TaylorFoWeightFilterPruner: statistics_batch_num must be at least 1, got 0", taylor.getMessage());
            IllegalArgumentException fold = assertThrows(IllegalArgumentException.class, () -> QatQuantizer.builder()
                    .setModel(model).setConfigList(CONFIG).optFoldBatchNorm(true).build());
            assertEquals("optFoldBatchNorm(true) finds conv→bn pairs by tracing; give optDummyInput or name the pairs"
                    + " with optFoldPair", fold.getMessage());
            IllegalArgumentException dep = assertThrows(IllegalArgumentException.class, () -> L1FilterPruner.builder()
                    .setModel(model).setConfigList(CONFIG).optDependencyAware().build());
            assertEquals("L1FilterPruner: dependency-aware pruning of Linear needs a dummy input shape"
                    + " (optDependencyAware(1, 3, 32, 32)), since it does not implement HasChannelDependencies", dep.getMessage());
            try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters())) {
                IllegalArgumentException observer = assertThrows(IllegalArgumentException.class, () -> ObserverQuantizer
                        .builder().setModel(model).setConfigList(CONFIG).optOptimizer(sgd).build());
                assertEquals("ObserverQuantizer: calibrates without training and takes no optimizer; do not call"
                        + " optOptimizer(...)", observer.getMessage());
            }
        }
    }
}
