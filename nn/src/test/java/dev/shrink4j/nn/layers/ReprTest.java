package dev.shrink4j.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.nn.Module;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every layer's one-line description, framed once by {@code Module.toString()} around the layer's
 * {@code extraRepr()}: the strings are the ones each layer printed with its own {@code toString} before.
 */
class ReprTest {

    @Test
    void layersPrintTheirTypeAndArguments() {
        List<Module> layers = List.of(
                Conv2d.builder().setInChannels(4).setOutChannels(8).setKernelSize(3, 1).optStride(2).optPadding(1)
                        .optDilation(2).optGroups(4).optBias(false).build(),
                ConvTranspose2d.builder(4, 2, 3).optStride(2).optPadding(1).optOutputPadding(1).build(),
                new Linear(3, 2, false), new BatchNorm1d(5), new BatchNorm2d(3), new MaxPool2d(2), new AvgPool2d(3, 1, 1),
                new AdaptiveAvgPool2d(1), new AdaptiveAvgPool2d(2, 3), new Dropout(0.25), new LeakyReLU(0.1),
                new ChannelPad(2, 1, 2, 2), new ReLU());
        List<String> expected = List.of(
                "Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=4, bias=False)",
                "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))",
                "Linear(in_features=3, out_features=2, bias=False)",
                "BatchNorm1d(5, eps=1.0E-5, momentum=0.1, affine=True, track_running_stats=True)",
                "BatchNorm2d(3, eps=1.0E-5, momentum=0.1, affine=True, track_running_stats=True)",
                "MaxPool2d(kernel_size=2, stride=2, padding=0)",
                "AvgPool2d(kernel_size=3, stride=1, padding=1)",
                "AdaptiveAvgPool2d(output_size=1)",
                "AdaptiveAvgPool2d(output_size=(2, 3))",
                "Dropout(p=0.25)",
                "LeakyReLU(negative_slope=0.1)",
                "ChannelPad(2, before=1, after=2, stride=2)",
                "ReLU()");
        try {
            assertEquals(expected, layers.stream().map(Object::toString).toList());
        } finally {
            layers.forEach(Module::close);
        }
    }
}
