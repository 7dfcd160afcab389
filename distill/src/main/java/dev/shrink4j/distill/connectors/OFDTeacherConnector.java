package dev.shrink4j.distill.connectors;

import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.nn.layers.BatchNorm2d;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Overhaul feature distillation's teacher connector (MMRazor's {@code OFDTeacherConnector}): the
 * teacher's pre-ReLU feature clipped from below at a per-channel margin, {@code max(x.detach(), margin)},
 * so that the student is not asked to reproduce negative values the ReLU discards anyway.
 *
 * <p>The margin is the expected value of the feature's negative part, from the batch norm that produced
 * it: with {@code s = |γ|} and {@code m = β} of the channel, {@code m − s·φ(m/s)/Φ(−m/s)} when
 * {@code Φ(−m/s) > 0.001}, else {@code −3s} (φ, Φ: the standard normal density and distribution). A
 * distiller sets it ({@link #initMargin}) from the teacher's {@code BatchNorm2d} that the mapping's recorder
 * names, after the teacher's weights are loaded. No options. The margin is a non-persistent buffer of shape
 * {@code [1, C, 1, 1]}, recomputed on every attach, not part of the state dict (as in MMRazor).
 */
public final class OFDTeacherConnector extends Connector {

    /** The config name. */
    public static final String TYPE = "OFDTeacherConnector";
    private static final String MARGIN = "margin";

    /** A connector whose margin is still to be set. */
    public OFDTeacherConnector() {
        super(TYPE);
    }

    static OFDTeacherConnector read(ConfigReader r) {
        return new OFDTeacherConnector();
    }

    /**
     * Sets the margin from {@code bn}'s γ and β.
     *
     * @throws IllegalArgumentException when {@code bn} has no γ/β, or a channel's γ is 0 (the margin is then
     *     undefined), naming {@code bnName} and the channel
     */
    public void initMargin(BatchNorm2d bn, String bnName) {
        if (!bn.affine()) {
            throw new IllegalArgumentException(TYPE + ": the teacher's \"" + bnName + "\" has no γ and β (affine=False)");
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            double[] gamma = values(bn.weight());
            double[] beta = values(bn.bias());
            double[] margin = new double[gamma.length];
            List<Integer> zero = new ArrayList<>();
            for (int c = 0; c < gamma.length; c++) {
                double s = Math.abs(gamma[c]);
                if (s == 0) {
                    zero.add(c);
                    continue;
                }
                margin[c] = margin(s, beta[c]);
            }
            if (!zero.isEmpty()) {
                throw new IllegalArgumentException(TYPE + ": the teacher's \"" + bnName + "\" has γ = 0 in channel(s) " + zero
                        + "; the margin −E[x | x < 0] is undefined there");
            }
            float[] asFloat = new float[margin.length];
            for (int c = 0; c < margin.length; c++) {
                asFloat[c] = (float) margin[c];
            }
            Tensor fresh = Tensor.create(asFloat, 1, margin.length, 1, 1);
            Tensor existing = getBuffer(MARGIN);
            if (existing == null) {
                registerBuffer(MARGIN, fresh.clone(), false);
            } else if (existing.size(1) == margin.length) {
                existing.copy_(fresh);
            } else {
                throw new IllegalArgumentException(TYPE + ": the margin has " + existing.size(1) + " channels but the teacher's \""
                        + bnName + "\" has " + margin.length);
            }
        }
    }

    /** The margin of one channel from {@code s = |γ|} and {@code m = β}. */
    static double margin(double s, double m) {
        double cdf = 0.5 * erfc(m / s / Math.sqrt(2.0));
        if (cdf > 0.001) {
            double pdf = Math.exp(-(m / s) * (m / s) / 2) / Math.sqrt(2 * Math.PI);
            return m - s * pdf / cdf;
        }
        return -3 * s;
    }

    /** libtorch's {@code erfc} in float64: the complementary error function to full double precision. */
    private static double erfc(double x) {
        return torch.erfc(Tensor.create(new double[] {x}, 1)).item_double();
    }

    private static double[] values(Tensor t) {
        Tensor d = t.detach().toType(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }

    /** Whether {@link #initMargin} has run. */
    public boolean hasMargin() {
        return getBuffer(MARGIN) != null;
    }

    /** The margin {@code [1, C, 1, 1]}, or null before {@link #initMargin}. */
    public Tensor margin() {
        return getBuffer(MARGIN);
    }

    @Override
    protected Tensor forward(Tensor input) {
        Tensor margin = getBuffer(MARGIN);
        if (margin == null) {
            throw new IllegalStateException(TYPE + ": the margin was not initialised from the teacher's batch norm");
        }
        return torch.max(input.detach(), margin.to(input.scalar_type()));
    }

    @Override
    public String inputProblem(Tensor input) {
        Tensor margin = getBuffer(MARGIN);
        return margin == null ? TYPE + ": the margin was not initialised from the teacher's batch norm"
                : channelProblem(input, margin.size(1));
    }

    /** None: the margin is computed from the teacher, not trained. */
    @Override
    public List<Tensor> trainableParameters() {
        return List.of();
    }
}
