package dev.shrink4j.search.scoring;

/**
 * How good one candidate is: its reward (higher is better; an accuracy in [0, 1], AMC's {@code acc_flops} or minus
 * a loss) and the share of the unpruned model's FLOPs it keeps.
 *
 * @param reward the candidate's reward, higher is better; finite
 * @param flopsRatio FLOPs of the pruned model over FLOPs of the unpruned one, in (0, 1]
 */
public record Score(double reward, double flopsRatio) {

    /** Checks that both numbers are finite. */
    public Score {
        if (!Double.isFinite(reward)) {
            throw new IllegalArgumentException("score: reward " + reward + " is not finite");
        }
        if (!Double.isFinite(flopsRatio)) {
            throw new IllegalArgumentException("score: flops ratio " + flopsRatio + " is not finite");
        }
    }
}
