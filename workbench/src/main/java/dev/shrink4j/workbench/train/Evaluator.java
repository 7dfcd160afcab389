package dev.shrink4j.workbench.train;

import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Measures a classifier's mean loss, top-1 accuracy and forward latency over a loader, in evaluation
 * mode and without gradients ({@code NoGradGuard}); every module's previous mode is restored
 * afterwards, and each batch runs in its own {@code PointerScope}.
 *
 * <pre>{@code
 * Evaluation e = new Evaluator().evaluate(model, testLoader);
 * double top1 = e.accuracy();
 * }</pre>
 */
public final class Evaluator {

    private final Loss loss;

    /** An evaluator measuring cross entropy. */
    public Evaluator() {
        this(Loss.crossEntropy());
    }

    /** An evaluator measuring {@code loss}. */
    public Evaluator(Loss loss) {
        this.loss = Objects.requireNonNull(loss, "loss");
    }

    /** Loss, accuracy, sample count and mean batch latency of {@code model} over one pass of {@code loader}. */
    public Evaluation evaluate(Module model, DataLoader loader) {
        // Remember each module's own mode: parents come before children, so restoring in this order
        // undoes the recursive train(boolean) of a parent where a child differed.
        List<Module> modules = new ArrayList<>(model.namedModules().values());
        boolean[] modes = new boolean[modules.size()];
        for (int i = 0; i < modes.length; i++) {
            modes[i] = modules.get(i).isTraining();
        }
        model.eval();
        double lossSum = 0;
        long correct = 0;
        long samples = 0;
        int batchCount = 0;
        long forwardNanos = 0;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Iterator<Batch> batches = loader.iterator();
            while (batches.hasNext()) {
                try (PointerScope stepScope = new PointerScope()) {
                    Batch b = batches.next();
                    long t0 = System.nanoTime();
                    Tensor output = model.call(b.x());
                    forwardNanos += System.nanoTime() - t0;
                    batchCount++;
                    lossSum += loss.compute(output, b.y()).item_double() * b.size();
                    correct += Accuracy.top1Correct(output, b.y());
                    samples += b.size();
                }
            }
        } finally {
            for (int i = 0; i < modes.length; i++) {
                modules.get(i).train(modes[i]);
            }
        }
        Metrics m = Metrics.of(lossSum, correct, samples);
        return new Evaluation(m.loss(), m.accuracy(), m.samples(), batchCount,
                batchCount == 0 ? Double.NaN : forwardNanos / 1e6 / batchCount);
    }
}
