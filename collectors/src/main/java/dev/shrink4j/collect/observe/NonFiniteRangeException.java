package dev.shrink4j.collect.observe;

/**
 * An observer was shown a tensor holding NaN or infinite values. Folding such a range in would make
 * every later scale and zero point NaN or infinite without any sign of it, so the observer refuses
 * the batch (its state stays as it was) and says where: the message starts with the observer's
 * {@linkplain RangeObserver#label() label}, which quantizers set to the layer and what is observed
 * ({@code "conv1 input"}).
 */
public final class NonFiniteRangeException extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    private final String label;

    /** A non-finite range seen by the observer labelled {@code label}, described by {@code detail}. */
    public NonFiniteRangeException(String label, String detail) {
        super(label + ": non-finite range observed: " + detail);
        this.label = label;
    }

    /** The observer's label: the layer and what it observes. */
    public String label() {
        return label;
    }
}
