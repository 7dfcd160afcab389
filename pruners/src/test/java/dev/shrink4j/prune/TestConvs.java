package dev.shrink4j.prune;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Add;
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
     * group, summed by an {@link Add} so the tracer sees it), optionally followed by a 1×1 convolution {@code c}, {@code channels} → {@code channels}, that is
     * in no group.
     */
    public static final class AddedConvs extends Module {
        public final Conv2d a;
        public final Conv2d b;
        public final Conv2d c;
        public final Add add;

        public AddedConvs(long channels, boolean thenConv) {
            a = registerModule("a", new Conv2d(1, channels, 1));
            b = registerModule("b", new Conv2d(1, channels, 1));
            add = registerModule("add", new Add());
            c = thenConv ? registerModule("c", new Conv2d(channels, channels, 1)) : null;
        }

        @Override
        protected Tensor forward(Tensor x) {
            Tensor sum = add.call(a.call(x), b.call(x));
            return c == null ? sum : c.call(sum);
        }
    }
}
