package dev.shrink4j.search.ddpg;

/**
 * The DDPG agent's hyper-parameters; {@link #amc()} gives mit-han-lab/amc's defaults ({@code amc_search.py}).
 *
 * @param hidden1            actor and critic first hidden width (300)
 * @param hidden2            second hidden width (300)
 * @param actorLearningRate  Adam learning rate of the actor (1e-4)
 * @param criticLearningRate Adam learning rate of the critic (1e-3)
 * @param tau                soft target update rate (0.01)
 * @param discount           reward discount (1: every step of an episode shares its final reward)
 * @param batchSize          transitions per update (64)
 * @param bufferPerLayer     replay buffer capacity per prunable layer (100)
 * @param initialNoise       σ of the exploration noise at the first episode after warm-up (0.5)
 * @param noiseDecay         σ's factor per episode (0.95)
 * @param baselineAlpha      step of the moving-average reward baseline (0.5)
 */
public record DdpgOptions(int hidden1, int hidden2, double actorLearningRate, double criticLearningRate, double tau,
        double discount, int batchSize, int bufferPerLayer, double initialNoise, double noiseDecay, double baselineAlpha) {

    /** Checks every value, naming the first bad one. */
    public DdpgOptions {
        positive("hidden1", hidden1);
        positive("hidden2", hidden2);
        positive("actorLearningRate", actorLearningRate);
        positive("criticLearningRate", criticLearningRate);
        if (!(tau > 0 && tau <= 1)) {
            throw new IllegalArgumentException("tau must be in (0, 1], got " + tau);
        }
        if (!(discount >= 0 && discount <= 1)) {
            throw new IllegalArgumentException("discount must be in [0, 1], got " + discount);
        }
        positive("batchSize", batchSize);
        positive("bufferPerLayer", bufferPerLayer);
        if (!(initialNoise >= 0)) {
            throw new IllegalArgumentException("initialNoise must be at least 0, got " + initialNoise);
        }
        if (!(noiseDecay > 0 && noiseDecay <= 1)) {
            throw new IllegalArgumentException("noiseDecay must be in (0, 1], got " + noiseDecay);
        }
        if (!(baselineAlpha > 0 && baselineAlpha <= 1)) {
            throw new IllegalArgumentException("baselineAlpha must be in (0, 1], got " + baselineAlpha);
        }
    }

    /** The reference's values. */
    public static DdpgOptions amc() {
        return new DdpgOptions(300, 300, 1e-4, 1e-3, 0.01, 1.0, 64, 100, 0.5, 0.95, 0.5);
    }

    private static void positive(String name, double v) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }
}
