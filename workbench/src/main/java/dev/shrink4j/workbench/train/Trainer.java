package dev.shrink4j.workbench.train;

import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.LrScheduler;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.ParamGroup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a classifier: for every batch, zero the gradients, forward, loss, backward, optimizer step,
 * each step inside its own {@code PointerScope} so that activations, gradients' handles and
 * temporaries are released at once; only Java numbers leave the step. Parameters, buffers and
 * optimizer state are owned by the model and the optimizer, outside any step scope.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).build();
 * trainer.addListener(compressorEpochs);
 * List<EpochResult> history = trainer.fit(trainLoader, 3);
 * }</pre>
 *
 * <p>Epochs are counted from 0 across calls, so {@code fit} can be called again to continue.
 * Listeners run in registration order; the progress bar (on by default) is the first.
 *
 * <p>The end of an epoch, in order: the epoch is logged, the validation loader (if any) is evaluated,
 * the {@link LrScheduler} (if any) steps, the checkpoint file (if any) is written, then listeners'
 * {@link TrainingListener#onEpochEnd} run. The optimizer is always stepped through
 * {@link Optimizer#step()}, so its step listeners (compressors' masks, quantizers' observers) fire.
 *
 * <p><b>Divergence.</b> The first batch whose loss is NaN or infinite stops training with a
 * {@link NonFiniteLossException} naming the epoch, the batch and the learning rate, thrown before that
 * batch's backward pass and step: the model keeps the weights of the last finite step, and the
 * epoch's checkpoint (if any) is not written, so the previous one stays.
 *
 * <p><b>Checkpoints</b> ({@link #saveCheckpoint}, {@link #loadCheckpoint}, {@link Builder#optCheckpoint})
 * are safetensors files holding the model's state dict under its PyTorch names, plus metadata: the
 * epoch and step counters and every group's learning rate. Optimizer state (momentum buffers, Adam
 * moments) is not included: libtorch does not expose it to Java, so a resumed run restarts it.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Checkpoint metadata key marking a trainer checkpoint; its value is {@value #FORMAT}. */
    public static final String FORMAT_KEY = "format";
    /** The value of {@value #FORMAT_KEY} in checkpoints this version writes. */
    public static final String FORMAT = "shrink4j-checkpoint-1";
    /** Checkpoint metadata key: completed epochs. */
    public static final String EPOCH_KEY = "epoch";
    /** Checkpoint metadata key: optimizer steps taken. */
    public static final String STEP_KEY = "step";
    /** Checkpoint metadata key: learning rates, one per parameter group, comma-separated. */
    public static final String LR_KEY = "lr";

    private final Module model;
    private final Optimizer optimizer;
    private final Loss loss;
    private final LrScheduler scheduler;
    private final DataLoader validation;
    private final Evaluator evaluator;
    private final Path checkpoint;
    private final Map<Long, TrainingListener> listeners = new LinkedHashMap<>();
    private long nextListenerId;
    private int epoch;
    private long step;
    private int plannedEpochs;

    private Trainer(Builder b) {
        this.model = b.model;
        this.optimizer = b.optimizer;
        this.loss = b.loss;
        this.scheduler = b.scheduler;
        this.validation = b.validation;
        this.evaluator = new Evaluator(b.loss);
        this.checkpoint = b.checkpoint;
        if (b.progress) {
            addListener(ProgressBar.onStandardError());
        }
        b.listeners.forEach(this::addListener);
    }

    /** A builder: {@code setModel} and {@code setOptimizer} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Adds a listener; closing the handle removes it. */
    public HookHandle addListener(TrainingListener listener) {
        long id = nextListenerId++;
        listeners.put(id, Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(id);
    }

    /**
     * Trains {@code epochs} epochs over {@code loader}.
     *
     * @return one result per epoch, in order
     * @throws NonFiniteLossException at the first batch whose loss is NaN or infinite
     */
    public List<EpochResult> fit(DataLoader loader, int epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("fit: epochs must be non-negative, got " + epochs);
        }
        List<EpochResult> results = new ArrayList<>(epochs);
        plannedEpochs = epoch + epochs;
        try {
            for (int i = 0; i < epochs; i++) {
                results.add(trainEpoch(loader));
            }
        } finally {
            plannedEpochs = 0;
        }
        return results;
    }

    /**
     * Trains one epoch over {@code loader} in training mode and returns its metrics.
     *
     * @throws NonFiniteLossException at the first batch whose loss is NaN or infinite
     */
    public EpochResult trainEpoch(DataLoader loader) {
        int current = epoch;
        notify(l -> l.onEpochStart(this, current));
        model.train();
        double lr = optimizer.learningRate();
        long t0 = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        long samples = 0;
        int batchCount = loader.batchCount();
        Iterator<Batch> batches = loader.iterator();
        for (int b = 0; batches.hasNext(); b++) {
            try (PointerScope stepScope = new PointerScope()) {
                BatchResult r = trainBatch(batches.next(), current, b, batchCount);
                lossSum += r.loss() * r.size();
                correct += r.correct();
                samples += r.size();
                notify(l -> l.onBatchEnd(this, r));
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Metrics train = Metrics.of(lossSum, correct, samples);
        LOG.info("epoch {}{}: train {}, {} s ({} samples/s)", current + 1, plannedEpochs > 0 ? "/" + plannedEpochs : "",
                train, String.format(Locale.ROOT, "%.1f", seconds), String.format(Locale.ROOT, "%.0f", samples / seconds));
        Evaluation validated = null;
        if (validation != null) {
            validated = evaluator.evaluate(model, validation);
            LOG.info("epoch {}: validation {}", current + 1, validated);
        }
        EpochResult result = new EpochResult(current, train, validated, lr, seconds);
        epoch++;
        if (scheduler != null) {
            scheduler.step();
        }
        if (checkpoint != null) {
            try {
                saveCheckpoint(checkpoint);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write the checkpoint of epoch " + (current + 1) + " to " + checkpoint, e);
            }
        }
        notify(l -> l.onEpochEnd(this, result));
        return result;
    }

    /**
     * One optimizer step on {@code batch}; runs in the caller's step scope.
     *
     * @throws NonFiniteLossException before backward and step when the loss is NaN or infinite
     */
    private BatchResult trainBatch(Batch batch, int epochIndex, int batchIndex, int batchCount) {
        optimizer.zeroGrad();
        Tensor output = model.call(batch.x());
        Tensor value = loss.compute(output, batch.y());
        double lossValue = value.item_double();
        if (!Double.isFinite(lossValue)) {
            // A NaN gradient step would make every weight NaN; stop while the model is still the last good one.
            throw new NonFiniteLossException(epochIndex, plannedEpochs, batchIndex, batchCount, optimizer.learningRate(),
                    lossValue);
        }
        value.backward();
        optimizer.step();
        step++;
        return new BatchResult(epochIndex, batchIndex, batchCount, step, batch.size(), lossValue,
                Accuracy.top1Correct(output, batch.y()));
    }

    private void notify(Consumer<TrainingListener> event) {
        for (TrainingListener l : List.copyOf(listeners.values())) {
            event.accept(l);
        }
    }

    /**
     * Writes the model's state dict and this trainer's counters to {@code path} as safetensors,
     * atomically (a crash leaves the previous file intact). Metadata keys: {@value #FORMAT_KEY},
     * {@value #EPOCH_KEY}, {@value #STEP_KEY}, {@value #LR_KEY} (comma-separated, one per group).
     */
    public void saveCheckpoint(Path path) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(EPOCH_KEY, Integer.toString(epoch));
        meta.put(STEP_KEY, Long.toString(step));
        List<String> lrs = new ArrayList<>();
        for (ParamGroup g : optimizer.paramGroups()) {
            lrs.add(Double.toString(g.learningRate()));
        }
        meta.put(LR_KEY, String.join(",", lrs));
        SafeTensors.save(model.stateDict(), meta, path);
        LOG.debug("checkpoint after epoch {} (step {}) written to {}", epoch, step, path);
    }

    /**
     * Restores a checkpoint written by {@link #saveCheckpoint}: copies the tensors into the model in
     * place (strictly: every key must match, see {@link Module#loadStateDict}), restores the epoch and
     * step counters, advances the scheduler (if any) to the restored epoch and sets every group's
     * learning rate to the saved one.
     *
     * @throws IllegalArgumentException naming the file and key if the metadata is missing or malformed,
     *     or if the optimizer has a different number of groups than the checkpoint
     * @throws IOException if the file cannot be read
     */
    public void loadCheckpoint(Path path) throws IOException {
        Map<String, String> meta = SafeTensors.metadata(path);
        if (!FORMAT.equals(meta.get(FORMAT_KEY))) {
            throw new IllegalArgumentException(path + ": not a trainer checkpoint (metadata " + FORMAT_KEY + " is "
                    + meta.get(FORMAT_KEY) + ", expected " + FORMAT + ")");
        }
        int savedEpoch = (int) metaLong(path, meta, EPOCH_KEY);
        long savedStep = metaLong(path, meta, STEP_KEY);
        String[] lrs = required(path, meta, LR_KEY).split(",");
        List<ParamGroup> groups = optimizer.paramGroups();
        if (lrs.length != groups.size()) {
            throw new IllegalArgumentException(path + ": checkpoint has " + lrs.length + " learning rates (" + LR_KEY + "="
                    + meta.get(LR_KEY) + ") but the optimizer has " + groups.size() + " parameter groups");
        }
        double[] rates = new double[lrs.length];
        for (int i = 0; i < lrs.length; i++) {
            try {
                rates[i] = Double.parseDouble(lrs[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(path + ": metadata " + LR_KEY + " has a malformed rate \"" + lrs[i] + "\"", e);
            }
        }
        // The loaded tensors are temporaries: their values are copied into the model's own tensors.
        try (PointerScope scope = new PointerScope()) {
            model.loadStateDict(SafeTensors.load(path), true);
        }
        epoch = savedEpoch;
        step = savedStep;
        if (scheduler != null) {
            while (scheduler.epoch() < savedEpoch) {
                scheduler.step();
            }
        }
        for (int i = 0; i < rates.length; i++) {
            groups.get(i).setLearningRate(rates[i]);
        }
        LOG.info("resumed from {}: epoch {}, step {}", path, epoch, step);
    }

    private static String required(Path path, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(path + ": checkpoint metadata has no " + key);
        }
        return v;
    }

    private static long metaLong(Path path, Map<String, String> meta, String key) {
        String v = required(path, meta, key);
        try {
            long n = Long.parseLong(v);
            if (n < 0 || (key.equals(EPOCH_KEY) && n > Integer.MAX_VALUE)) {
                throw new NumberFormatException("out of range");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(path + ": metadata " + key + " must be a non-negative integer, got \"" + v + "\"", e);
        }
    }

    /** The model being trained. */
    public Module model() {
        return model;
    }

    /** The optimizer. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The number of epochs completed so far (the index of the next epoch). */
    public int epoch() {
        return epoch;
    }

    /** The number of optimizer steps taken by this trainer. */
    public long step() {
        return step;
    }

    /** The scheduler stepped after every epoch, or {@code null}. */
    public LrScheduler scheduler() {
        return scheduler;
    }

    /** The epoch count {@link #fit} is working towards (completed plus requested), or 0 outside {@code fit}. */
    public int plannedEpochs() {
        return plannedEpochs;
    }

    /** Options for {@link Trainer}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Module model;
        private Optimizer optimizer;
        private Loss loss = Loss.crossEntropy();
        private boolean progress = true;
        private LrScheduler scheduler;
        private DataLoader validation;
        private Path checkpoint;
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** The model to train (required). */
        public Builder setModel(Module model) {
            this.model = model;
            return this;
        }

        /** The optimizer over the model's parameters (required). */
        public Builder setOptimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** The criterion (default: cross entropy). */
        public Builder optLoss(Loss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /**
         * A learning-rate scheduler over the same optimizer, stepped once after every epoch
         * (PyTorch's convention); {@link Trainer#loadCheckpoint} advances it to the restored epoch.
         */
        public Builder optLrScheduler(LrScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** A loader evaluated after every epoch; its result is {@link EpochResult#validation()}. */
        public Builder optValidation(DataLoader validation) {
            this.validation = Objects.requireNonNull(validation, "validation");
            return this;
        }

        /** A file that {@link Trainer#saveCheckpoint} replaces after every epoch. */
        public Builder optCheckpoint(Path file) {
            this.checkpoint = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Whether to draw a {@link ProgressBar} on standard error (default: yes). */
        public Builder optProgressBar(boolean progress) {
            this.progress = progress;
            return this;
        }

        /** Adds a listener from the start (more can be added with {@link Trainer#addListener}). */
        public Builder addListener(TrainingListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Builds the trainer. */
        public Trainer build() {
            Objects.requireNonNull(model, "Trainer: setModel is required");
            Objects.requireNonNull(optimizer, "Trainer: setOptimizer is required");
            return new Trainer(this);
        }
    }
}
