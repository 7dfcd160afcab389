package dev.shrink4j.samples;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.prune.LevelPruner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Quick start, pruning: LeNet-5 on Fashion-MNIST pruned to 80% sparsity in every Conv2d and Linear
 * layer by weight magnitude, fine-tuned one epoch with the masks in place, and exported as the masked
 * weights plus the masks (safetensors, PyTorch names).
 *
 * <p>The pruner is {@link LevelPruner}: one-shot magnitude pruning in {@code compress()}, each layer
 * losing its {@code floor(n·0.8)} weights of smallest magnitude.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.QuickStartPrune [--data DIR] [--limit N]
 *     [--out DIR] [--weights FILE] [--seed N]
 * </pre>
 * Without {@code --weights} it first trains a baseline for one epoch. See {@link SampleArgs}.
 */
public final class QuickStartPrune {

    /** What the run measured and wrote. */
    public record Result(double baselineAccuracy, double prunedAccuracy, Map<String, Double> layerSparsity,
            Path modelFile, Path maskFile) {
    }

    private QuickStartPrune() {
    }

    /** Runs the sample; see the class documentation. */
    public static Result run(SampleArgs args) throws IOException {
        Path out = args.out();
        return args.withBaseline((model, sgd, trainLoader, testLoader, baseline) -> {
            // README:begin
            // Prune 80% of the weights of every Conv2d and Linear layer, smallest magnitude first.
            ConfigList configList = ConfigList.fromJson("[{\"sparsity\": 0.8, \"op_types\": [\"Conv2d\", \"Linear\"]}]");
            LevelPruner pruner = new LevelPruner(model, configList, sgd);
            pruner.compress();  // wraps the layers and computes the masks
            // Fine-tune with the masks in place: pruned weights compute as 0 and get no gradient.
            Trainer.builder().setModel(model).setOptimizer(sgd).build().fit(trainLoader, 1);
            double accuracy = new Evaluator().evaluate(model, testLoader).accuracy();
            // Masked weights under PyTorch's names, and the masks (conv1.weight_mask, ...).
            pruner.exportModel(out.resolve("lenet5-pruned.safetensors"), out.resolve("lenet5-masks.safetensors"));
            // README:end
            Result result = new Result(baseline, accuracy, pruner.layerSparsity(),
                    out.resolve("lenet5-pruned.safetensors"), out.resolve("lenet5-masks.safetensors"));
            pruner.close(); // unwraps the model and releases the masks
            return result;
        });
    }

    /** Runs the sample and prints the accuracies, the sparsity of every layer and the files written. */
    public static void main(String[] argv) throws IOException {
        Result r = run(SampleArgs.parseOrExit("QuickStartPrune", argv));
        System.out.println("baseline accuracy " + SampleArgs.percent(r.baselineAccuracy()) + ", pruned and fine-tuned "
                + SampleArgs.percent(r.prunedAccuracy()));
        r.layerSparsity().forEach((layer, s) -> System.out.println("  " + layer + " sparsity " + SampleArgs.percent(s)));
        System.out.println("wrote " + r.modelFile() + " and " + r.maskFile());
    }
}
