package dev.shrink4j.algorithms.run;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.Iterative;
import dev.shrink4j.compress.protocol.Scheduled;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.BatchResult;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * Drives a compressed model through the training protocol of {@code dev.shrink4j.compress.protocol},
 * asking for the interfaces a compressor implements, never for its class: the statistics batches of a
 * {@link DataDriven} compressor, then its {@link DataDriven#finishStatistics()}; the rounds of an
 * {@link Iterative} one (one round otherwise), each started with {@link Iterative#startRound(int)} before its
 * fine-tuning epochs; and, while a {@link Trainer} fine-tunes, the compressor's schedule: a
 * {@link Scheduled} compressor hears of each epoch start and each optimizer step (in its ticks), any other of
 * each epoch start ({@link Compressor#updateEpoch(int)}). The compressor's optimizer hooks run by themselves.
 *
 * <pre>{@code
 * pruner.compress();
 * ProtocolTrainer protocol = new ProtocolTrainer(model, pruner);
 * protocol.collectStatistics(trainLoader, ProtocolTrainer.Progress.NONE);    // data-driven pruners: masks now
 * protocol.fineTune(Trainer.builder().setModel(model).setOptimizer(adam), trainLoader, 2);  // 2 epochs a round
 * pruner.exportModel(modelFile, masksFile);
 * }</pre>
 *
 * <p>Statistics batches run each inside its own {@code PointerScope}; only Java numbers leave a batch.
 */
public final class ProtocolTrainer {

    /** How far a statistics pass is, e.g. for a progress line. */
    @FunctionalInterface
    public interface Progress {

        /** Reports nothing. */
        Progress NONE = (done, total) -> { };

        /** After statistics batch {@code done} (counted from 1) of {@code total}. */
        void batchDone(int done, int total);
    }

    /** The fine-tuning of one round, which must let {@code protocol} listen to its {@link Trainer}. */
    @FunctionalInterface
    public interface RoundTraining {

        /**
         * Trains round {@code round} (counted from 0) of {@code rounds}, with {@code protocol} added to the
         * trainer's listeners.
         *
         * @return the round's epochs
         */
        List<EpochResult> train(int round, int rounds, TrainingListener protocol);
    }

    private final Module model;
    private final Compressor compressor;
    private final TrainingListener listener;

    /**
     * The protocol of {@code compressor}, which has compressed {@code model}.
     *
     * @throws NullPointerException when either is null
     */
    public ProtocolTrainer(Module model, Compressor compressor) {
        this.model = Objects.requireNonNull(model, "model");
        this.compressor = Objects.requireNonNull(compressor, "compressor");
        this.listener = new ScheduleListener(compressor);
    }

    /** The statistics batches the compressor asks for: a {@link DataDriven} one's, 0 for any other. */
    public int statisticsBatches() {
        return compressor instanceof DataDriven d ? d.statisticsBatches() : 0;
    }

    /**
     * Runs the compressor's own {@link #statisticsBatches()} over {@code loader} (starting new epochs of the
     * loader when needed), then {@link #finishStatistics()}; nothing when it asks for none.
     *
     * @return the batches run
     * @throws IllegalArgumentException when statistics batches are asked for and {@code loader} has none
     */
    public int collectStatistics(DataLoader loader, Progress progress) {
        int batches = statisticsBatches();
        if (batches > 0) {
            runStatistics(loader, batches, progress);
            finishStatistics();
        }
        return batches;
    }

    /**
     * Runs {@code batches} batches of {@code loader} through the model without optimizer steps, starting new
     * epochs of the loader when needed, as the compressor's {@link DataDriven#statisticsPass()} says; after
     * each batch its {@link DataDriven#afterStatisticsBatch()} runs, then gradients are cleared. A compressor
     * that is not data-driven collects nothing itself: it sees {@link StatisticsPass#FORWARD_TRAIN} passes, so
     * that ranges it tracks while training (QAT's moving averages) see the batches — a calibration. The
     * model's training mode is restored afterwards. {@link #finishStatistics()} is the caller's next step.
     *
     * @param batches the batches to run, 0 or more (the compressor's {@link #statisticsBatches()}, or a
     *                calibration count)
     * @throws IllegalArgumentException when {@code batches} is negative, or positive and {@code loader} has
     *                                  no batch
     */
    public void runStatistics(DataLoader loader, int batches, Progress progress) {
        Objects.requireNonNull(loader, "loader");
        Objects.requireNonNull(progress, "progress");
        if (batches < 0) {
            throw new IllegalArgumentException("statistics pass: batches must be 0 or more, got " + batches);
        }
        if (batches > 0 && loader.batchCount() == 0) {
            throw new IllegalArgumentException("statistics pass: the loader has no batch; " + batches + " were asked for");
        }
        if (batches == 0) {
            return;
        }
        DataDriven dataDriven = compressor instanceof DataDriven d ? d : null;
        StatisticsPass pass = dataDriven == null ? StatisticsPass.FORWARD_TRAIN : dataDriven.statisticsPass();
        boolean wasTraining = model.isTraining();
        model.train(pass != StatisticsPass.FORWARD_EVAL);
        Loss loss = Loss.crossEntropy();
        try {
            Iterator<Batch> it = loader.iterator();
            for (int done = 1; done <= batches; done++) {
                if (!it.hasNext()) {
                    it = loader.iterator();
                }
                try (PointerScope step = new PointerScope()) {
                    Batch b = it.next();
                    if (pass == StatisticsPass.FORWARD_BACKWARD) {
                        loss.compute(model.call(b.x()), b.y()).backward();
                    } else {
                        try (NoGradGuard g = new NoGradGuard()) {
                            model.call(b.x());
                        }
                    }
                    if (dataDriven != null) {
                        dataDriven.afterStatisticsBatch();
                    }
                    if (pass == StatisticsPass.FORWARD_BACKWARD) {
                        model.zeroGrad();
                    }
                }
                progress.batchDone(done, batches);
            }
        } finally {
            model.train(wasTraining);
        }
    }

    /**
     * Tells a {@link DataDriven} compressor that its statistics batches are done: its masks or ranges are
     * computed now. Nothing for any other compressor.
     */
    public void finishStatistics() {
        if (compressor instanceof DataDriven d) {
            d.finishStatistics();
        }
    }

    /** The training rounds: an {@link Iterative} compressor's, 1 for any other. */
    public int rounds() {
        return compressor instanceof Iterative i ? i.rounds() : 1;
    }

    /** Before the epochs of round {@code round} (counted from 0): an {@link Iterative} compressor's {@code startRound}. */
    public void startRound(int round) {
        if (compressor instanceof Iterative i) {
            i.startRound(round);
        }
    }

    /**
     * The listener that moves the compressor's schedule while a {@link Trainer} fine-tunes: add it to the
     * trainer of each round ({@link #fineTune} does). Epochs count from the trainer's first.
     */
    public TrainingListener listener() {
        return listener;
    }

    /**
     * Fine-tunes every round: for each of the {@link #rounds()}, {@link #startRound} and then
     * {@code training}, which trains with {@link #listener()} added to its trainer.
     *
     * @return the epochs of every round, in order
     */
    public List<EpochResult> fineTune(RoundTraining training) {
        Objects.requireNonNull(training, "training");
        int rounds = rounds();
        List<EpochResult> epochs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            startRound(round);
            epochs.addAll(training.train(round, rounds, listener));
        }
        return epochs;
    }

    /**
     * Fine-tunes every round for {@code epochsPerRound} epochs over {@code loader}, each round with a new
     * trainer from {@code trainer} (so its epochs count from 0, as the compressors' schedules expect) and
     * {@link #listener()} added to it. A scheduler set on the builder is one object and carries on across
     * rounds.
     *
     * @return the epochs of every round, in order
     * @throws IllegalArgumentException when {@code epochsPerRound} is negative
     */
    public List<EpochResult> fineTune(Trainer.Builder trainer, DataLoader loader, int epochsPerRound) {
        Objects.requireNonNull(trainer, "trainer");
        Objects.requireNonNull(loader, "loader");
        if (epochsPerRound < 0) {
            throw new IllegalArgumentException("fineTune: epochsPerRound must be 0 or more, got " + epochsPerRound);
        }
        return fineTune((round, rounds, protocol) -> {
            Trainer t = trainer.build();
            t.addListener(protocol);
            return t.fit(loader, epochsPerRound);
        });
    }

    /** Moves a compressor's schedule as its trainer runs epochs and steps. */
    private static final class ScheduleListener implements TrainingListener {

        private final Compressor compressor;

        ScheduleListener(Compressor compressor) {
            this.compressor = compressor;
        }

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
    }
}
