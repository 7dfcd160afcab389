package dev.shrink4j.distill.connectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonParser;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Connectors against PyTorch 1.13 ({@code samples/python/distill_reference.py}, "layers and connectors",
 * which builds each connector from {@code torch.nn} as MMRazor does): input
 * {@code (((arange(96)*5) % 9)/3 − 1).reshape(2,3,4,4)}; the i-th parameter in state-dict order holds
 * {@code ((arange(n)*(2i+3)) % 11 − 5)/20}; modules in training mode (batch norms use the batch's
 * statistics). Float32 here against float64 there, hence tolerances of 1e-5 relative.
 */
class ConnectorValuesTest {

    static Tensor input() {
        return torch.arange(new Scalar(96)).mul(new Scalar(5)).remainder(new Scalar(9)).toType(torch.ScalarType.Float)
                .div(new Scalar(3.0)).sub(new Scalar(1.0)).reshape(2, 3, 4, 4);
    }

    static <M extends Module> M fill(M module) {
        int i = 0;
        for (Tensor p : module.namedParameters().values()) {
            p.detach().copy_(torch.arange(new Scalar(p.numel())).mul(new Scalar(2 * i + 3)).remainder(new Scalar(11))
                    .sub(new Scalar(5)).toType(torch.ScalarType.Float).div(new Scalar(20.0)).reshape(p.shape()));
            i++;
        }
        return module;
    }

    /** Shape, sum, L2 norm, first and last element as the script printed them. */
    static void summary(Tensor y, long[] shape, double sum, double norm, double first, double last) {
        assertArrayEquals(shape, y.shape());
        Tensor f = y.detach().flatten();
        assertEquals(sum, f.sum().item_double(), 1e-5 * Math.max(1, Math.abs(sum)), "sum");
        assertEquals(norm, f.norm().item_double(), 1e-5 * Math.max(1, norm), "norm");
        assertEquals(first, f.get(0).item_double(), 1e-5, "first");
        assertEquals(last, f.get(f.numel() - 1).item_double(), 1e-5, "last");
    }

    static Connector build(String json) {
        List<String> errors = new ArrayList<>();
        Connector c = Connectors.build("connectors.c", JsonParser.parseString(json), errors);
        assertEquals(List.of(), errors);
        return c;
    }

    @Nested
    class ConvModule {
        @Test
        void convBatchNormRelu() {
            try (Connector c = fill(build("{\"type\": \"ConvModuleConnector\", \"in_channel\": 3, \"out_channel\": 4,"
                    + " \"kernel_size\": 3, \"padding\": 1, \"norm_cfg\": {\"type\": \"BN\"}}"))) {
                assertEquals(List.of("conv_module.conv.weight", "conv_module.bn.weight", "conv_module.bn.bias"),
                        new ArrayList<>(c.namedParameters().keySet()), "mmcv's names; no conv bias with a norm");
                summary(c.call(input()), new long[] {2, 4, 4, 4}, 13.667691569772918, 1.6806564140128148, 0.0, 0.2126522047549645);
            }
        }

        @Test
        void defaultIsOneByOneConvWithBiasAndRelu() {
            try (Connector c = fill(build("{\"type\": \"ConvModuleConnector\", \"in_channel\": 3, \"out_channel\": 4}"))) {
                assertEquals(List.of("conv_module.conv.weight", "conv_module.conv.bias"), new ArrayList<>(c.namedParameters().keySet()));
                summary(c.call(input()), new long[] {2, 4, 4, 4}, 14.1, 2.2626189348726933, 0.0, 0.0);
            }
        }

        @Test
        void orderWithTheNormBeforeTheConvolution() {
            try (ConvModuleConnector c = fill((ConvModuleConnector) build("{\"type\": \"ConvModuleConnector\", \"in_channel\": 3,"
                    + " \"out_channel\": 4, \"norm_cfg\": {\"type\": \"BN\"}, \"act_cfg\": {\"type\": \"LeakyReLU\","
                    + " \"negative_slope\": 0.2}, \"order\": [\"act\", \"norm\", \"conv\"]}"))) {
                assertEquals(3, c.norm().numFeatures(), "a norm before the convolution normalises its input channels");
                summary(c.call(input()), new long[] {2, 4, 4, 4}, 1.2000000000000006, 0.8211375017858491, -0.0031216335515385565,
                        -0.041981237489705045);
            }
        }

