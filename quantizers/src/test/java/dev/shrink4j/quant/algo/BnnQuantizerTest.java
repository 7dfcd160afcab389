package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.compress.config.ConfigList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class BnnQuantizerTest {

    static BnnQuantizer bnn(OneLinear net, String types) {
        return new BnnQuantizer(net, ConfigList.fromJson("[{\"quant_types\": " + types + ", \"quant_bits\": 1,"
                + " \"op_names\": [\"fc\"]}]"), null);
    }

    @Test
    void weightsAreSignsWithZeroAsPlusOneAndStraightThroughGradient() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {-0.5f, 0f, 2f, -3f}); BnnQuantizer q = bnn(net, "[\"weight\"]")) {
            q.compress();
            Tensor wq = net.fc.parametrized("weight");
            assertArrayEquals(new float[] {-1f, 1f, 1f, -1f}, values(wq));
            wq.mul(Tensor.create(new float[] {1f, 2f, 3f, 4f}, 2, 2)).sum().backward();
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, values(net.fc.weight().grad()), "|w| > 1 is not masked for weights");
        }
    }

    @Test
    void outputsAreSignsWithGradientZeroedWhereAbsAboveOne() {
        // identity weights: the layer's output is its input
        try (OneLinear net = new OneLinear(7, 7, values(torch.eye(7))); BnnQuantizer q = bnn(net, "[\"output\"]")) {
            q.compress();
            Tensor x = Tensor.create(new float[] {-2f, -1f, -0.5f, 0f, 0.5f, 1f, 1.5f}, 1, 7).requires_grad_(true);
            Tensor y = net.call(x);
            assertArrayEquals(new float[] {-1f, -1f, -1f, 1f, 1f, 1f, 1f}, values(y));
            y.sum().backward();
            assertArrayEquals(new float[] {0f, 1f, 1f, 1f, 1f, 1f, 0f}, values(x.grad()), "|x| = 1 passes, |x| > 1 is cut");
        }
    }

    @Test
    void calibrationReportsOneBitAndIntegerExportIsPlusMinusOneInt8() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {-0.5f, 0f, 2f, -3f});
                BnnQuantizer q = bnn(net, "[\"weight\", \"output\"]")) {
            q.compress();
            assertEquals("{\"fc\":{\"weight_bits\":1,\"output_bits\":1}}", q.calibrationConfig().toString());
            Map<String, Tensor> ints = q.integerStateDict();
            assertEquals(List.of("fc.weight", "fc.weight_scale", "fc.weight_zero_point"), List.copyOf(ints.keySet()));
            Tensor w = ints.get("fc.weight");
            assertEquals(torch.ScalarType.Char, w.scalar_type().intern());
            long[] b = new long[4];
            w.to(torch.ScalarType.Long).contiguous().data_ptr_long().get(b);
            assertArrayEquals(new long[] {-1, 1, 1, -1}, b);
            assertEquals(1.0, ints.get("fc.weight_scale").item_double());
            assertEquals(0L, ints.get("fc.weight_zero_point").item_long());
        }
    }
}
