package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.cli.report.EpochPoint;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.CosineAnnealingLr;
import dev.shrink4j.nn.optim.LrScheduler;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The training steps the subcommands share: the optimizer, training from scratch, and a compressor's
 * statistics passes and fine-tuning as the library's {@link ProtocolTrainer} runs them, with the command
 * line's progress lines and report curves. Under torchrun's environment every training loop runs
 * data-parallel ({@link DistributedRun#replicate}).
 */
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
        try (Optimizer adam = finetuneOptimizer(model, lr)) {
            return fit(model, adam, new CosineAnnealingLr(adam, epochs), train, test, epochs, null, null, report, run);
        }
    }

    /**
     * The fine-tuning of a run, as the compressor's training protocol says ({@link ProtocolTrainer#fineTune}):
     * for each of its rounds, {@code epochs} epochs (none when {@code epochs} is 0) with a progress bar,
     * evaluating on {@code test} after each and recording the curve in {@code report} as run {@code name}
     * ({@code "name round r"} when there are several rounds). While training, the protocol tells the
     * compressor of each epoch start and, when it is {@link dev.shrink4j.compress.protocol.Scheduled}, of each
     * finished step. The learning rate of each round follows a cosine from the optimizer's current rate to 0
     * over the epochs: a fine-tune that ends at a small rate settles where the constant rate leaves it noisy
     * (LeNet-5, L1 filter 50%: measured in the README).
     *
     * @param optimizer the fine-tuning optimizer, or null when {@code epochs} is 0
     */
    public static void fineTune(ProtocolTrainer protocol, Module model, Optimizer optimizer, DataLoader train,
            DataLoader test, int epochs, RunReport report, String name) {
        fineTune(protocol, model, optimizer, train, test, epochs, report, name, null);
    }

    /**
     * {@link #fineTune(ProtocolTrainer, Module, Optimizer, DataLoader, DataLoader, int, RunReport, String)} under
     * {@code distillation} when it is not null: the fine-tune of every round trains on the library's
     * distillation loss ({@link Distillation#attach}, attached after the compressor's statistics passes and
     * detached after the last round) instead of plain cross-entropy; its per-epoch loss means go into
     * {@code report}'s settings.
     */
    public static void fineTune(ProtocolTrainer protocol, Module model, Optimizer optimizer, DataLoader train,
            DataLoader test, int epochs, RunReport report, String name, Distillation distillation) {
        if (distillation == null || epochs == 0) {
            protocol.fineTune((round, rounds, listener) -> epochs == 0 ? List.of()
                    : fit(model, optimizer, new CosineAnnealingLr(optimizer, epochs), train, test, epochs, listener, null,
                            report, rounds == 1 ? name : name + " round " + round));
            return;
        }
        try (Distillation.Session session = distillation.attach(model, optimizer)) {
            distillation.guard(() -> protocol.fineTune((round, rounds, listener) -> fit(model, optimizer,
                    new CosineAnnealingLr(optimizer, epochs), train, test, epochs, listener, session, report,
                    rounds == 1 ? name : name + " round " + round)));
            recordLosses(report, name, session);
        }
    }

    /**
     * Trains {@code student} under {@code session}'s distillation for {@code epochs} epochs with
     * {@code optimizer} (over {@link Distillation.Session#trainableParameters()}), its rate annealed to 0 by a
     * cosine as {@link #fitFromScratch} does, evaluating on {@code test} after each epoch; the curve and the
     * per-epoch loss means go into {@code report} as run {@code run}.
     */
    public static List<EpochResult> distil(Module student, Distillation.Session session, Optimizer optimizer, DataLoader train,
            DataLoader test, int epochs, RunReport report, String run) {
        List<EpochResult> out = session.distillation().guard(() -> fit(student, optimizer,
                new CosineAnnealingLr(optimizer, epochs), train, test, epochs, null, session, report, run));
        recordLosses(report, run, session);
        return out;
    }

    /** Each epoch's loss means as report settings: {@code "kd losses epoch 1": "student.loss 0.41, distill.loss_kl 0.12, loss 0.53"}. */
    private static void recordLosses(RunReport report, String run, Distillation.Session session) {
        for (var epoch : session.history()) {
            report.setting(run + " losses epoch " + (epoch.epoch() + 1), epoch.toString());
        }
    }

    /**
     * Trains {@code epochs} epochs with a progress bar, evaluating on {@code test} after each, and records the
     * curve in {@code report} as run {@code run}; {@code protocol} (null when there is no compressor) listens
     * to the trainer, and {@code distillation} (null when there is none) gives the trainer its loss and listens.
     */
    private static List<EpochResult> fit(Module model, Optimizer optimizer, LrScheduler scheduler, DataLoader train,
            DataLoader test, int epochs, TrainingListener protocol, Distillation.Session distillation, RunReport report,
            String run) {
        Trainer.Builder builder = Trainer.builder().setModel(model).setOptimizer(optimizer).optValidation(test);
        builder.optLrScheduler(scheduler);
        if (protocol != null) {
            builder.addListener(protocol);
        }
        if (distillation != null) {
            builder.optLoss(distillation.loss()).addListener(distillation.listener());
        }
        builder.addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(Trainer trainer, EpochResult r) {
                report.addEpoch(new EpochPoint(run, r.epoch() + 1, r.train().loss(), r.train().accuracy(),
                        r.hasValidation() ? r.validation().accuracy() : Double.NaN));
            }
        });
        // after the compressors' compress(): their step listeners run before the replica's reconciliation
        try (DistributedRun.Replica replica = DistributedRun.replicate(model, optimizer)) {
            return replica.configure(builder).build().fit(train, epochs);
        }
    }

    /**
     * Runs {@code batches} statistics (or calibration) batches of {@code loader} as {@code protocol}'s
     * compressor asks ({@link ProtocolTrainer#runStatistics}), printing a progress line to {@code progress}
     * at every tenth: {@code "<what>  40% 4/10 batches"}.
     *
     * @throws UsageException when {@code batches} are needed and the training set is empty
     */
    public static void runStatistics(ProtocolTrainer protocol, DataLoader loader, int batches, String what,
            PrintStream progress) {
        if (batches > 0 && loader.batchCount() == 0) {
            throw new UsageException("the training set is empty; " + what + " needs " + batches + " batches");
        }
        int[] lastTenth = {0};
        protocol.runStatistics(loader, batches, (done, total) -> {
            int tenth = (int) (10L * done / total);
            if (tenth > lastTenth[0] && DistributedRun.isMain()) {
                lastTenth[0] = tenth;
                progress.printf("%s %3d%% %d/%d batches%n", what, 10 * tenth, done, total);
                progress.flush();
            }
        });
    }
}
