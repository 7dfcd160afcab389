package dev.shrink4j.cli.run;

import dev.shrink4j.cli.report.EpochPoint;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.Scheduled;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.CosineAnnealingLr;
import dev.shrink4j.nn.optim.LrScheduler;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.BatchResult;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/** The training steps the subcommands share: the optimizer, fine-tuning under a compressor, statistics passes. */
public final class Training {

    /** The fine-tuning learning rate when {@code --lr} is not given and the config recommends none. */
    public static final double DEFAULT_FINETUNE_LR = 0.001;

    private Training() {
    }

    /** A fine-tune as the reports' settings describe it: {@code "2 epoch(s), Adam lr 0.002, batch size 32"}. */
    public static String recipe(int epochs, double lr, int batchSize) {
        return String.format(Locale.ROOT, "%d epoch(s), Adam lr %s, batch size %d", epochs, lr, batchSize);
    }

    /**
     * The fine-tuning optimizer: Adam at a constant {@code lr} over the model's parameters. Adam because the
     * baselines are trained with it (an SGD fine-tune at 0.01 from an Adam-trained LeNet-5 lost 0.8 pt under
     * 8-bit QAT alone) and because its per-weight step sizes cope with the rescaled weights of DoReFa and
     * BNN; constant so that pruning schedules (AGP) fine-tune at the same rate after each step.
     */
    public static Optimizer finetuneOptimizer(Module model, double lr) {
        if (!(lr > 0)) {
            throw new UsageException("--lr must be positive, got " + lr);
        }
        return Adam.builder().setLearningRate(lr).build(model.parameters());
    }

    /**
     * Trains a model from its initial weights: Adam at {@code lr} annealed to 0 by a cosine schedule
     * over {@code epochs}. Adam because it converges in the few epochs a
     * demo can afford (LeNet-5 on Fashion-MNIST: SGD 0.05 gave 86.7% after 3 epochs, Adam 2e-3 89.2%).
     */
    public static List<EpochResult> fitFromScratch(Module model, DataLoader train, DataLoader test, int epochs, double lr,
            RunReport report, String run) {
        if (!(lr > 0)) {
            throw new UsageException("--lr must be positive, got " + lr);
        }
        try (Optimizer adam = Adam.builder().setLearningRate(lr).build(model.parameters())) {
            return fit(model, adam, new CosineAnnealingLr(adam, epochs), train, test, epochs, null, report, run);
        }
    }

    /**
     * Trains {@code epochs} epochs with a progress bar, evaluating on {@code test} after each, and
     * records the curve in {@code report} as run {@code run}. With a compressor, it is told of each epoch
     * start ({@code updateEpoch(epoch)}), and a {@link Scheduled} one also of each finished step, in its
     * ticks (the compressor's optimizer hooks run by themselves). The learning
     * rate follows a cosine from the optimizer's current rate to 0 over the epochs: a fine-tune that ends at a
     * small rate settles where the constant rate leaves it noisy (LeNet-5, L1 filter 50%: measured in the
     * README).
     */
    public static List<EpochResult> fit(Module model, Optimizer optimizer, DataLoader train, DataLoader test, int epochs,
            Compressor compressor, RunReport report, String run) {
        return fit(model, optimizer, new CosineAnnealingLr(optimizer, epochs), train, test, epochs, compressor,
                report, run);
    }

    private static List<EpochResult> fit(Module model, Optimizer optimizer, LrScheduler scheduler, DataLoader train,
            DataLoader test, int epochs, Compressor compressor, RunReport report, String run) {
        Trainer.Builder builder = Trainer.builder().setModel(model).setOptimizer(optimizer).optValidation(test);
        builder.optLrScheduler(scheduler);
        if (compressor != null) {
            builder.addListener(new TrainingListener() {
                @Override
                public void onEpochStart(Trainer trainer, int epoch) {
                    if (compressor instanceof Scheduled scheduled) {
                        scheduled.onEpochStart(epoch);
                    } else {
                        compressor.updateEpoch(epoch);
                    }
                }

                @Override
                public void onBatchEnd(Trainer trainer, BatchResult batch) {
                    if (compressor instanceof Scheduled scheduled) {
                        scheduled.onBatchEnd(batch.epoch(), batch.batch(), batch.batchCount());
                    }
                }
            });
        }
        builder.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(Trainer trainer, EpochResult r) {
                report.addEpoch(new EpochPoint(run, r.epoch() + 1, r.train().loss(), r.train().accuracy(),
                        r.hasValidation() ? r.validation().accuracy() : Double.NaN));
            }
        });
        return builder.build().fit(train, epochs);
    }

    /**
     * Runs {@code batches} batches of {@code loader} through the model as the compressor's
     * {@link DataDriven#statisticsPass()} says, starting new epochs of the loader when needed, without
     * optimizer steps: after each batch its {@link DataDriven#afterStatisticsBatch} runs, then gradients
     * are cleared. Progress goes to {@code progress}.
     */
    public static void runStatistics(Module model, DataLoader loader, int batches, DataDriven compressor,
            String what, PrintStream progress) {
        StatisticsPass pass = compressor.statisticsPass();
        if (batches <= 0) {
            return;
        }
        boolean wasTraining = model.isTraining();
        model.train(pass != StatisticsPass.FORWARD_EVAL);
        Loss loss = Loss.crossEntropy();
        int lastTenth = 0;
        try {
            Iterator<Batch> it = loader.iterator();
            for (int done = 0; done < batches; ) {
                if (!it.hasNext()) {
                    it = loader.iterator();
                    if (!it.hasNext()) {
                        throw new UsageException("the training set is empty; " + what + " needs " + batches + " batches");
                    }
                }
                try (PointerScope step = new PointerScope()) {
                    Batch b = it.next();
                    if (pass == StatisticsPass.FORWARD_BACKWARD) {
                        loss.compute(model.call(b.x()), b.y()).backward();
                        compressor.afterStatisticsBatch();
                        model.zeroGrad();
                    } else {
                        try (NoGradGuard g = new NoGradGuard()) {
                            model.call(b.x());
                        }
                        compressor.afterStatisticsBatch();
                    }
                }
                done++;
                int tenth = (int) (10L * done / batches);
                if (tenth > lastTenth) {
                    lastTenth = tenth;
                    progress.printf("%s %3d%% %d/%d batches%n", what, 10 * tenth, done, batches);
                    progress.flush();
                }
            }
        } finally {
            model.train(wasTraining);
        }
    }
}
