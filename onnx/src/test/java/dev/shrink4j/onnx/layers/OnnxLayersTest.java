package dev.shrink4j.onnx.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import java.util.OptionalDouble;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The layers the importer adds: values by hand, and how the channel analysis sees them. */
class OnnxLayersTest {

    static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    static float[] apply(Module m, float... x) {
        try (PointerScope s = new PointerScope()) {
            return values(m.call(Tensor.create(x, x.length)));
        }
    }

    @Test
    void activationsComputeTheirFormulas() {
        float[] x = {-4f, -3f, -1f, 0f, 1.5f, 3f, 4f};
        // hardswish: x·min(max(x + 3, 0), 6)/6
        assertArrayEquals(new float[] {0f, 0f, -1f / 3, 0f, 1.5f * 4.5f / 6, 3f, 4f}, apply(new HardSwish(), x), 1e-6f);
        // ONNX's default hard sigmoid: max(0, min(1, 0.2·x + 0.5))
        assertArrayEquals(new float[] {0f, 0f, 0.3f, 0.5f, 0.8f, 1f, 1f}, apply(new HardSigmoid(0.2, 0.5), x), 1e-6f);
        assertArrayEquals(new float[] {-1.5f, -1.5f, -1f, 0f, 1.5f, 2f, 2f},
                apply(new Clamp(OptionalDouble.of(-1.5), OptionalDouble.of(2)), x), 1e-6f);
        assertArrayEquals(new float[] {-4f, -3f, -1f, 0f, 1f, 1f, 1f}, apply(new Clamp(OptionalDouble.empty(), OptionalDouble.of(1)), x));
        assertEquals(1 / (1 + Math.exp(1.5)), apply(new Sigmoid(), -1.5f)[0], 1e-7);
    }

    @Test
    void elementwiseBroadcastsAGateOverTheImage() {
        try (PointerScope s = new PointerScope(); Elementwise mul = new Elementwise(Elementwise.Op.MUL)) {
            Tensor x = torch.ones(1, 2, 2, 2);
            Tensor gate = Tensor.create(new float[] {0.5f, 3f}, 1, 2, 1, 1);
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 3f, 3f, 3f, 3f}, values(mul.call(x, gate)));
        }
    }

    /** conv a (3 → 8), the layer under test, conv b (8 → 4). */
    static final class Chain extends Module {
        final Conv2d a = registerModule("a", new Conv2d(3, 8, 1));
        final Module middle;
        final Conv2d b;

        Chain(Module middle) {
            this.middle = registerModule("middle", middle);
            this.b = registerModule("b", new Conv2d(8, 4, 1));
        }

        @Override
        protected Tensor forward(Tensor x) {
            return b.call(middle.call(a.call(x)));
        }
    }

    static ChannelGroup groupOfA(Supplier<Module> middle) {
        try (Chain chain = new Chain(middle.get()); PointerScope s = new PointerScope()) {
            return DependencyGroups.trace(chain, torch.zeros(1, 3, 4, 4)).groupOf("a", ChannelDim.OUT);
        }
    }

    @Test
    void channelwiseLayersLetChannelsBePrunedThroughThemAndOthersPinThem() {
        assertTrue(groupOfA(HardSwish::new).isPrunable());
        assertTrue(groupOfA(Sigmoid::new).isPrunable());
        assertTrue(groupOfA(() -> new HardSigmoid(0.2, 0.5)).isPrunable());
        assertTrue(groupOfA(() -> new Clamp(OptionalDouble.of(-1), OptionalDouble.of(1))).isPrunable());
        assertTrue(groupOfA(() -> new ConstantOperand(Elementwise.Op.MUL, torch.tensor(0.5f))).isPrunable());
        assertTrue(groupOfA(() -> new Pool2dFull(Pool2dFull.Kind.MAX, new long[] {3, 3}, new long[] {1, 1}, new long[] {1, 1},
                new long[] {1, 1}, true, false)).isPrunable());
        // a per-channel constant cannot follow removed channels, nor can a shuffle that moves them
        ChannelGroup perChannel = groupOfA(() -> new ConstantOperand(Elementwise.Op.ADD, torch.ones(8, 1, 1)));
        assertFalse(perChannel.isPrunable());
        assertEquals("middle (ConstantOperand) has no channel rule", perChannel.pinReason(0).orElseThrow());
        assertFalse(groupOfA(() -> new ChannelShuffle(2)).isPrunable());
    }
}
