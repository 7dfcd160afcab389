package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.layers.Conv2d;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Float32 convolutions agree with float64 in the shapes where libtorch's oneDNN path is wrong on this
 * project's CPUs (see {@link NativeDefaults}): building a {@link Module} switches oneDNN off.
 */
class NativeDefaultsTest {

    @ParameterizedTest(name = "{0}->{1} channels, {2}x{2}")
    @CsvSource({"3, 6, 5", "6, 8, 3", "16, 12, 3", "17, 40, 3", "6, 16, 5"})
    void conv2dForwardAndInputGradientMatchFloat64(int in, int out, int kernel) {
        try (PointerScope scope = new PointerScope();
                Conv2d conv = Conv2d.builder().setInChannels(in).setOutChannels(out).setKernelSize(kernel).optPadding(1).build()) {
            assertFalse(torch.globalContext().userEnabledMkldnn(), "oneDNN must be off once a Module exists");
            assertFalse(torch.globalContext().userEnabledNNPACK(), "NNPACK must be off once a Module exists");
            torch.manual_seed(1);
            Tensor x = torch.randn(8, in, 12, 12).requires_grad_(true);
            Tensor y = conv.call(x);
            Tensor g = torch.randn(y.sizes().vec().get());
            y.mul(g).sum().backward();

            Tensor x64 = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
            Tensor y64 = torch.conv2d(x64, conv.weight().detach().to(torch.ScalarType.Double),
                    new TensorOptional(conv.bias().detach().to(torch.ScalarType.Double)), new long[] {1}, new long[] {1},
                    new long[] {1}, 1);
            y64.mul(g.to(torch.ScalarType.Double)).sum().backward();
            double forward = y.to(torch.ScalarType.Double).sub(y64).abs().max().item_double();
            double inputGrad = x.grad().to(torch.ScalarType.Double).sub(x64.grad()).abs().max().item_double();
            // oneDNN gave 1.5–29 (and NaN for 17->40) here; float32 rounding is ~1e-5
            assertTrue(forward < 1e-4, "forward max |Δ| " + forward);
            assertTrue(inputGrad < 1e-4, "input gradient max |Δ| " + inputGrad);
        }
    }
}
