package dev.shrink4j.prune;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import org.bytedeco.pytorch.Tensor;

/** Small convolution models with hand-settable weights, shared by the filter pruners' tests. */
public final class TestConvs {

    private TestConvs() {
    }

    /** One 1×1 convolution {@code conv}: output channel c is {@code Σ_i w[c, i]·x[i] + b[c]}. */
    public static final class OneConv extends Module {
        public final Conv2d conv;

        public OneConv(long in, long out) {
            conv = registerModule("conv", new Conv2d(in, out, 1));
        }

        @Override
        protected Tensor forward(Tensor x) {
            return conv.call(x);
        }
    }

    /**
     * Two 1×1 convolutions 1 → {@code channels}, {@code a} and {@code b}, whose outputs are added (a residual
     * group), optionally followed by a 1×1 convolution {@code c}, {@code channels} → {@code channels}, that is
     * in no group.
     */
    public static final class AddedConvs extends Module {
        public final Conv2d a;
        public final Conv2d b;
        public final Conv2d c;

        public AddedConvs(long channels, boolean thenConv) {
            a = registerModule("a", new Conv2d(1, channels, 1));
            b = registerModule("b", new Conv2d(1, channels, 1));
            c = thenConv ? registerModule("c", new Conv2d(channels, channels, 1)) : null;
        }

        @Override
        protected Tensor forward(Tensor x) {
            Tensor sum = a.call(x).add(b.call(x));
            return c == null ? sum : c.call(sum);
        }
    }
}
