package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Inverted dropout ({@code nn.Dropout}): in training mode zeroes each element with probability
 * {@code p} and scales the rest by {@code 1/(1-p)}; in evaluation mode returns its input.
 * Draws from libtorch's global generator.
 */
public class Dropout extends Module {

    private final double p;

    /** Dropout with probability 0.5, PyTorch's default. */
    public Dropout() {
        this(0.5);
    }

    /** Dropout with probability {@code p} in [0, 1]. */
    public Dropout(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return isTraining() ? torch.dropout(input, p, true) : input;
    }

    /** The probability of zeroing an element. */
    public double p() {
        return p;
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
