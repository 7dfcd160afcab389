package dev.shrink4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Against PyTorch 1.13 ({@code samples/python/distill_reference.py}, "layers and connectors"): the input is
 * {@code (((arange(96)*5) % 9)/3 − 1).reshape(2,3,4,4)} and the i-th parameter in state-dict order holds
 * {@code ((arange(n)*(2i+3)) % 11 − 5)/20}.
 */
class ConvTranspose2dTest {

    private static Tensor input() {
        return torch.arange(new Scalar(96)).mul(new Scalar(5)).remainder(new Scalar(9)).toType(torch.ScalarType.Float)
                .div(new Scalar(3.0)).sub(new Scalar(1.0)).reshape(2, 3, 4, 4);
    }

    private static void fill(Tensor p, int index) {
        p.detach().copy_(torch.arange(new Scalar(p.numel())).mul(new Scalar(2 * index + 3)).remainder(new Scalar(11))
                .sub(new Scalar(5)).toType(torch.ScalarType.Float).div(new Scalar(20.0)).reshape(p.shape()));
    }

    @Test
    void stridedTransposedConvolutionMatchesPyTorch() {
        try (ConvTranspose2d up = ConvTranspose2d.builder(3, 2, 3).optStride(2)
                .optPadding(1).optOutputPadding(1).build()) {
            assertArrayEquals(new long[] {3, 2, 3, 3}, up.getParameter("weight").shape(), "PyTorch's layout: [in, out/groups, k, k]");
            fill(up.getParameter("weight"), 0);
            fill(up.getParameter("bias"), 1);
            Tensor y = up.call(input());
            assertArrayEquals(new long[] {2, 2, 8, 8}, y.shape());
            // PyTorch: sum -33.550000000000004, norm 7.718682242167727, first -0.1333…, last -0.01666…
            assertEquals(-33.55, y.sum().item_double(), 1e-4);
            assertEquals(7.718682242167727, y.norm().item_double(), 1e-5);
            assertEquals(-0.13333333333333325, y.flatten().get(0).item_double(), 1e-6);
            assertEquals(-0.016666666666666677, y.flatten().get(127).item_double(), 1e-6);
            assertEquals("ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))",
                    up.toString());
        }
    }

    @Test
    void squareChannelsAtStrideOneMatchPyTorch() {
        // with oneDNN on, libtorch's float32 conv_transpose2d gave 14310 here on the AMD EPYC machine; PyTorch 1.13 and float64 give 42930.
        Tensor x = torch.arange(new Scalar(160)).remainder(new Scalar(7)).toType(torch.ScalarType.Float).reshape(2, 5, 4, 4);
        Tensor w = torch.arange(new Scalar(225)).remainder(new Scalar(5)).toType(torch.ScalarType.Float).reshape(5, 5, 3, 3);
        assertEquals(42930.0, ConvTranspose2d.convTranspose2d(x, w, null, 1, 0, 0, 1, 1).sum().item_double());
        assertEquals(29970.0, ConvTranspose2d.convTranspose2d(x, w, null, 1, 1, 0, 1, 1).sum().item_double());
        // grouped, strided, dilated: against libtorch's float64 conv_transpose2d, which is right
        Tensor x6 = torch.arange(new Scalar(2 * 6 * 16)).remainder(new Scalar(6)).toType(torch.ScalarType.Float).reshape(2, 6, 4, 4);
        Tensor w6 = torch.arange(new Scalar(6 * 2 * 9)).remainder(new Scalar(4)).toType(torch.ScalarType.Float).reshape(6, 2, 3, 3);
        Tensor mine = ConvTranspose2d.convTranspose2d(x6, w6, null, 2, 1, 1, 2, 3);
        Tensor reference = torch.conv_transpose2d(x6.toType(torch.ScalarType.Double), w6.toType(torch.ScalarType.Double),
                new org.bytedeco.pytorch.TensorOptional(), new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, 3, 2, 2);
        assertArrayEquals(reference.shape(), mine.shape());
        assertEquals(0.0, mine.toType(torch.ScalarType.Double).sub(reference).abs().max().item_double(), 1e-3);
    }

    @Test
    void defaultInitialisationBoundUsesDimensionOneAsFanIn() {
        try (ConvTranspose2d up = new ConvTranspose2d(4, 2, 3)) {
            // fan_in = weight.size(1)·k·k = 2·9 = 18: every weight and bias within 1/√18.
            double bound = 1 / Math.sqrt(18);
            assertEquals(true, up.getParameter("weight").abs().max().item_double() <= bound);
            assertEquals(true, up.getParameter("bias").abs().max().item_double() <= bound);
        }
    }

    @Test
    void rejectsAnOutputPaddingNotBelowStrideOrDilation() {
        assertEquals("ConvTranspose2d: output_padding 1 must be non-negative and smaller than either stride 1 or dilation 1",
                assertThrows(IllegalArgumentException.class, () -> ConvTranspose2d.builder(1, 1, 3).optOutputPadding(1).build()).getMessage());
    }

    @Test
    void leakyReluScalesNegativeValues() {
        try (LeakyReLU act = new LeakyReLU(0.1)) {
            Tensor y = act.call(input());
            // PyTorch: sum 50.8, norm 8.031465896363155, first -0.1 (from -1), last 1.3333…
            assertEquals(50.8, y.sum().item_double(), 1e-4);
            assertEquals(8.031465896363155, y.norm().item_double(), 1e-5);
            assertEquals(-0.1, y.flatten().get(0).item_double(), 1e-7);
            assertEquals("LeakyReLU(negative_slope=0.1)", act.toString());
        }
    }
}
