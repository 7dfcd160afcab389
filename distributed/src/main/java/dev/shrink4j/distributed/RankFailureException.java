package dev.shrink4j.distributed;

import java.util.List;

/**
 * A collective operation failed because another process of the group is gone (killed, crashed,
 * stopped with an error) or stopped answering within the timeout. The message names the operation
 * and the lost ranks; {@link #lostRanks()} lists them (empty when every rank answered after the
 * failure, i.e. the operation itself failed on all of them). After it the
 * {@link DistributedContext} refuses further collectives.
 */
public class RankFailureException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<Integer> lostRanks;

    /**
     * @param message   names the operation and the lost ranks
     * @param lostRanks the ranks that did not answer, ascending
     * @param cause     the library error of the failed operation
     */
    public RankFailureException(String message, List<Integer> lostRanks, Throwable cause) {
        super(message, cause);
        this.lostRanks = List.copyOf(lostRanks);
    }

    /** The ranks that did not answer after the failure, ascending. */
    public List<Integer> lostRanks() {
        return lostRanks;
    }
}
