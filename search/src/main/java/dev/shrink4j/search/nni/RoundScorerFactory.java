package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.CandidateScorer;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Gives {@link AutoCompress} the scorer for one round's simulated annealing: it scores the model as it stands after
 * the earlier rounds ({@code masks} applied, or already shrunk), further pruned to keep ratios that are relative to
 * each layer's <em>remaining</em> weights.
 */
@FunctionalInterface
public interface RoundScorerFactory {

    /**
     * The scorer of round {@code round} (from 0).
     *
     * @param masks the masks of the earlier rounds by parameter name (empty in round 0); read only
     */
    CandidateScorer scorer(int round, Map<String, Tensor> masks);
}
