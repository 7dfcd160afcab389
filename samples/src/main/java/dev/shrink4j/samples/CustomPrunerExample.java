package dev.shrink4j.samples;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.core.Masks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A custom pruner in a few lines: {@link RowPruner} prunes, in every output row of a layer (a
 * Linear's row, a Conv2d's filter), the {@code floor(k·sparsity)} weights closest to zero, {@code k}
 * being the row's length. It is a {@link Pruner} given a masker; wrapping, masking forward and
 * gradients, fine-tuning and export come from the base class. Used end to end on LeNet-5 at 50%.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.CustomPrunerExample [--data DIR] [--limit N]
 *     [--out DIR] [--weights FILE] [--seed N]
 * </pre>
 */
public final class CustomPrunerExample {

    /** Prunes the weights closest to zero in each row; ties go to the lower column. Biases are kept. */
    public static final class RowPruner extends Pruner {
        /** A pruner over the layers {@code configList} selects, at their {@code sparsity}. */
        public RowPruner(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer, (sparsity, w) -> {
                Tensor rows = w.weight().abs().flatten(1, -1);                 // one row per output unit
                long prune = (long) Math.floor(rows.size(1) * sparsity);
                Tensor mask = torch.ones_like(rows);
                if (prune > 0) {                                                // stable sort: ties by column
                    Tensor smallest = torch.argsort(rows, true, 1, false).narrow(1, 0, prune);
                    mask = mask.scatter(1, smallest, new Scalar(0f));
                }
                return new Masks(mask.view_as(w.weight()), w.bias() == null ? null : torch.ones_like(w.bias()));
            });
        }
    }

    /** What the run measured and wrote. */
    public record Result(double baselineAccuracy, double prunedAccuracy, Map<String, Double> layerSparsity,
            Path maskFile) {
    }

    private CustomPrunerExample() {
    }

    /** Runs the sample: baseline, prune 50% per row, fine-tune one epoch, export. */
    public static Result run(SampleArgs args) throws IOException {
        return args.withBaseline((model, sgd, trainLoader, testLoader, baseline) -> {
            ConfigList configList = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]");
            try (RowPruner pruner = new RowPruner(model, configList, sgd)) {
                pruner.compress();
                Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build().fit(trainLoader, 1);
                double accuracy = SampleArgs.accuracy(model, testLoader);
                Path maskFile = args.out().resolve("lenet5-row-masks.safetensors");
                pruner.exportModel(args.out().resolve("lenet5-row-pruned.safetensors"), maskFile);
                return new Result(baseline, accuracy, pruner.layerSparsity(), maskFile);
            }
        });
    }

    /** Runs the sample and prints the accuracies and every layer's sparsity. */
    public static void main(String[] argv) throws IOException {
        Result r = run(SampleArgs.parseOrExit("CustomPrunerExample", argv));
        System.out.println("baseline accuracy " + SampleArgs.percent(r.baselineAccuracy()) + ", row-pruned and fine-tuned "
                + SampleArgs.percent(r.prunedAccuracy()));
        r.layerSparsity().forEach((layer, s) -> System.out.println("  " + layer + " sparsity " + SampleArgs.percent(s)));
        System.out.println("masks: " + r.maskFile());
    }
}
