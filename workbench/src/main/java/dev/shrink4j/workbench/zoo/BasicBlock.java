package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * The two-convolution residual block of CIFAR ResNets:
 * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, with 3×3 convolutions (padding 1, no
 * bias; {@code conv1} carries the stride). The shortcut is {@link Identity} when stride and channels
 * are unchanged, otherwise a {@link PadShortcut} (option A) or {@code Sequential(Conv2d 1×1, BatchNorm2d)}
 * (option B, keys {@code shortcut.0.weight}, {@code shortcut.1.*}). Keys as akamaster's
 * {@code BasicBlock}: {@code conv1, bn1, conv2, bn2, shortcut}; the ReLU modules and the residual sum
 * ({@link Add} {@code add}, a module so that hooks and the model-graph tracer see it) hold no state.
 */
public class BasicBlock extends Module {

    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final ReLU relu1;
    public final Conv2d conv2;
    public final BatchNorm2d bn2;
    /** {@link Identity}, {@link PadShortcut} or a {@link Sequential} projection. */
    public final Module shortcut;
    /** The residual sum {@code bn2(…) + shortcut(x)}. */
    public final Add add;
    public final ReLU relu2;

    /** A block from {@code inPlanes} to {@code planes} channels with the given stride and shortcut option. */
    public BasicBlock(long inPlanes, long planes, long stride, ShortcutOption option) {
        conv1 = registerModule("conv1", ResNet.conv(inPlanes, planes, 3, stride));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        relu1 = registerModule("relu1", new ReLU());
        conv2 = registerModule("conv2", ResNet.conv(planes, planes, 3, 1));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        Module sc;
        if (stride == 1 && inPlanes == planes) {
            sc = new Identity();
        } else if (option == ShortcutOption.A) {
            sc = new PadShortcut(inPlanes, planes, stride);
        } else {
            sc = new Sequential(ResNet.conv(inPlanes, planes, 1, stride), new BatchNorm2d(planes));
        }
        shortcut = registerModule("shortcut", sc);
        add = registerModule("add", new Add());
        relu2 = registerModule("relu2", new ReLU());
    }

    @Override
    protected Tensor forward(Tensor x) {
        Tensor out = relu1.call(bn1.call(conv1.call(x)));
        out = bn2.call(conv2.call(out));
        return relu2.call(add.call(out, shortcut.call(x)));
    }
}
