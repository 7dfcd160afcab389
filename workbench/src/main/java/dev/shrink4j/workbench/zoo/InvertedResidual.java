package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileNetV2's inverted residual block (torchvision's {@code InvertedResidual}): with
 * {@code hidden = round(inp * expandRatio)}, {@code conv = Sequential(}[1×1 expand {@link ConvBNReLU6}
 * when {@code expandRatio != 1}], 3×3 depthwise {@link ConvBNReLU6} with the stride, 1×1 linear projection
 * {@link Conv2d} (no bias), {@link BatchNorm2d}{@code )}; the input is added back when
 * {@code stride == 1 && inp == oup}, through an {@link Add} module {@code add} (no state; registered only then,
 * so that hooks and the model-graph tracer see the residual sum). Keys: {@code conv.0.0.weight}, …, {@code conv.2.weight}/{@code conv.3.*}
 * (or {@code conv.1.weight}/{@code conv.2.*} without expansion), as torchvision's.
 */
public class InvertedResidual extends Module {

    public final Sequential conv;
    private final boolean useResConnect;
    private final Add add;

    /** A block from {@code inp} to {@code oup} channels. */
    public InvertedResidual(long inp, long oup, long stride, double expandRatio) {
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("InvertedResidual stride should be 1 or 2, got " + stride);
        }
        long hidden = Math.round(inp * expandRatio);
        useResConnect = stride == 1 && inp == oup;
        Sequential layers = new Sequential();
        if (expandRatio != 1) {
            layers.add(ConvBNReLU6.of(inp, hidden, 1, 1, 1));
        }
        layers.add(ConvBNReLU6.of(hidden, hidden, 3, stride, hidden));
        layers.add(Conv2d.builder().setInChannels(hidden).setOutChannels(oup).setKernelSize(1).optBias(false).build());
        layers.add(new BatchNorm2d(oup));
        conv = registerModule("conv", layers);
        add = useResConnect ? registerModule("add", new Add()) : null;
    }

    /** Whether forward adds the input to the block's output. */
    public boolean usesResidual() {
        return useResConnect;
    }

    @Override
    protected Tensor forward(Tensor x) {
        Tensor y = conv.call(x);
        return useResConnect ? add.call(x, y) : y;
    }
}
