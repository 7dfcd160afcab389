package dev.shrink4j.distributed;

import java.util.List;

/**
 * The ranks hold different values of tensors that must be identical (weights, masks, quantization
 * parameters): {@link DataParallel#verifyConsistency} found it by comparing digests. Every rank throws
 * it with the same message, naming each tensor and which ranks agree, e.g.
 * {@code after epoch 3: the ranks hold different values of 1 tensor: conv1.weight_mask (rank 0 ≠ rank 1)}.
 */
public class InconsistentRanksException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final List<String> tensors;

    /**
     * @param message names the check, each tensor and the ranks
     * @param tensors the names of the differing tensors, in model order
     */
    public InconsistentRanksException(String message, List<String> tensors) {
        super(message);
        this.tensors = List.copyOf(tensors);
    }

    /** The names of the tensors whose values differ between ranks. */
    public List<String> tensors() {
        return tensors;
    }
}
