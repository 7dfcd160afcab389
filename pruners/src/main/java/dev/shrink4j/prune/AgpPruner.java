package dev.shrink4j.prune;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.protocol.Scheduled;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.core.WeightMasker;
import dev.shrink4j.prune.importance.Importances;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automated gradual pruning (Zhu and Gupta, "To prune, or not to prune", 2017; NNI's
 * {@code AGPPruner}): the sparsity grows from {@code s_i} to each layer's configured {@code sparsity}
 * {@code s_f} along a cubic schedule, over any inner {@link WeightMasker} (level by default; L1/L2
 * filter through {@link Criterion}, or any masker).
 *
 * <p>Schedule (NNI's {@code compute_target_sparsity}, the {@code start_epoch} form of its
 * {@code agp.py}), with {@code t} the current epoch, {@code t0 = start_epoch} and
 * {@code n·Δt = span = ((end_epoch − t0 − 1) // frequency) · frequency} (the last pruning epoch
 * before {@code end_epoch}, minus {@code t0}):
 * <pre>
 * t &lt; t0:               no mask update (masks stay as they are, all ones at first)
 * t = t0:               s_t = s_i            (the formula's value, without its rounding)
 * t0 &lt; t &lt; t0 + span:   s_t = s_f + (s_i − s_f) · (1 − (t − t0) / span)³
 * t ≥ t0 + span:        s_t = s_f            (also whenever span = 0 or s_i ≥ s_f)
 * </pre>
 * Masks are recomputed only at <em>pruning epochs</em>: {@code t0 ≤ t ≤ end_epoch} with
 * {@code (t − t0) % frequency == 0}, and {@code end_epoch} itself. Since {@code t0 + span} is a
 * pruning epoch, the layer is at exactly {@code s_f} (the formula's cube is exactly 0 there) from
 * then on, and at {@code end_epoch} at the latest. Each layer prunes {@code floor(n·s_t)} units
 * ({@link dev.shrink4j.prune.core.Ranking}); the inner maskers rank the masked weights, with pruned ones below every live
 * one ({@link dev.shrink4j.prune.allocate.LayerScores#rankable()}), so what was pruned stays pruned. (NNI asserts {@code span > 0}; here a zero span prunes to
 * {@code s_f} at once, as NNI 2.x does for a one-iteration schedule.)
 *
 * <p>When: at {@code compress()} for epoch 0 (at {@code s_i} when {@code start_epoch = 0}); after
 * {@link #updateEpoch(int)} at a pruning epoch, at the first optimizer step of that epoch when an
 * optimizer is attached (NNI computes in its patched {@code optimizer.step}), at once when there is
 * none; once per layer per epoch. As in NNI, {@code updateEpoch(0)} is ignored.
 *
 * <pre>{@code
 * AgpPruner agp = AgpPruner.builder().setModel(model).setConfigList(configList).optOptimizer(sgd)
 *         .optEndEpoch(10).build();
 * agp.compress();
 * for (int epoch = 0; epoch < 12; epoch++) { agp.updateEpoch(epoch); trainOneEpoch(); }
 * }</pre>
 *
 * <p>A fractional schedule ({@link AgpSchedule}, {@link Builder#optSchedule}) counts in ticks of
 * {@code 1/k} epoch; a training loop then moves it through {@link Scheduled}'s
 * {@code onEpochStart}/{@code onBatchEnd}.
 */
public final class AgpPruner extends Pruner implements Scheduled {

    private static final Logger LOG = LoggerFactory.getLogger(AgpPruner.class);

    /** The inner masking rules NNI's AGP offers by name ({@code 'level'}, {@code 'l1'}, {@code 'l2'}). */
    public enum Criterion {
        /** Fine-grained, by weight magnitude ({@link Importances#MAGNITUDE}). */
        LEVEL,
        /** Whole filters (output units), by L1 norm ({@link Importances#L1_FILTER_NORM}). */
        L1_FILTER,
        /** Whole filters (output units), by L2 norm ({@link Importances#L2_FILTER_NORM}). */
        L2_FILTER;

        /** A fresh masker for this criterion: its importance allocated per layer. */
        public WeightMasker masker() {
            return ImportanceMasker.perLayer(switch (this) {
                case LEVEL -> Importances.MAGNITUDE;
                case L1_FILTER -> Importances.L1_FILTER_NORM;
                case L2_FILTER -> Importances.L2_FILTER_NORM;
            });
        }
    }

    private final double initialSparsity;
    private final int startEpoch;
    private final int endEpoch;
    private final int frequency;
    private final int ticksPerEpoch;
    private final Set<String> calculated = new HashSet<>();
    private int nowEpoch;

    private AgpPruner(Builder b) {
        super(b, b.masker);
        this.initialSparsity = b.initialSparsity;
        this.startEpoch = b.startEpoch;
        this.endEpoch = b.endEpoch;
        this.frequency = b.frequency;
        this.ticksPerEpoch = b.ticksPerEpoch;
    }

    /** Schedule counts per training epoch: 1 for NNI's schedule, {@code k} for a frequency of {@code 1/k} epoch. */
    @Override
    public int ticksPerEpoch() {
        return ticksPerEpoch;
    }

    /** A builder: {@code set…} required, {@code opt…} optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** The epoch the schedule is at (0 until {@link #updateEpoch(int)} moves it). */
    public int currentEpoch() {
        return nowEpoch;
    }

    /**
     * The scheduled sparsity at {@code epoch} for a layer whose final sparsity is {@code finalSparsity}
     * (the formula in the class comment).
     */
    public double targetSparsity(int epoch, double finalSparsity) {
        if (initialSparsity >= finalSparsity || endEpoch <= epoch) {
            return finalSparsity;
        }
        long span = ((long) (endEpoch - startEpoch - 1) / frequency) * frequency;
        if (span <= 0 || epoch >= startEpoch + span) {
            return finalSparsity;
        }
        if (epoch <= startEpoch) {
            // the formula's value at t0, exactly: s_f + (s_i − s_f) can round below s_i and lose a unit
            // to floor(n·s) (0.8 + (0.1 − 0.8) = 0.09999999999999987); before t0 it is never applied
            return initialSparsity;
        }
        double progress = 1.0 - (double) (epoch - startEpoch) / span;
        return finalSparsity + (initialSparsity - finalSparsity) * progress * progress * progress;
    }

    /**
     * Whether masks are recomputed at {@code epoch}: {@code start_epoch ≤ t ≤ end_epoch} and
     * {@code (t − start_epoch) % frequency == 0}, or {@code t = end_epoch}.
     */
    public boolean isPruningEpoch(int epoch) {
        return epoch >= startEpoch && epoch <= endEpoch && ((epoch - startEpoch) % frequency == 0 || epoch == endEpoch);
    }

    /** {@code initial_sparsity} {@code s_i}. */
    public double initialSparsity() {
        return initialSparsity;
    }

    /** {@code start_epoch}. */
    public int startEpoch() {
        return startEpoch;
    }

    /** {@code end_epoch}. */
    public int endEpoch() {
        return endEpoch;
    }

    /** {@code frequency}. */
    public int frequency() {
        return frequency;
    }

    /** The sparsity of the current epoch for this layer. */
    @Override
    protected double targetSparsity(ModuleWrapper wrapper) {
        return targetSparsity(nowEpoch, wrapper.config().sparsity());
    }

    /** Epoch 0's masks (at {@code s_i} when {@code start_epoch = 0}). */
    @Override
    protected void afterWrap() {
        calculated.clear();
        computeDue();
    }

    /**
     * Moves the schedule to {@code epoch} (call at the start of each epoch). At a pruning epoch the
     * masks are recomputed at the next optimizer step, or at once without an optimizer. Ignored for
     * {@code epoch ≤ 0}, as in NNI.
     */
    @Override
    public void updateEpoch(int epoch) {
        requireCompressed();
        if (epoch <= 0) {
            return;
        }
        nowEpoch = epoch;
        calculated.clear();
        if (optimizer().isEmpty()) {
            computeDue();
        }
    }

    @Override
    protected void afterOptimizerStep() {
        computeDue();
    }

    /** Computes the masks not yet computed this epoch, if it is a pruning epoch. */
    private void computeDue() {
        if (!isPruningEpoch(nowEpoch)) {
            return;
        }
        boolean any = false;
        for (ModuleWrapper w : getModulesWrapper()) {
            if (calculated.add(w.name())) {
                calcMask(w);
                any = true;
            }
        }
        if (any) {
            LOG.debug("AgpPruner: masks updated at epoch {}", nowEpoch);
        }
    }

    /** Builder for {@link AgpPruner}. */
    public static final class Builder extends CompressorBuilder<Builder> {
        private WeightMasker masker = Criterion.LEVEL.masker();
        private double initialSparsity;
        private int startEpoch;
        private int endEpoch = 10;
        private int frequency = 1;
        private int ticksPerEpoch = 1;

        private Builder() {
            super("AgpPruner");
        }

        /** {@code initial_sparsity} {@code s_i}, default 0. */
        public Builder optInitialSparsity(double initialSparsity) {
            this.initialSparsity = initialSparsity;
            return this;
        }

        /** {@code start_epoch}, default 0. */
        public Builder optStartEpoch(int startEpoch) {
            this.startEpoch = startEpoch;
            return this;
        }

        /** {@code end_epoch}, default 10 (NNI 2.x: 10 iterations of 1 epoch). */
        public Builder optEndEpoch(int endEpoch) {
            this.endEpoch = endEpoch;
            return this;
        }

        /** {@code frequency}: epochs between mask updates, default 1. */
        public Builder optFrequency(int frequency) {
            this.frequency = frequency;
            return this;
        }

        /**
         * The whole schedule in ticks ({@link AgpSchedule#of}: epochs that may be fractional): sets
         * {@code start_epoch}, {@code end_epoch} and {@code frequency} in ticks and the ticks per epoch.
         */
        public Builder optSchedule(AgpSchedule schedule) {
            Objects.requireNonNull(schedule, "schedule");
            this.startEpoch = schedule.startTick();
            this.endEpoch = schedule.endTick();
            this.frequency = schedule.frequencyTicks();
            this.ticksPerEpoch = schedule.ticksPerEpoch();
            return this;
        }

        /** The inner masking rule by name, default {@link Criterion#LEVEL}. */
        public Builder optCriterion(Criterion criterion) {
            this.masker = Objects.requireNonNull(criterion, "criterion").masker();
            return this;
        }

        /**
         * The inner masking rule by NNI's {@code pruning_algorithm} name: {@code "level"} (default),
         * {@code "l1"} or {@code "l2"} (filters by norm).
         *
         * @throws IllegalArgumentException naming the value and the accepted names
         */
        public Builder optPruningAlgorithm(String name) {
            String key = name == null ? "null" : name.toLowerCase(java.util.Locale.ROOT);
            return optCriterion(switch (key) {
                case "level" -> Criterion.LEVEL;
                case "l1" -> Criterion.L1_FILTER;
                case "l2" -> Criterion.L2_FILTER;
                default -> throw new IllegalArgumentException("AgpPruner: pruning_algorithm \"" + name
                        + "\" is not supported; expected one of level, l1, l2");
            });
        }

        /** Any inner masker (it should rank the masked weights so pruned ones stay pruned). */
        public Builder optMasker(WeightMasker masker) {
            this.masker = Objects.requireNonNull(masker, "masker");
            return this;
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first option out of range
         */
        public AgpPruner build() {
            return new AgpPruner(this);
        }

        /** The required fields, then the schedule's ranges. */
        @Override
        protected void check() {
            super.check();
            if (!(initialSparsity >= 0 && initialSparsity < 1)) {
                throw new IllegalArgumentException("AgpPruner: initial_sparsity " + initialSparsity + " is outside [0, 1)");
            }
            if (startEpoch < 0 || endEpoch < 0) {
                throw new IllegalArgumentException("AgpPruner: start_epoch " + startEpoch + " and end_epoch " + endEpoch
                        + " must be non-negative");
            }
            if (endEpoch <= startEpoch) {
                throw new IllegalArgumentException("AgpPruner: end_epoch " + endEpoch + " must be greater than start_epoch "
                        + startEpoch);
            }
            if (frequency < 1) {
                throw new IllegalArgumentException("AgpPruner: frequency must be at least 1, got " + frequency);
            }
            if (ticksPerEpoch < 1) {
                throw new IllegalArgumentException("AgpPruner: ticks per epoch must be at least 1, got " + ticksPerEpoch);
            }
        }
    }
}