        @Test
        void mmcvInitialisation() {
            torch.manual_seed(3);
            try (ConvModuleConnector c = ConvModuleConnector.of(64, 256, false, true)) {
                // kaiming_normal_(fan_out, relu): std √(2 / (256·1·1)) = 0.0884; bias 0
                double std = c.conv().weight().std().item_double();
                assertEquals(Math.sqrt(2.0 / 256), std, 0.003);
                assertEquals(0.0, c.conv().bias().abs().max().item_double());
            }
        }

        @Test
        void aFrozenNormIsNotTrained() {
            try (Connector c = build("{\"type\": \"ConvModuleConnector\", \"in_channel\": 3, \"out_channel\": 4,"
                    + " \"norm_cfg\": {\"type\": \"BN\", \"requires_grad\": false}, \"act_cfg\": null}")) {
                assertEquals(1, c.trainableParameters().size(), "only the convolution's weight");
            }
        }
    }

    @Nested
    class FactorTransfer {
        @Test
        void translatorWithBatchNorms() {
            try (Connector c = fill(build("{\"type\": \"Translator\", \"in_channel\": 3, \"out_channel\": 5}"))) {
                summary(c.call(input()), new long[] {2, 5, 4, 4}, 9.533676619627045, 1.6710344903609775, -0.03980424237753516,
                        -0.0205058031409295);
            }
        }

        @Test
        void paraphraserPretrainReconstructsAndTrainEncodesFrozen() {
            try (Paraphraser pre = fill((Paraphraser) build("{\"type\": \"Paraphraser\", \"in_channel\": 3, \"out_channel\": 5}"));
                 Paraphraser train = fill((Paraphraser) build("{\"type\": \"Paraphraser\", \"in_channel\": 3, \"out_channel\": 5,"
                         + " \"phase\": \"train\"}"))) {
                assertEquals(Paraphraser.Phase.PRETRAIN, pre.phase());
                assertEquals(12, pre.trainableParameters().size(), "3 convs and 3 transposed convs, weight and bias");
                summary(pre.call(input()), new long[] {2, 3, 4, 4}, 1.6251465689471876, 0.529008486221897, -0.019993203295546876,
                        0.08927969946979167);
                assertEquals(List.of(), train.trainableParameters(), "frozen in the train phase");
                Tensor factor = train.call(input().requires_grad_(true));
                assertFalse(factor.requires_grad(), "encoded without gradients");
                summary(factor, new long[] {2, 5, 4, 4}, -13.325633333333336, 1.1340270821646632, -0.05170187500000002,
                        -0.035980000000000005);
            }
        }
    }

    @Nested
    class Ofd {
        @Test
        void marginFromTheNormalDistributionOfEachChannel() {
            // scipy-free reference: Φ(x) = erfc(−x/√2)/2 in Python's math module.
            double[] expected = {-0.6410777703680648, -1.027623931339495, -1.5, -0.4000133834464469};
            double[][] gammaBeta = {{1.0, 0.5}, {0.5, -1.0}, {0.5, 3.0}, {0.1, -0.4}};
            for (int c = 0; c < 4; c++) {
                assertEquals(expected[c], OFDTeacherConnector.margin(gammaBeta[c][0], gammaBeta[c][1]), 1e-13, "channel " + c);
            }
        }

        @Test
        void clipsTheTeachersFeatureAtTheMargin() {
            try (BatchNorm2d bn = new BatchNorm2d(4); OFDTeacherConnector c = new OFDTeacherConnector()) {
                bn.weight().detach().copy_(Tensor.create(new float[] {1.0f, -0.5f, 0.5f, 0.1f}, 4));
                bn.bias().detach().copy_(Tensor.create(new float[] {0.5f, -1.0f, 3.0f, -0.4f}, 4));
                c.initMargin(bn, "layer2.0.bn1");
                assertArrayEquals(new long[] {1, 4, 1, 1}, c.margin().shape());
                assertEquals(List.of(), new ArrayList<>(c.stateDict().keySet()), "not saved, as in MMRazor");
                Tensor x = torch.arange(new Scalar(32)).mul(new Scalar(5)).remainder(new Scalar(9)).toType(torch.ScalarType.Float)
                        .div(new Scalar(3.0)).sub(new Scalar(1.5)).reshape(2, 4, 2, 2).requires_grad_(true);
                Tensor y = c.call(x);
                assertFalse(y.requires_grad(), "the teacher's feature is detached");
                summary(y, new long[] {2, 4, 2, 2}, -3.217577442896144, 4.2473647131013035, -0.6410777703680648, -0.4000133834464469);
            }
        }

