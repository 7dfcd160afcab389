package dev.shrink4j.search.ddpg;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.RandomState;
import dev.shrink4j.nn.optim.Adam;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AMC's DDPG agent (mit-han-lab/amc {@code lib/agent.py}, {@code lib/memory.py}) on libtorch: an actor and a
 * critic ({@link DdpgOptions#amc()}: 300-300, Adam 1e-4 / 1e-3), their target copies updated softly
 * ({@code τ}), a replay buffer of {@code bufferPerLayer × layers} transitions sampled uniformly, and a
 * moving-average baseline subtracted from every sampled reward. Exploration: uniform in
 * {@code [lbound, 1]} during warm-up, then the actor's output plus truncated-normal noise with
 * σ = {@code initialNoise · noiseDecay^(episode − warmup)}.
 *
 * <p>Reproducible: the networks are initialised from {@code torch.manual_seed(seed)} (the caller's torch
 * random state is restored afterwards) and every random draw of the agent comes from one
 * {@link Random}{@code (seed)}.
 */
public final class DdpgAgent implements AutoCloseable {

    /**
     * One step of an episode.
     *
     * @param state     the layer's state
     * @param action    the agent's action (before the environment's bounds and budget)
     * @param nextState the next layer's state, {@code null} after the last layer
     */
    public record Transition(double[] state, double action, double[] nextState) {
    }

    private record Stored(double[] state, double action, double reward, double[] nextState) {
    }

    private final int stateSize;
    private final DdpgOptions options;
    private final double lowerBound;
    private final int warmup;
    private final Random random;
    private final Actor actor;
    private final Actor actorTarget;
    private final Critic critic;
    private final Critic criticTarget;
    private final Adam actorOptimizer;
    private final Adam criticOptimizer;
    private final Stored[] buffer;
    private int stored;
    private int next;
    private Double baseline;

    /**
     * @param stateSize  columns of a state
     * @param capacity   replay buffer capacity (the reference: {@code bufferPerLayer × layers})
     * @param lowerBound the smallest action
     * @param warmup     episodes of uniform random actions
     */
    public DdpgAgent(int stateSize, int capacity, double lowerBound, int warmup, DdpgOptions options, long seed) {
        this.stateSize = stateSize;
        this.options = options;
        this.lowerBound = lowerBound;
        this.warmup = warmup;
        this.random = new Random(seed);
        Module[] nets = RandomState.preserving(() -> {
            torch.manual_seed(seed);
            return new Module[] {new Actor(stateSize, options.hidden1(), options.hidden2()),
                new Actor(stateSize, options.hidden1(), options.hidden2()),
                new Critic(stateSize, options.hidden1(), options.hidden2()),
                new Critic(stateSize, options.hidden1(), options.hidden2())};
        });
        actor = (Actor) nets[0];
        actorTarget = (Actor) nets[1];
        critic = (Critic) nets[2];
        criticTarget = (Critic) nets[3];
        hardCopy(actor, actorTarget);
        hardCopy(critic, criticTarget);
        actorOptimizer = Adam.builder().setLearningRate(options.actorLearningRate()).build(actor.parameters());
        criticOptimizer = Adam.builder().setLearningRate(options.criticLearningRate()).build(critic.parameters());
        buffer = new Stored[capacity];
    }

    /**
     * The action for {@code state} in episode {@code episode}: uniform in {@code [lbound, 1]} during warm-up,
     * then the actor's ratio with truncated-normal noise, clipped to {@code [lbound, 1]}.
     */
    public double act(double[] state, int episode) {
        if (episode < warmup) {
            return lowerBound + (1 - lowerBound) * random.nextDouble();
        }
        double mean = policy(state);
        double sigma = options.initialNoise() * Math.pow(options.noiseDecay(), episode - warmup);
        return truncatedNormal(mean, sigma);
    }

    /** The actor's action for {@code state}, without noise. */
    public double policy(double[] state) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            return actor.call(rows(new double[][] {state})).item_double();
        }
    }

    /** scipy's truncnorm in {@code [lbound, 1]} by rejection; a mean far outside falls back to clipping. */
    private double truncatedNormal(double mean, double sigma) {
        if (sigma > 0) {
            for (int attempt = 0; attempt < 1000; attempt++) {
                double x = mean + sigma * random.nextGaussian();
                if (x >= lowerBound && x <= 1) {
                    return x;
                }
            }
        }
        return Math.min(1, Math.max(lowerBound, mean));
    }

    /** Stores an episode's transitions, each with the episode's final reward (AMC's reward is per episode). */
    public void remember(List<Transition> episode, double reward) {
        for (Transition t : episode) {
            buffer[next] = new Stored(t.state().clone(), t.action(), reward, t.nextState() == null ? null : t.nextState().clone());
            next = (next + 1) % buffer.length;
            stored = Math.min(stored + 1, buffer.length);
        }
    }

    /**
     * One update of critic and actor on a batch sampled from the buffer (without replacement when it holds
     * enough, as the reference's memory does), then the soft target update.
     *
     * @return the critic's loss
     */
    public double update() {
        if (stored == 0) {
            throw new IllegalStateException("the replay buffer is empty: remember an episode first");
        }
        int n = options.batchSize();
        int[] picks = stored >= n ? sampleWithoutReplacement(stored, n) : random.ints(n, 0, stored).toArray();
        double[][] s = new double[n][];
        double[][] s2 = new double[n][];
        double[][] a = new double[n][1];
        double[][] r = new double[n][1];
        double[][] notDone = new double[n][1];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            Stored t = buffer[picks[i]];
            s[i] = t.state();
            s2[i] = t.nextState() == null ? new double[stateSize] : t.nextState();
            a[i][0] = t.action();
            r[i][0] = t.reward();
            notDone[i][0] = t.nextState() == null ? 0 : 1;
            mean += t.reward() / n;
        }
        baseline = baseline == null ? mean : baseline + options.baselineAlpha() * (mean - baseline);
        for (double[] row : r) {
            row[0] -= baseline;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor state = rows(s);
            Tensor action = rows(a);
            Tensor target;
            try (NoGradGuard noGrad = new NoGradGuard()) {
                Tensor nextState = rows(s2);
                Tensor nextValue = criticTarget.value(nextState, actorTarget.call(nextState));
                target = rows(r).add(rows(notDone).mul(nextValue).mul(new Scalar(options.discount())));
            }
            criticOptimizer.zeroGrad();
            Tensor valueLoss = torch.mse_loss(critic.value(state, action), target);
            valueLoss.backward();
            criticOptimizer.step();

            actorOptimizer.zeroGrad();
            Tensor policyLoss = critic.value(state, actor.call(state)).mean().neg();
            policyLoss.backward();
            actorOptimizer.step();

            softUpdate(actor, actorTarget);
            softUpdate(critic, criticTarget);
            return valueLoss.item_double();
        }
    }

    private int[] sampleWithoutReplacement(int population, int k) {
        // Partial Fisher-Yates over the indices: k draws, each from the ones not drawn yet.
        int[] idx = new int[population];
        for (int i = 0; i < population; i++) {
            idx[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(population - i);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        return java.util.Arrays.copyOf(idx, k);
    }

    private void softUpdate(Module source, Module target) {
        List<Tensor> from = source.parameters();
        List<Tensor> to = target.parameters();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < from.size(); i++) {
                to.get(i).mul_(new Scalar(1 - options.tau())).add_(from.get(i), new Scalar(options.tau()));
            }
        }
    }

    private static void hardCopy(Module source, Module target) {
        List<Tensor> from = source.parameters();
        List<Tensor> to = target.parameters();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < from.size(); i++) {
                to.get(i).copy_(from.get(i));
            }
        }
    }

    private static Tensor rows(double[][] values) {
        int cols = values[0].length;
        float[] flat = new float[values.length * cols];
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < cols; j++) {
                flat[i * cols + j] = (float) values[i][j];
            }
        }
        return Tensor.create(flat, values.length, cols);
    }

    /** Transitions the buffer holds. */
    public int bufferSize() {
        return stored;
    }

    @Override
    public void close() {
        actorOptimizer.close();
        criticOptimizer.close();
        List.of(actor, actorTarget, critic, criticTarget).forEach(Module::close);
    }
}
