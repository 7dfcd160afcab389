package dev.shrink4j.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.amc.channel.ChannelPruner;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.nn.Module;
import dev.shrink4j.search.core.CandidateEvaluator;
import dev.shrink4j.search.ddpg.AmcDdpgSearch;
import dev.shrink4j.search.ddpg.SearchResult;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.scoring.CandidateRecord;
import dev.shrink4j.search.scoring.JsonLinesCandidateLog;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AMC end to end on an untrained LeNet-5 and random data, through the library's parts: the environment, the scorer, the
 * DDPG search with its log, the best candidate shrunk, and {@link BestConfig}'s file, which channel pruning takes.
 */
class BestConfigTest {

    // LeNet-5 Conv2d + Linear MACs (with bias) at full width: conv1 6·28·28·26 = 122304, conv2 16·10·10·151 = 241600,
    // fc1 120·401 = 48120, fc2 84·121 = 10164, fc3 10·85 = 850 → 423038.
    private static final long FULL = 423038;

    @Test
    void searchesShrinksAndWritesAConfigThatChannelPruningAccepts(@TempDir Path dir) throws Exception {
        torch.manual_seed(5);
        LeNet5 trained = new LeNet5();
        Dataset data = new Dataset("random", torch.randn(150, 1, 28, 28), torch.randint(0, 10, new long[] {150}), 10);
        Path log = dir.resolve("amc.jsonl");
        Path config = dir.resolve("best.json");
        ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(trained).setInputShape(1, 1, 28, 28).setBudget(0.5)
                .build();
        CandidateEvaluator evaluator = CandidateEvaluator.builder().setModel(trained).setArchitecture(LeNet5::new)
                .setEnvironment(env).setInputShape(1, 1, 28, 28).setTrainData(data).optValidationSize(50).build();
        SearchResult found = AmcDdpgSearch.builder().setEnvironment(env).setScorer(evaluator).optEpisodes(4).optWarmup(2)
                .optSeed(3).optLog(log).build().run();
        Files.writeString(config, BestConfig.channelPruning(env, found.best().ratios()));
        List<CandidateRecord> logged = new JsonLinesCandidateLog(log).read();
        assertEquals(4, logged.size());
        double bestReward = logged.stream().mapToDouble(CandidateRecord::reward).max().orElseThrow();
        assertEquals(bestReward, found.best().reward());
        assertEquals(List.of("conv1", "conv2", "fc1", "fc2", "fc3"), env.prunableLayerNames());
        try (Module best = evaluator.prunedCopy(found.best().ratios())) {
            long convLinear = ModelProfiler.profile(best, 1, 1, 28, 28).layers().stream()
                    .filter(l -> l.type().equals("Conv2d") || l.type().equals("Linear")).mapToLong(l -> l.flops()).sum();
            assertEquals(found.best().flops(), convLinear);
            assertTrue(convLinear <= 0.5 * FULL, convLinear + " over half of " + FULL);
        }

        // prune's config parser takes the file; channel pruning removes the input channels the ratios say.
        CompressionConfig cfg = CompressionConfig.parse(config.toString(), Files.readString(config), AlgorithmRegistry.load(),
                AlgorithmKind.PRUNER);
        try (PointerScope scope = new PointerScope(); LeNet5 model = new LeNet5()) {
            ChannelPruner pruner = (ChannelPruner) cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(),
                    null, cfg.options(), new long[] {1, 1, 28, 28}));
            pruner.compress();
            DataDriven d = (DataDriven) pruner;
            model.eval();
            for (int i = 0; i < d.statisticsBatches(); i++) {
                try (PointerScope step = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    model.call(torch.randn(16, 1, 28, 28));
                }
            }
            d.finishStatistics();
            double[] ratios = found.best().ratios();
            int[] inputs = {6, 16 * 25, 120, 84};
            String[] layers = {"conv2", "fc1", "fc2", "fc3"};
            for (int i = 0; i < layers.length; i++) {
                int removed = ratios[i + 1] < 1 ? pruner.result().orElseThrow().removedInputChannels(layers[i]).length : 0;
                int channels = i == 1 ? 16 : inputs[i];
                assertEquals(Math.round((1 - ratios[i + 1]) * channels), removed, layers[i] + " ratio " + ratios[i + 1]);
            }
        }
    }

    @Test
    void ratiosForAnotherLayerCountAreRefused() {
        ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(new LeNet5()).setInputShape(1, 1, 28, 28)
                .setBudget(0.5).build();
        assertEquals("4 ratios for the 5 prunable layers [conv1, conv2, fc1, fc2, fc3]", assertThrows(
                IllegalArgumentException.class, () -> BestConfig.channelPruning(env, new double[] {1, 1, 1, 1})).getMessage());
    }
}
