package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.arange;
import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LinearTest {

    @Test
    void computesXTimesWeightTransposedPlusBias() {
        try (Linear fc = new Linear(3, 2)) {
            set(fc.weight(), 0, 1, 2, 3, 4, 5);
            set(fc.bias(), 1, -1);
            Tensor x = Tensor.create(new float[] {1, 2, 3, 0, 0, 1}, 2, 3);
            // row 1: [0+2+6+1, 3+8+15-1]; row 2: [2+1, 5-1]
            assertArrayEquals(new float[] {9, 25, 3, 4}, values(fc.call(x)));
        }
    }

    @Test
    void withoutBiasHasOnlyAWeight() {
        try (Linear fc = new Linear(4, 1, false)) {
            set(fc.weight(), 1, 1, 1, 1);
            assertArrayEquals(new float[] {6}, values(fc.call(arange(1, 4))));
            assertArrayEquals(new long[] {1, 4}, fc.weight().shape());
            org.junit.jupiter.api.Assertions.assertNull(fc.bias());
        }
    }
}
