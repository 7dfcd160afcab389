package dev.shrink4j.nn.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scheduler whose learning rate is a closed-form function of each group's base learning rate and
 * the epoch. The base rates are the groups' learning rates when the scheduler is created; the
 * constructor sets epoch 0's rates, and each {@link #step()} sets the next epoch's.
 *
 * <p>These are Java classes over our {@link Optimizer}, not libtorch's C++ schedulers, which differ
 * from PyTorch's (C++ {@code StepLR} does not decay on its first step). Because the rate is computed
 * from the base rate and the epoch, a learning rate set by hand between scheduler steps is replaced at
 * the next step; PyTorch's chainable form would build on it instead.
 */
public abstract class AbstractLrScheduler implements LrScheduler {

    /** The learning rate of a group with base rate {@code baseLr} at {@code epoch}. */
    @FunctionalInterface
    protected interface Formula {
        /** Returns the learning rate; must be finite and non-negative. */
        double lr(double baseLr, long epoch);
    }

    private final Optimizer optimizer;
    private final List<Double> baseLrs;
    private final Formula formula;
    private long epoch;
    private List<Double> lastLrs;

    /**
     * Records the optimizer's current learning rates as the base rates and applies epoch 0.
     *
     * @param formula computes a group's learning rate; it must not read fields of the subclass, which
     *     are not yet assigned when this constructor runs
     */
    protected AbstractLrScheduler(Optimizer optimizer, Formula formula) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.formula = Objects.requireNonNull(formula, "formula");
        List<Double> bases = new ArrayList<>();
        for (ParamGroup g : optimizer.paramGroups()) {
            bases.add(g.learningRate());
        }
        this.baseLrs = List.copyOf(bases);
        apply();
    }

    /**
     * A scheduler's period argument, checked.
     *
     * @throws IllegalArgumentException {@code "<scheduler>: <name> must be at least 1, got <value>"} when it is
     *     shorter than one epoch
     */
    protected static long atLeastOneEpoch(String scheduler, String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(scheduler + ": " + name + " must be at least 1, got " + value);
        }
        return value;
    }

    /**
     * A scheduler's rate argument (a factor or a floor), checked.
     *
     * @throws IllegalArgumentException {@code "<scheduler>: <name> must be finite and non-negative, got <value>"}
     */
    protected static double finiteNonNegative(String scheduler, String name, double value) {
        Optimizer.checkLearningRate(scheduler + ": " + name, value);
        return value;
    }

    @Override
    public final void step() {
        epoch++;
        apply();
    }

    private void apply() {
        List<ParamGroup> groups = optimizer.paramGroups();
        if (groups.size() != baseLrs.size()) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the optimizer has " + groups.size()
                    + " parameter groups but the scheduler was created with " + baseLrs.size()
                    + "; create the scheduler after the last addParamGroup");
        }
        List<Double> lrs = new ArrayList<>(groups.size());
        for (int i = 0; i < groups.size(); i++) {
            double lr = formula.lr(baseLrs.get(i), epoch);
            Optimizer.checkLearningRate(getClass().getSimpleName() + ": learning rate of group " + i + " at epoch " + epoch, lr);
            lrs.add(lr);
        }
        // Compute every rate before setting any, so a failure leaves the groups consistent.
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).setLearningRate(lrs.get(i));
        }
        lastLrs = List.copyOf(lrs);
    }

    @Override
    public final double lastLr() {
        return lastLrs.get(0);
    }

    @Override
    public final List<Double> lastLrs() {
        return lastLrs;
    }

    @Override
    public final long epoch() {
        return epoch;
    }

    /** The groups' learning rates when this scheduler was created. */
    public final List<Double> baseLrs() {
        return baseLrs;
    }

    /** The optimizer whose learning rates this scheduler sets. */
    public final Optimizer optimizer() {
        return optimizer;
    }
}
