package dev.shrink4j.search.nni;

/**
 * NetAdapt's short fine-tune of a candidate before it is scored: the real implementation trains the model pruned to
 * {@code keepRatios} for a few hundred steps, so that layers are compared after they have had a chance to recover.
 */
@FunctionalInterface
public interface ShortFineTune {

    /** Fine-tunes the candidate pruned to {@code keepRatios}; the scorer evaluates it next. */
    void fineTune(double[] keepRatios);
}
