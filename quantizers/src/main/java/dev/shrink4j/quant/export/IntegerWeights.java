package dev.shrink4j.quant.export;

import dev.shrink4j.quant.core.QParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * {@link #dequantize(Map)} turns a state dict of such entries back into the float32 fake-quantized
 * weights, for loading into a plain model.
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
     * The float32 state dict of an integer export: every {@code <layer>.weight} that has a
     * {@code <layer>.weight_scale} and a {@code <layer>.weight_zero_point} becomes
     * {@code weight_scale · (weight − weight_zero_point)}, computed as {@link QParams#dequantize} does
     * (so it equals the fake-quantized weight the export was checked against, bit for bit), and the
     * scale and zero point are dropped; every other tensor is passed through as it is. The order is
     * kept. The new tensors belong to the caller's scope.
     *
     * @throws IllegalArgumentException listing every key that is a scale or zero point without its
     *     partners, or an integer weight that is not int8/uint8 or whose scale is not floating point
     */
    public static Map<String, Tensor> dequantize(Map<String, Tensor> integerStateDict) {
        List<String> problems = new ArrayList<>();
        for (String key : integerStateDict.keySet()) {
            for (String suffix : new String[] {WEIGHT_SCALE, WEIGHT_ZERO_POINT}) {
                if (key.endsWith("." + suffix)) {
                    String layer = key.substring(0, key.length() - suffix.length() - 1);
                    for (String partner : new String[] {"weight", WEIGHT_SCALE, WEIGHT_ZERO_POINT}) {
                        if (!integerStateDict.containsKey(layer + "." + partner)) {
                            problems.add(key + ": no " + layer + "." + partner + " to go with it");
                        }
                    }
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : integerStateDict.entrySet()) {
                String key = e.getKey();
                if (key.endsWith("." + WEIGHT_SCALE) || key.endsWith("." + WEIGHT_ZERO_POINT)) {
                    continue;
                }
                String layer = key.endsWith(".weight") ? key.substring(0, key.length() - ".weight".length()) : null;
                Tensor scale = layer == null ? null : integerStateDict.get(layer + "." + WEIGHT_SCALE);
                Tensor zeroPoint = layer == null ? null : integerStateDict.get(layer + "." + WEIGHT_ZERO_POINT);
                if (scale == null || zeroPoint == null) {
                    out.put(key, e.getValue());
                    continue;
                }
                torch.ScalarType type = e.getValue().scalar_type().intern();
                if (type != torch.ScalarType.Char && type != torch.ScalarType.Byte) {
                    problems.add(key + ": integer weights must be int8 or uint8, got " + type);
                    continue;
                }
                if (!scale.is_floating_point()) {
                    problems.add(layer + "." + WEIGHT_SCALE + ": must be floating point, got " + scale.scalar_type().intern());
                    continue;
                }
                Tensor q = e.getValue().to(torch.ScalarType.Float);
                out.put(key, scale.to(torch.ScalarType.Float).mul(q.sub(zeroPoint.to(torch.ScalarType.Float))));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("not an integer-weight state dict:\n  " + String.join("\n  ", problems));
        }
        return out;
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
