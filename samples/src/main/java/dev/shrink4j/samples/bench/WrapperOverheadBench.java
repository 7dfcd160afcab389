package dev.shrink4j.samples.bench;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.ModelZoo;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Measures what wrapping costs a training step: the same model, plain and wrapped by a pruner
 * (masks on every Conv2d/Linear at 50% sparsity), trained on the same batch with SGD, in one JVM.
 * Plain and wrapped steps alternate in blocks so machine drift hits both alike; the report is the
 * ratio of median block times (target ≤ 1.10).
 *
 * <p>Run: {@code ./shrink4j bench wrapper} or
 * {@code mvn -q -B -pl samples -am package -DskipTests && java -cp … dev.shrink4j.samples.bench.WrapperOverheadBench}.
 */
public final class WrapperOverheadBench {

    private WrapperOverheadBench() {
    }

    /** A magnitude pruner over every weight element: the masks every pruner installs. */
    static final class MagnitudePruner extends Pruner {
        MagnitudePruner(Module model, ConfigList configList, Sgd optimizer) {
            super(model, configList, optimizer, (s, w) -> new Masks(Ranking.keepMask(w.weight().abs(), s),
                    w.bias() == null ? null : torch.ones_like(w.bias())));
        }
    }

    /** The measured ratio for one model. */
    public record Result(String model, double plainMs, double wrappedMs) {
        public double ratio() {
            return wrappedMs / plainMs;
        }
    }

    /** Benchmarks one model: {@code blocks} alternating blocks of {@code stepsPerBlock} steps each. */
    public static Result measure(String name, Supplier<Module> factory, long[] inputShape, int blocks, int stepsPerBlock) {
        torch.manual_seed(0);
        try (Module plain = factory.get(); Module wrapped = factory.get()) {
            wrapped.loadStateDict(plain.stateDict(), true);
            Tensor x = torch.randn(inputShape);
            Tensor y = torch.randint(0, 10, new long[] {inputShape[0]});
            x.retainReference();
            y.retainReference();
            try (Sgd sgdPlain = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(plain.parameters());
                    Sgd sgdWrapped = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(wrapped.parameters());
                    MagnitudePruner pruner = new MagnitudePruner(wrapped, ConfigList.fromJson(
                            "[{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]"), sgdWrapped)) {
                pruner.compress();
                for (int i = 0; i < stepsPerBlock; i++) { // warm-up
                    step(plain, sgdPlain, x, y);
                    step(wrapped, sgdWrapped, x, y);
                }
                double[] plainTimes = new double[blocks];
                double[] wrappedTimes = new double[blocks];
                for (int b = 0; b < blocks; b++) {
                    plainTimes[b] = timeBlock(plain, sgdPlain, x, y, stepsPerBlock);
                    wrappedTimes[b] = timeBlock(wrapped, sgdWrapped, x, y, stepsPerBlock);
                }
                return new Result(name, median(plainTimes), median(wrappedTimes));
            } finally {
                x.releaseReference();
                y.releaseReference();
            }
        }
    }

    /** The mean time of {@code steps} training steps on {@code (x, y)}, in milliseconds (also {@link DistributedBench}'s). */
    static double timeBlock(Module model, Sgd sgd, Tensor x, Tensor y, int steps) {
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step(model, sgd, x, y);
        }
        return (System.nanoTime() - t0) / 1e6 / steps;
    }

    private static void step(Module model, Sgd sgd, Tensor x, Tensor y) {
        try (PointerScope scope = new PointerScope()) {
            sgd.zeroGrad();
            torch.cross_entropy(model.call(x), y).backward();
            sgd.step();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Runs the benchmark for LeNet5 and ResNet-20 and prints the table. */
    public static void main(String[] args) {
        List<Result> results = new ArrayList<>();
        results.add(measure("LeNet5 (batch 64, 1x28x28)", LeNet5::new, new long[] {64, 1, 28, 28}, 15, 20));
        results.add(measure("ResNet-20 (batch 32, 3x32x32)", () -> ModelZoo.create("resnet20", 3, 10),
                new long[] {32, 3, 32, 32}, 11, 4));
        System.out.println(table(results));
    }

    /** The results as a Markdown table. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder("| model | plain step (ms) | wrapped step (ms) | ratio |\n|---|---:|---:|---:|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.3f |%n", r.model(), r.plainMs(), r.wrappedMs(), r.ratio()));
        }
        return sb.toString();
    }
}
