package dev.shrink4j.quant.export;

import dev.shrink4j.quant.QParams;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Converts a fake-quantized weight to the integers of its grid ({@link QParams}): the tensors a
 * deployment runtime loads, {@code <layer>.weight} (int8 for grids inside {@code [−128, 127]}, uint8
 * for grids inside {@code [0, 255]}), {@code <layer>.weight_scale} (float32) and
 * {@code <layer>.weight_zero_point} (the integer weight's type, as ONNX's {@code QuantizeLinear} pairs
 * them). Scale and zero point keep {@link QParams}'s shapes (0-dimensional per tensor,
 * {@code [C, 1, …]} per channel), so {@code scale · (q − zero_point)} broadcasts as it is.
 *
 * <p>The integers are {@link QParams#quantize} of the fake-quantized weight; every conversion is checked:
 * {@link QParams#dequantize} of the integers must equal the fake-quantized weight bit for bit, or the
 * export fails rather than write weights that differ from what the model computed with.
 */
public final class IntegerWeights {

    /** Key suffix of the scales. */
    public static final String WEIGHT_SCALE = "weight_scale";
    /** Key suffix of the zero points. */
    public static final String WEIGHT_ZERO_POINT = "weight_zero_point";

    private IntegerWeights() {
    }

    /**
     * The 8-bit integer type holding {@code [qmin, qmax]} of {@code grid}: int8, else uint8.
     *
     * @throws IllegalArgumentException naming the layer when the grid needs more than 8 bits
     */
    public static torch.ScalarType storageType(String layer, QParams grid) {
        if (grid.qmin() >= Byte.MIN_VALUE && grid.qmax() <= Byte.MAX_VALUE) {
            return torch.ScalarType.Char;
        }
        if (grid.qmin() >= 0 && grid.qmax() <= 255) {
            return torch.ScalarType.Byte;
        }
        throw new IllegalArgumentException(layer + ": its weight grid [" + grid.qmin() + ", " + grid.qmax()
                + "] does not fit int8 or uint8; exportInt8 needs quant_bits <= 8");
    }

    /**
     * The three tensors of one layer, in this order: {@code <layer>.weight} (integers),
     * {@code <layer>.weight_scale}, {@code <layer>.weight_zero_point}. Fresh tensors, owned by the
     * caller's scope.
     *
     * @param fakeQuantWeight the weight as the quantized forward uses it
     * @throws IllegalStateException naming the layer when the integers do not dequantize to
     *     {@code fakeQuantWeight} exactly
     */
    public static Map<String, Tensor> entries(String layer, Tensor fakeQuantWeight, QParams grid) {
        torch.ScalarType type = storageType(layer, grid);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor w = fakeQuantWeight.detach();
            Tensor q = grid.quantize(w);
            try (PointerScope check = new PointerScope()) {
                Tensor back = grid.dequantize(q);
                if (!back.equal(w)) {
                    long differ = back.ne(w).sum().item_long();
                    throw new IllegalStateException(layer + ": " + differ + " of " + w.numel()
                            + " weights do not lie exactly on the integer grid (scale·(q − zero_point)); the integer export"
                            + " would not reproduce the fake-quantized weights");
                }
            }
            out.put(layer + ".weight", q.to(type));
            out.put(layer + "." + WEIGHT_SCALE, grid.scale().detach().to(torch.ScalarType.Float).clone());
            out.put(layer + "." + WEIGHT_ZERO_POINT, grid.zeroPoint().detach().to(type));
        }
        return out;
    }
}
