package dev.shrink4j.quant.core;

import dev.shrink4j.collect.observe.Ranges;
import dev.shrink4j.quant.config.QuantDtype;
import dev.shrink4j.quant.config.QuantScheme;
import dev.shrink4j.quant.config.QuantType;
import java.util.Objects;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Scale and zero point of an affine integer grid {@code [qmin, qmax]}, with NNI 2.x's arithmetic
 * ({@code calculate_qmin_qmax}, {@code update_quantization_param}, {@code _quantize},
 * {@code _dequantize}). Every quantizer computes its qparams here, so they agree bit for bit.
 *
 * <p><b>Range.</b> {@code uint}: {@code [0, 2^b − 1]}; {@code int}: {@code [−2^(b−1) + 1, 2^(b−1) − 1]}
 * (symmetric, −128 is never used for 8 bits).
 *
 * <p><b>From a range</b> ({@link #fromRange}): the range is first widened to contain 0,
 * {@code rmin = min(min, 0)}, {@code rmax = max(max, 0)}, so that 0 is exactly representable. Then
 * <ul>
 *   <li>affine: {@code scale = (rmax − rmin) / (qmax − qmin)},
 *       {@code zero_point = clamp(qmin − round(rmin / scale), qmin, qmax)};</li>
 *   <li>symmetric: {@code scale = max(|rmin|, |rmax|) / ((qmax − qmin) / 2)}, {@code zero_point = 0}
 *       for {@code int} and {@code (qmin + qmax) / 2} rounded down for {@code uint} (127 for 8 bits).</li>
 * </ul>
 * All arithmetic is float32 tensor arithmetic in NNI's operation order; {@code round} is
 * round-half-to-even, like {@code torch.round}.
 *
 * <p><b>Zero range.</b> A tensor whose widened range is {@code [0, 0]} (all zeros) gives
 * {@code scale = 0}, where NNI divides by zero and produces NaN. Here such scales are replaced by
 * 1 (elementwise, per channel) before the zero point is computed, so the zero point is {@code qmin}
 * (affine) or the symmetric one, and zeros quantize to exactly zero. No other scale is changed.
 *
 * <p><b>Shapes.</b> Per tensor, scale and zero point are 0-dimensional; per channel they keep the
 * tensor's rank with size 1 everywhere except the channel dimension ({@link #channelDim}: 0 for
 * weights, 1 for inputs and outputs), e.g. {@code [C, 1, 1, 1]} for a conv weight: NNI's
 * {@code get_quant_shape}. They broadcast against the tensor in {@link #quantize}.
 *
 * <p><b>Quantize.</b> {@code q = round(clamp(zero_point + x / scale, qmin, qmax))}; dequantize:
 * {@code x̂ = scale · (q − zero_point)}. (NNI adds the zero point <em>before</em> rounding, which
 * differs from {@code round(x / scale) + zero_point} on exact halves.)
 *
 * <p>The record does not own its tensors: values returned by the factories are step temporaries;
 * copy them into owned buffers with {@link #copyTo} to keep them.
 *
 * @param scale     the step between grid points, float32, 0-dimensional or per channel
 * @param zeroPoint the grid value of real 0, float32 holding integers, same shape as {@code scale}
 * @param qmin      the smallest grid value
 * @param qmax      the largest grid value
 */
public record QParams(Tensor scale, Tensor zeroPoint, long qmin, long qmax) {

    /** Checks that the tensors are present and {@code qmin < qmax}. */
    public QParams {
        Objects.requireNonNull(scale, "scale");
        Objects.requireNonNull(zeroPoint, "zeroPoint");
        if (qmin >= qmax) {
            throw new IllegalArgumentException("qmin " + qmin + " must be below qmax " + qmax);
        }
    }

    /** The channel dimension NNI quantizes per channel: 0 for weights, 1 for inputs and outputs. */
    public static int channelDim(QuantType type) {
        return type == QuantType.WEIGHT ? 0 : 1;
    }

    /**
     * The shape of scale and zero point for a tensor of {@code shape} (NNI's {@code get_quant_shape}):
     * {@code []} per tensor, the broadcastable channel shape per channel.
     */
    public static long[] shape(long[] shape, QuantType type, QuantScheme scheme) {
        if (!scheme.perChannel()) {
            return new long[0];
        }
        int dim = channelDim(type);
        if (dim >= shape.length) {
            throw new IllegalArgumentException(scheme.key() + " " + type.key() + " quantization needs dimension "
                    + dim + ", but the tensor has shape " + java.util.Arrays.toString(shape));
        }
        return Ranges.channelShape(shape.length, dim, shape[dim]);
    }

    /** Validates a bit width: 1 to 31, as NNI's schema allows ({@code 0 < n < 32}). */
    public static int checkBits(int bits) {
        if (bits < 1 || bits > 31) {
            throw new IllegalArgumentException("quant_bits " + bits + " is outside [1, 31]");
        }
        return bits;
    }

    /**
     * The range of {@code x} as NNI's {@code get_min_max_value} takes it for {@code type} under
     * {@code scheme}: {@code {min, max}}, whole-tensor or per channel on {@link #channelDim}.
     */
    public static Tensor[] range(Tensor x, QuantType type, QuantScheme scheme) {
        if (scheme.perChannel()) {
            int dim = channelDim(type);
            return new Tensor[] {Ranges.min(x, dim), Ranges.max(x, dim)};
        }
        return new Tensor[] {Ranges.min(x), Ranges.max(x)};
    }

    /**
     * Scale and zero point of an observed range (NNI's {@code update_quantization_param}).
     *
     * @param min per-tensor or per-channel minimum (not modified)
     * @param max per-tensor or per-channel maximum, same shape
     */
    public static QParams fromRange(Tensor min, Tensor max, int bits, QuantDtype dtype, QuantScheme scheme) {
        checkBits(bits);
        long qmin = dtype.qmin(bits);
        long qmax = dtype.qmax(bits);
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor zero = torch.zeros_like(min.detach());
            Tensor rmin = torch.minimum(min.detach(), zero);
            Tensor rmax = torch.maximum(max.detach(), zero);
            Tensor scale;
            Tensor zeroPoint;
            if (scheme.symmetric()) {
                Tensor absMax = torch.maximum(rmin.abs(), rmax.abs());
                scale = guardZero(absMax.div(new Scalar((double) (qmax - qmin) / 2)));
                zeroPoint = dtype == QuantDtype.UINT
                        ? torch.full_like(zero, new Scalar((double) Math.floorDiv(qmin + qmax, 2L)))
                        : zero;
            } else {
                scale = guardZero(rmax.sub(rmin).div(new Scalar((double) (qmax - qmin))));
                zeroPoint = rmin.div(scale).round().neg().add(new Scalar((double) qmin));
            }
            zeroPoint = zeroPoint.clamp(new ScalarOptional(new Scalar((double) qmin)),
                    new ScalarOptional(new Scalar((double) qmax)));
            return new QParams(scale, zeroPoint, qmin, qmax);
        }
    }

    /** {@link #fromRange} of {@link #range}{@code (x, type, scheme)}: the qparams of one tensor. */
    public static QParams fromTensor(Tensor x, QuantType type, int bits, QuantDtype dtype, QuantScheme scheme) {
        Tensor[] r = range(x, type, scheme);
        return fromRange(r[0], r[1], bits, dtype, scheme);
    }

    /**
     * Qparams held in existing tensors (e.g. a layer's {@code weight_scale} and
     * {@code weight_zero_point} buffers) for the grid of {@code bits} and {@code dtype}.
     */
    public static QParams of(Tensor scale, Tensor zeroPoint, int bits, QuantDtype dtype) {
        checkBits(bits);
        return new QParams(scale, zeroPoint, dtype.qmin(bits), dtype.qmax(bits));
    }

    /** Grid values {@code round(clamp(zero_point + x / scale, qmin, qmax))}, float32, no gradient. */
    public Tensor quantize(Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            return zeroPoint.add(x.detach().div(scale)).clamp(new ScalarOptional(new Scalar((double) qmin)),
                    new ScalarOptional(new Scalar((double) qmax))).round();
        }
    }

    /** Real values {@code scale · (q − zero_point)} of grid values {@code q}. */
    public Tensor dequantize(Tensor q) {
        try (NoGradGuard g = new NoGradGuard()) {
            return scale.mul(q.sub(zeroPoint));
        }
    }

    /** {@code dequantize(quantize(x))}: the value forward computes with, no gradient. */
    public Tensor fakeQuantize(Tensor x) {
        return dequantize(quantize(x));
    }

    /**
     * 1 where {@code round(x / scale + zero_point)} lies in {@code [qmin, qmax]}, 0 elsewhere (float):
     * where NNI's {@code QATGrad} lets the gradient through.
     */
    public Tensor inRange(Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor q = x.detach().div(scale).add(zeroPoint).round();
            return q.ge(new Scalar((double) qmin)).logical_and(q.le(new Scalar((double) qmax)))
                    .to(torch.ScalarType.Float);
        }
    }

    /** Value {@link #fakeQuantize}, gradient 1 inside the grid range and 0 outside (clipped STE). */
    public Tensor fakeQuantizeClipped(Tensor x) {
        return Ste.masked(x, fakeQuantize(x), inRange(x));
    }

    /** Value {@link #fakeQuantize}, gradient 1 everywhere (plain STE). */
    public Tensor fakeQuantizeStraight(Tensor x) {
        return Ste.straightThrough(x, fakeQuantize(x));
    }

    /** Copies scale and zero point into owned buffers of the same shape, in place. */
    public void copyTo(Tensor scaleBuffer, Tensor zeroPointBuffer) {
        try (NoGradGuard g = new NoGradGuard()) {
            scaleBuffer.copy_(scale);
            zeroPointBuffer.copy_(zeroPoint);
        }
    }

    private static Tensor guardZero(Tensor scale) {
        return torch.where(scale.eq(new Scalar(0.0)), new Scalar(1.0), scale);
    }
}
