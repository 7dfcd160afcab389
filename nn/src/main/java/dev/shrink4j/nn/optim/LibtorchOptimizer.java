package dev.shrink4j.nn.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.OptimizerOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * An {@link Optimizer} running one of libtorch's optimizers. The Java side keeps each group's
 * parameters and options, so the native optimizer can be rebuilt: libtorch gives Java no access to its
 * state map, and rebuilding is how {@link #resetState()} forgets momentum and moments, and how
 * {@link #removeParamGroup(int)} drops a group (libtorch cannot erase one), carrying the other
 * groups' options and state over through libtorch's own save and load ({@link OptimizerArchives}).
 *
 * <p>Ownership: the native optimizer (with its state) and the option templates are retained by this
 * object, so they survive any enclosing {@code PointerScope}, and {@link #close()} releases them.
 *
 * @param <O> libtorch's options type ({@code SGDOptions}, {@code AdamOptions})
 * @param <B> the builder of the optimizer's options ({@link Sgd.Builder}, {@link Adam.Builder})
 * @param <S> the optimizer itself, returned by {@code addParamGroup} so calls chain
 */
abstract class LibtorchOptimizer<O extends OptimizerOptions, B extends LibtorchOptimizer.OptionsBuilder<B, O>,
        S extends LibtorchOptimizer<O, B, S>> extends Optimizer {

    private final String name;
    private final BiFunction<TensorVector, O, org.bytedeco.pytorch.Optimizer> factory;
    private final List<List<Tensor>> groupParams = new ArrayList<>();
    private final List<O> groupOptions = new ArrayList<>();
    private final List<ParamGroup> groups = new ArrayList<>();
    private org.bytedeco.pytorch.Optimizer optimizer;

    /**
     * @param name the optimizer's name in error messages ({@code "Sgd"})
     * @param factory libtorch's constructor for the first group, e.g. {@code SGD::new}
     */
    LibtorchOptimizer(String name, List<Tensor> params, O options,
            BiFunction<TensorVector, O, org.bytedeco.pytorch.Optimizer> factory) {
        this.name = name;
        this.factory = factory;
        adopt(params, options);
        optimizer = create();
    }

    /** This optimizer as its concrete type. */
    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    /**
     * Adds a parameter group with its own options (PyTorch's {@code add_param_group}).
     *
     * @return this optimizer
     * @throws IllegalArgumentException if an option is invalid, or {@code params} is empty, holds a non-leaf
     *     tensor, or shares a parameter with an existing group
     */
    public final S addParamGroup(List<Tensor> params, B options) {
        addGroup(params, options.toOptions());
        return self();
    }

    /**
     * Adds a parameter group with the first group's options (all but the learning rate: Sgd's momentum,
     * dampening, weight decay and Nesterov; Adam's betas, eps, weight decay and AMSGrad) and its current
     * learning rate; see {@link Optimizer#addParamGroup(List)}.
     */
    @Override
    public final S addParamGroup(List<Tensor> params) {
        addGroupLikeFirst(params);
        return self();
    }

    /** Adds a group with its own options to the Java side and to the running native optimizer. */
    @SuppressWarnings("try") // the scope is used for its side effect: it frees what is allocated inside it
    final void addGroup(List<Tensor> params, O options) {
        checkOpen();
        adopt(params, options);
        int last = groupParams.size() - 1;
        try (PointerScope scope = new PointerScope()) {
            optimizer.add_param_group(nativeGroup(last));
        }
    }

    /**
     * Adds a group with a copy of the first group's options and its current learning rate: the
     * implementation of {@link #addParamGroup(List)}.
     */
    final void addGroupLikeFirst(List<Tensor> params) {
        checkOpen();
        O options = copyOptions(groupOptions.get(0));
        options.set_lr(groups.get(0).learningRate());
        addGroup(params, options);
    }

    /**
     * A new options object equal to {@code template} in every field (a fresh Java-owned object; the
     * native {@code clone()} returns the base type, which a group's template cannot be).
     */
    abstract O copyOptions(O template);

    private void adopt(List<Tensor> params, O options) {
        int group = groupParams.size();
        Objects.requireNonNull(params, () -> name + ": parameter list of group " + group + " is null");
        if (params.isEmpty()) {
            throw new IllegalArgumentException(name + ": group " + group + " has an empty parameter list");
        }
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            String where = "parameter " + i + " of group " + group;
            if (p == null || !p.defined()) {
                throw new IllegalArgumentException(name + ": " + where + " is null or undefined");
            }
            if (!p.is_leaf()) {
                throw new IllegalArgumentException(name + ": " + where + " is not a leaf tensor; only leaves can be optimized");
            }
            for (int g = 0; g <= group; g++) {
                List<Tensor> other = g < group ? groupParams.get(g) : params.subList(0, i);
                for (Tensor q : other) {
                    if (q.is_same(p)) {
                        throw new IllegalArgumentException(name + ": " + where + " already appears in group " + g
                                + "; a parameter may belong to one group only");
                    }
                }
            }
        }
        List<Tensor> copy = List.copyOf(params);
        options.retainReference(); // ours until close(), whatever scope the builder ran in
        groupParams.add(copy);
        groupOptions.add(options);
        groups.add(new NativeParamGroup(this, copy));
    }

    /** Creates the native optimizer from the Java-side groups: fresh state, the templates' options. */
    @SuppressWarnings("try")
    private org.bytedeco.pytorch.Optimizer create() {
        try (PointerScope scope = new PointerScope()) { // frees the vectors and group wrappers below
            org.bytedeco.pytorch.Optimizer o = factory.apply(vector(groupParams.get(0)), groupOptions.get(0));
            for (int i = 1; i < groupParams.size(); i++) {
                o.add_param_group(nativeGroup(i));
            }
            o.retainReference(); // outlives this scope and the caller's; released by close()
            return o;
        }
    }

    /**
     * A native group for Java group {@code i}. Its options are a clone: {@code OptimizerParamGroup}
     * takes a {@code unique_ptr} and so consumes the options object it is given, and we need our
     * template again for the next rebuild.
     */
    private OptimizerParamGroup nativeGroup(int i) {
        return new OptimizerParamGroup(vector(groupParams.get(i)), groupOptions.get(i).clone());
    }

    private static TensorVector vector(List<Tensor> params) {
        return new TensorVector(params.toArray(new Tensor[0]));
    }

    /**
     * Rebuilds the native optimizer without group {@code index}: the saved options and state of every
     * other group are loaded into the rebuilt one, so its next step is the one the old optimizer would
     * have taken for them. On failure nothing changes.
     */
    @Override
    @SuppressWarnings("try") // the scope frees the archives and their copies
    public final void removeParamGroup(int index) {
        checkOpen();
        if (index < 0 || index >= groups.size()) {
            throw new IllegalArgumentException(name + ": there is no parameter group " + index + "; the groups are 0.."
                    + (groups.size() - 1));
        }
        if (groups.size() == 1) {
            throw new IllegalStateException(name + ": cannot remove group 0, the only parameter group");
        }
        List<Tensor> removedParams = groupParams.remove(index);
        O removedOptions = groupOptions.remove(index);
        ParamGroup removedGroup = groups.remove(index);
        org.bytedeco.pytorch.Optimizer rebuilt = null;
        try (PointerScope scope = new PointerScope()) {
            org.bytedeco.pytorch.InputArchive kept = OptimizerArchives.withoutGroup(OptimizerArchives.save(optimizer), index);
            rebuilt = create();
            rebuilt.load(kept);
        } catch (RuntimeException e) {
            if (rebuilt != null) {
                rebuilt.releaseReference();
            }
            groupParams.add(index, removedParams);
            groupOptions.add(index, removedOptions);
            groups.add(index, removedGroup);
            throw e;
        }
        optimizer.releaseReference();
        optimizer = rebuilt;
        removedOptions.releaseReference();
    }

    /**
     * The position of {@code group} among this optimizer's groups.
     *
     * @throws IllegalStateException when the group has been removed
     */
    final int indexOf(ParamGroup group) {
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i) == group) {
                return i;
            }
        }
        throw new IllegalStateException(name + ": this parameter group has been removed from the optimizer");
    }

    /** The live options of native group {@code index}: where the runtime learning rate is read and written. */
    final OptimizerOptions nativeOptions(int index) {
        checkOpen();
        return optimizer.param_groups().get(index).options();
    }

    @Override
    protected final void applyUpdate() {
        optimizer.step();
    }

    @Override
    public final List<ParamGroup> paramGroups() {
        return List.copyOf(groups);
    }

    /**
     * Rebuilds the native optimizer from the same groups and options, keeping each group's current
     * learning rate: the next step is that of a freshly built optimizer. Listeners and
     * {@link #stepCount()} are kept.
     */
    @Override
    public final void resetState() {
        checkOpen();
        for (int i = 0; i < groups.size(); i++) {
            groupOptions.get(i).set_lr(groups.get(i).learningRate());
        }
        org.bytedeco.pytorch.Optimizer old = optimizer;
        optimizer = create();
        old.releaseReference();
    }

    /**
     * What the builders of {@link Sgd} and {@link Adam} share ({@code set…} required, {@code opt…} optional;
     * defaults are PyTorch's): the required learning rate, the L2 weight decay, and how options are checked,
     * each message naming the optimizer and the option.
     *
     * @param <B> the concrete builder, returned by every setter so calls chain
     * @param <O> libtorch's options type the builder makes
     */
    abstract static class OptionsBuilder<B extends OptionsBuilder<B, O>, O> {

        private final String optimizer;
        private Double lr;
        private double weightDecay;

        /** @param optimizer the optimizer's name in error messages ({@code "Sgd"}) */
        OptionsBuilder(String optimizer) {
            this.optimizer = optimizer;
        }

        /** This builder as its concrete type. */
        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** The learning rate (required, ≥ 0; PyTorch's usual value is 0.1 for SGD, 1e-3 for Adam). */
        public final B setLearningRate(double lr) {
            this.lr = lr;
            return self();
        }

        /** The L2 penalty added to the gradient, {@code wd·p} (default 0). */
        public final B optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return self();
        }

        /**
         * The learning rate, checked.
         *
         * @throws IllegalArgumentException when it was not set, or is negative or not finite
         */
        final double learningRate() {
            if (lr == null) {
                throw new IllegalArgumentException(optimizer + ": learning rate must be set");
            }
            Optimizer.checkLearningRate(optimizer + ": learning rate", lr);
            return lr;
        }

        /** The weight decay, checked as {@link #nonNegative} does. */
        final double weightDecay() {
            return nonNegative("weight decay", weightDecay);
        }

        /**
         * {@code value}, checked.
         *
         * @throws IllegalArgumentException {@code "<optimizer>: <what> must be non-negative, got <value>"} when it
         *     is negative or NaN
         */
        final double nonNegative(String what, double value) {
            if (!(value >= 0)) {
                throw new IllegalArgumentException(optimizer + ": " + what + " must be non-negative, got " + value);
            }
            return value;
        }

        /**
         * The options, every one checked.
         *
         * @throws IllegalArgumentException naming the optimizer and the first invalid option
         */
        abstract O toOptions();
    }

    /** Releases the native optimizer (and its state) and the option templates. Idempotent. */
    @Override
    public final void close() {
        if (!isClosed()) {
            optimizer.releaseReference();
            for (O o : groupOptions) {
                o.releaseReference();
            }
        }
        super.close();
    }
}
