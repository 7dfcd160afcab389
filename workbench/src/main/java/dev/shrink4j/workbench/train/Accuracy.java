package dev.shrink4j.workbench.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** Classification accuracy. */
public final class Accuracy {

    private Accuracy() {
    }

    /**
     * How many rows of {@code logits [B, classes]} have their largest value at the index given by
     * {@code labels [B]} (top-1). Ties go to the first maximal index, as {@code argmax} does.
     */
    public static long top1Correct(Tensor logits, Tensor labels) {
        if (logits.dim() != 2 || labels.dim() != 1 || logits.size(0) != labels.size(0)) {
            throw new IllegalArgumentException("top1Correct: need logits [B, classes] and labels [B], got "
                    + java.util.Arrays.toString(logits.shape()) + " and " + java.util.Arrays.toString(labels.shape()));
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            return logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(labels).sum().item_long();
        }
    }
}
