package dev.shrink4j.samples.bench;

import dev.shrink4j.nn.Module;
import dev.shrink4j.search.core.CandidateEvaluator;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How well a search's reward predicts what it is for: for each LeNet-5 split that {@code samples/split-oracle.sh}
 * fine-tuned (its {@code summary.txt}: {@code c1 c2 f1 f2 seed S params acc%} per line), the score of that split under
 * each scoring a search config can choose, and per scoring the Spearman rank correlation of score and the mean test
 * accuracy after the 2-epoch fine-tune, the split the score ranks first and what it reaches. Run from the repository
 * root after the oracle:
 * <pre>
 * samples/run bench.SearchRewardBench runs/search-results/trained/model.safetensors runs/split-oracle/summary.txt
 * </pre>
 * Scorings: AMC's (filters of least L1 removed, BatchNorm recalibrated, no fine-tune) on 1000 and 10,000 held-out
 * training samples; + {@code fine_tune_steps} 300; {@code reconstruct}; {@code reconstruct} + 300 steps; {@code reconstruct}
 * + one pass of the training part in batches of 64 (781 steps, {@code fine_tune_batch_size} 64: how {@code prune
 * --epochs} trains).
 */
public final class SearchRewardBench {

    private SearchRewardBench() {
    }

    /** One way of scoring a candidate. */
    private record Scoring(String name, int validation, int fineTuneSteps, int fineTuneBatchSize, boolean reconstruct) {
    }

    /** {@code weights oracle-summary}. */
    public static void main(String[] args) throws Exception {
        Path weights = Path.of(args[0]);
        Map<String, List<Double>> oracle = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 8 && f[7].endsWith("%")) {
                oracle.computeIfAbsent(String.join(" ", f[0], f[1], f[2], f[3]), k -> new ArrayList<>())
                        .add(Double.parseDouble(f[7].substring(0, f[7].length() - 1)));
            }
        }
        List<String> splits = new ArrayList<>(oracle.keySet());
        double[] target = splits.stream().mapToDouble(s -> mean(oracle.get(s))).toArray();
        List<Scoring> scorings = List.of(new Scoring("AMC (no fine-tune), 1000 held out", 1000, 0, 100, false),
                new Scoring("AMC (no fine-tune), 10000 held out", 10_000, 0, 100, false),
                new Scoring("300 fine-tune steps, 10000 held out", 10_000, 300, 100, false),
                new Scoring("reconstruct, 10000 held out", 10_000, 0, 100, true),
                new Scoring("reconstruct + 300 steps, 10000 held out", 10_000, 300, 100, true),
                new Scoring("reconstruct + 781 steps of 64, 10000 held out", 10_000, 781, 64, true));
        try (Module model = ModelZoo.load(weights); Dataset train = IdxDataset.FASHION_MNIST.load(Split.TRAIN)) {
            ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(model).setInputShape(1, 1, 28, 28).setBudget(0.5)
                    .build();
            System.out.printf(Locale.ROOT, "%d splits, fine-tuned accuracy (mean over seeds) %.2f%% to %.2f%%%n",
                    splits.size(), min(target), max(target));
            for (Scoring s : scorings) {
                CandidateEvaluator evaluator = CandidateEvaluator.builder().setModel(model)
                        .setArchitecture(() -> ModelZoo.create("lenet5", 1, 10)).setEnvironment(env)
                        .setInputShape(1, 1, 28, 28).setTrainData(train).optValidationSize(s.validation())
                        .optFineTune(s.fineTuneSteps(), 1e-3, 1).optFineTuneBatchSize(s.fineTuneBatchSize())
                        .optReconstruction(s.reconstruct()).build();
                double[] score = new double[splits.size()];
                long t0 = System.nanoTime();
                for (int i = 0; i < splits.size(); i++) {
                    int[] w = java.util.Arrays.stream(splits.get(i).split(" ")).mapToInt(Integer::parseInt).toArray();
                    score[i] = evaluator.evaluate(new double[] {1, w[0] / 6.0, w[1] / 16.0, w[2] / 120.0, w[3] / 84.0})
                            .accuracy();
                }
                double seconds = (System.nanoTime() - t0) / 1e9 / splits.size();
                int top = IntStream.range(0, score.length).boxed().max(Comparator.comparingDouble(i -> score[i])).orElseThrow();
                System.out.printf(Locale.ROOT, "%-48s spearman %+.2f  ranks first %-12s (score %.2f%%, fine-tuned %.2f%%)  %.1f s per split%n",
                        s.name(), spearman(score, target), splits.get(top), 100 * score[top], target[top], seconds);
            }
        }
    }

    private static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElseThrow();
    }

    private static double max(double[] v) {
        return java.util.Arrays.stream(v).max().orElseThrow();
    }

    /** Spearman's ρ with average ranks for ties: Pearson's correlation of the ranks. */
    static double spearman(double[] a, double[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = java.util.Arrays.stream(ra).average().orElseThrow();
        double mb = java.util.Arrays.stream(rb).average().orElseThrow();
        double num = 0;
        double da = 0;
        double db = 0;
        for (int i = 0; i < ra.length; i++) {
            num += (ra[i] - ma) * (rb[i] - mb);
            da += (ra[i] - ma) * (ra[i] - ma);
            db += (rb[i] - mb) * (rb[i] - mb);
        }
        return num / Math.sqrt(da * db);
    }

    private static double[] ranks(double[] v) {
        Integer[] order = IntStream.range(0, v.length).boxed().sorted(Comparator.comparingDouble(i -> v[i])).toArray(Integer[]::new);
        double[] r = new double[v.length];
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[order[k]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
    }
}
