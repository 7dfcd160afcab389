package dev.shrink4j.workbench.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AccuracyTest {

    @Test
    void countsRowsWhoseArgmaxIsTheLabel() {
        Tensor logits = Tensor.create(new float[] {
                0.1f, 0.9f, 0.0f,    // argmax 1
                2.0f, -1f, 1.9f,     // argmax 0
                0.5f, 0.5f, 0.4f,    // tie: first maximum, 0
                -3f, -2f, -1f}, 4, 3); // argmax 2
        assertEquals(3, Accuracy.top1Correct(logits, Tensor.create(new long[] {1, 0, 0, 1}, 4)));
        assertEquals(0, Accuracy.top1Correct(logits, Tensor.create(new long[] {0, 1, 1, 0}, 4)));
    }

    @Test
    void rejectsMismatchedShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Accuracy.top1Correct(Tensor.create(new float[6], 2, 3), Tensor.create(new long[3], 3)));
        assertEquals("top1Correct: need logits [B, classes] and labels [B], got [2, 3] and [3]", e.getMessage());
    }
}
