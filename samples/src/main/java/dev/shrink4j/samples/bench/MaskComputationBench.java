package dev.shrink4j.samples.bench;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.zoo.Vgg;
import dev.shrink4j.prune.FpgmPruner;
import dev.shrink4j.prune.L1FilterPruner;
import dev.shrink4j.prune.L2FilterPruner;
import dev.shrink4j.prune.LevelPruner;
import dev.shrink4j.prune.Pruner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;

/**
 * Measures one pruner step, i.e. {@code calcMask} on every selected layer ({@link Pruner#updateMask()}),
 * for the Level, L1, L2 and FPGM pruners on a VGG-style convolution stack of about 29 M parameters
 * (VGG-16's features plus two 1024-channel 3×3 convolutions): Level over every Conv2d and Linear at
 * 80% sparsity, the filter pruners over every Conv2d at 50%. After {@code compress()} (the warm-up
 * step), {@code REPEATS} times: the masks are reset to ones and a <em>fresh</em> step is timed, then a
 * <em>repeat</em> step on the masks it set; the report is the medians, in seconds (target < 2 s).
 *
 * <p>Run: {@code mvn -q -B -pl samples -am package -DskipTests} then
 * {@code OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.bench.MaskComputationBench}.
 */
public final class MaskComputationBench {

    /** Timed fresh and repeat steps per pruner (after the warm-up step that {@code compress()} is). */
    static final int REPEATS = 3;

    /** VGG-16's convolutions, then two 1024-channel ones: 28.8 M conv parameters. */
    static final int[] CONFIG = {64, 64, Vgg.M, 128, 128, Vgg.M, 256, 256, 256, Vgg.M, 512, 512, 512, Vgg.M,
        512, 512, 512, Vgg.M, 1024, 1024};

    private MaskComputationBench() {
    }

    /**
     * The measured median steps of one pruner.
     *
     * @param freshSeconds  a step from all-ones masks (every weight scored and ranked anew)
     * @param repeatSeconds a step repeated on the masks it set (pruned units tie at score 0)
     */
    public record Result(String pruner, int layers, double freshSeconds, double repeatSeconds) {
    }

    /** Builds the model, compresses it with {@code factory}'s pruner and times {@code updateMask()}. */
    static Result measure(String name, String configJson, BiFunction<Vgg, ConfigList, Pruner> factory) {
        torch.manual_seed(0);
        try (Vgg model = Vgg.builder().optConfig(CONFIG).optHidden(512).build();
                Pruner pruner = factory.apply(model, ConfigList.fromJson(configJson))) {
            pruner.compress();
            double[] fresh = new double[REPEATS];
            double[] repeat = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                pruner.masks().values().forEach(m -> m.fill_(new Scalar(1)));
                fresh[i] = timeStep(pruner);
                repeat[i] = timeStep(pruner);
            }
            return new Result(name, pruner.getModulesWrapper().size(), median(fresh), median(repeat));
        }
    }

    private static double timeStep(Pruner pruner) {
        long t0 = System.nanoTime();
        pruner.updateMask();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] xs) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Runs the four pruners and prints a table. */
    public static void main(String[] args) {
        long params;
        try (Vgg model = Vgg.builder().optConfig(CONFIG).optHidden(512).build()) {
            params = model.parameterCount();
        }
        String conv = "[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]";
        List<Result> results = new ArrayList<>();
        results.add(measure("Level", "[{\"sparsity\": 0.8, \"op_types\": [\"default\"]}]", LevelPruner::new));
        results.add(measure("L1Filter", conv, L1FilterPruner::new));
        results.add(measure("L2Filter", conv, L2FilterPruner::new));
        results.add(measure("FPGM", conv, FpgmPruner::new));
        System.out.printf(Locale.ROOT, "Mask computation, one pruner step (updateMask), VGG-style model, %,d parameters,"
                + " median of %d, %d torch threads%n", params, REPEATS, torch.get_num_threads());
        System.out.printf(Locale.ROOT, "%-10s %7s %14s %15s %8s%n", "pruner", "layers", "fresh s/step", "repeat s/step",
                "< 2 s");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "%-10s %7d %14.3f %15.3f %8s%n", r.pruner(), r.layers(), r.freshSeconds(),
                    r.repeatSeconds(), Math.max(r.freshSeconds(), r.repeatSeconds()) < 2 ? "yes" : "NO");
        }
    }
}
