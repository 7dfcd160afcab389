package dev.shrink4j.cli.algo;

/**
 * shrink4j's own algorithms, one {@link AlgorithmSpec} each: the names config files use, with the
 * options each accepts and how training drives it.
 */
public final class BuiltinAlgorithms {

    private BuiltinAlgorithms() {
    }

    /** A new registry holding every built-in algorithm. */
    public static AlgorithmRegistry registry() {
        AlgorithmRegistry r = new AlgorithmRegistry();
        return r;
    }
}