        @Test
        void aZeroGammaHasNoMargin() {
            try (BatchNorm2d bn = new BatchNorm2d(3); OFDTeacherConnector c = new OFDTeacherConnector()) {
                bn.weight().detach().copy_(Tensor.create(new float[] {1f, 0f, 0f}, 3));
                assertEquals("OFDTeacherConnector: the teacher's \"bn1\" has γ = 0 in channel(s) [1, 2]; the margin −E[x | x < 0]"
                        + " is undefined there", org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                                () -> c.initMargin(bn, "bn1")).getMessage());
                assertEquals("OFDTeacherConnector: the margin was not initialised from the teacher's batch norm",
                        c.inputProblem(torch.zeros(1, 3, 2, 2)));
            }
        }
    }

    @Nested
    class Functional {
        private void check(String function, String args, long[] shape, double sum, double norm, double first, double last) {
            try (Connector c = build("{\"type\": \"TorchFunctionalConnector\", \"function_name\": \"" + function + "\", \"func_args\": "
                    + args + "}")) {
                summary(c.call(input()), shape, sum, norm, first, last);
            }
        }

        @Test
        void pooling() {
            check("avg_pool2d", "{\"kernel_size\": 2}", new long[] {2, 3, 2, 2}, 7.75, 1.8948028334836786, 0.1666666666666667,
                    0.1666666666666667);
            check("avg_pool2d", "{\"kernel_size\": 3, \"stride\": 1, \"padding\": 1, \"count_include_pad\": false}",
                    new long[] {2, 3, 4, 4}, 30.916666666666664, 3.705289012569285, 0.1666666666666667, 0.1666666666666667);
            check("max_pool2d", "{\"kernel_size\": 2, \"stride\": 1}", new long[] {2, 3, 3, 3}, 77.33333333333333,
                    10.645812948447535, 1.3333333333333335, 1.3333333333333335);
            check("adaptive_avg_pool2d", "{\"output_size\": [1, 2]}", new long[] {2, 3, 1, 2}, 3.8749999999999996,
                    1.2781551375148306, 0.08333333333333333, 0.25000000000000006);
            check("adaptive_max_pool2d", "{\"output_size\": 2}", new long[] {2, 3, 2, 2}, 34.333333333333336, 7.0945988845975885,
                    1.3333333333333335, 1.3333333333333335);
        }

        @Test
        void interpolation() {
            check("interpolate", "{\"size\": 7}", new long[] {2, 3, 7, 7}, 91.0, 15.835964693626279, -1.0, 1.3333333333333335);
            check("interpolate", "{\"scale_factor\": 1.5}", new long[] {2, 3, 6, 6}, 63.0, 13.5030860670194, -1.0,
                    1.3333333333333335);
            check("interpolate", "{\"size\": [6, 8], \"mode\": \"bilinear\"}", new long[] {2, 3, 6, 8}, 93.0, 10.75069980495671,
                    -1.0, 1.3333333333333335);
            check("interpolate", "{\"scale_factor\": 2, \"mode\": \"bilinear\", \"align_corners\": true}", new long[] {2, 3, 8, 8},
                    123.75510204081633, 12.209844004722136, -1.0, 1.3333333333333335);
        }

        @Test
        void normalizeSoftmaxFlatten() {
            check("normalize", "{}", new long[] {2, 3, 4, 4}, 13.82867276211256, 5.65685424949238, -0.4242640687119285,
                    0.565685424949238);
            check("softmax", "{\"dim\": 1}", new long[] {2, 3, 4, 4}, 32.0, 3.615799866046165, 0.03890418640935903,
                    0.40119002703707507);
            check("flatten", "{}", new long[] {2, 48}, 31.0, 9.02465758045392, -1.0, 1.3333333333333335);
        }
    }
}
