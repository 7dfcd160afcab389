package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --suite amc}: L1 filter pruning of conv2 at 50% against low-rank conv2 and fc1 at 50% of their FLOPs
 * (and channel pruning when registered), each row with the parameters and FLOPs counted by hand.
 */
class AmcDemoSuiteTest {

    @TempDir
    Path dir;

    @Test
    void amcSuiteComparesL1FilterAndLowRankAtAboutTheSameFlops() throws Exception {
        // The shipped configs, but channel pruning on Conv2d only: fc1's least squares needs 251 samples (10 kept
        // channels × 25 + intercept) and a Linear gives one per image, more than the 40 tiny images; conv2 samples
        // 10 positions per image (400 ≥ 4 kept × 25 + 1).
        Path configs = dir.resolve("configs");
        for (String name : List.of("amc/l1-filter.json", "amc/low-rank.json")) {
            Files.createDirectories(configs.resolve(name).getParent());
            Files.copy(OnnxCommandTest.CONFIGS.resolve(name), configs.resolve(name));
        }
        Files.writeString(configs.resolve("amc/channel-pruning.json"), Files.readString(
                OnnxCommandTest.CONFIGS.resolve("amc/channel-pruning.json")).replace("\"Linear\"", "\"Conv2d\""));
        CliTests.Result r = CliTests.runWithProviders("demo", "--suite", "amc", "--data-dir",
                TinyIdx.write(dir.resolve("data"), 40, 20).toString(), "--epochs", "1", "--finetune-epochs", "0",
                "--batch-size", "8", "--configs-dir", configs.toString(), "--runs-dir",
                dir.resolve("runs").toString(), "--out", dir.resolve("demo").toString(), "--threads", "1", "--no-screenshot");
        r.assertSucceeded();
        boolean channelPruning = AlgorithmRegistry.load().names(AlgorithmKind.PRUNER).contains(DemoCommand.CHANNEL_PRUNING);
        RunReport report = RunReport.fromJson(Files.readString(dir.resolve("demo/report.json")));
        List<String> expected = channelPruning ? List.of("baseline (fp32)", "amc/l1-filter", "amc/low-rank", "amc/channel-pruning")
                : List.of("baseline (fp32)", "amc/l1-filter", "amc/low-rank");
        assertEquals(expected, report.results().stream().map(ResultRow::method).toList());
        if (!channelPruning) {
            assertTrue(r.out().contains("suite amc: no \"channel-pruning\" algorithm is registered; skipping amc/channel-pruning"),
                    r.out());
        }
        ResultRow baseline = report.results().get(0);
        ResultRow l1 = report.results().get(1);
        ResultRow lowRank = report.results().get(2);
        // low-rank: conv2 241,600 → 117,800 and fc1 48,120 → 24,040 FLOPs; 61,706 → 36,388 parameters (LowRankCommandTest)
        assertEquals(baseline.flops() - (241_600 + 48_120) + (117_800 + 24_040), lowRank.flops());
        assertEquals(36_388, lowRank.totalParams());
        assertEquals("restructured fp32", lowRank.artifact());
        // L1 filter, conv2 at 50% shrunk: conv2 keeps 8 filters (8·150 + 8), fc1 reads 200 inputs (200·120 + 120):
        // conv2 120,800 FLOPs and fc1 24,120, within 3,100 of low-rank's 141,840
        assertEquals(156 + 1_208 + 24_120 + 10_164 + 850, l1.shrunk().params());
        assertTrue(r.out().contains("amc/low-rank: test accuracy "), r.out());
        if (channelPruning) {
            // conv2 keeps round_half_even(6 · 0.65) = 4 input channels, so conv1 keeps 4 filters:
            // conv1 4·25 + 4, conv2 16·4·25 + 16, fc1 400·120 + 120, fc2 120·84 + 84, fc3 84·10 + 10
            assertEquals(104 + 1_616 + 48_120 + 10_164 + 850, report.results().get(3).shrunk().params());
        }
    }
}
