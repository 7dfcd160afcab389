package dev.shrink4j.compress.protocol;

/**
 * A compressor that prunes over several training rounds (the lottery ticket): a training loop runs its
 * fine-tuning epochs once per round, calling {@link #startRound(int)} before each.
 */
public interface Iterative {

    /** The training rounds, at least 1. */
    int rounds();

    /** Called before round {@code round} (counted from 0), before its epochs. */
    void startRound(int round);
}
