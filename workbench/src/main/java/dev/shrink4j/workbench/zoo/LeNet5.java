package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.ReLU;
import org.bytedeco.pytorch.Tensor;

/**
 * LeNet-5 for 28×28 single-channel images (MNIST, Fashion-MNIST), with ReLU and max pooling as in
 * NNI's and PyTorch's examples: conv1 1→6 5×5 pad 2, pool, conv2 6→16 5×5, pool, fc1 400→120,
 * fc2 120→84, fc3 84→classes. 61,706 parameters for 10 classes.
 *
 * <p>Equivalent PyTorch definition (same state-dict keys):
 * <pre>
 * conv1=Conv2d(1,6,5,padding=2); conv2=Conv2d(6,16,5); fc1=Linear(400,120); fc2=Linear(120,84); fc3=Linear(84,10)
 * forward: pool(relu(conv1)) → pool(relu(conv2)) → flatten → relu(fc1) → relu(fc2) → fc3
 * </pre>
 */
public class LeNet5 extends Module {

    public final Conv2d conv1 = registerModule("conv1", Conv2d.builder().setInChannels(1).setOutChannels(6)
            .setKernelSize(5).optPadding(2).build());
    public final ReLU relu1 = registerModule("relu1", new ReLU());
    public final MaxPool2d pool1 = registerModule("pool1", new MaxPool2d(2));
    public final Conv2d conv2 = registerModule("conv2", new Conv2d(6, 16, 5));
    public final ReLU relu2 = registerModule("relu2", new ReLU());
    public final MaxPool2d pool2 = registerModule("pool2", new MaxPool2d(2));
    public final Flatten flatten = registerModule("flatten", new Flatten());
    public final Linear fc1 = registerModule("fc1", new Linear(16 * 5 * 5, 120));
    public final ReLU relu3 = registerModule("relu3", new ReLU());
    public final Linear fc2 = registerModule("fc2", new Linear(120, 84));
    public final ReLU relu4 = registerModule("relu4", new ReLU());
    public final Linear fc3;

    /** LeNet-5 with 10 classes. */
    public LeNet5() {
        this(10);
    }

    /** LeNet-5 with {@code numClasses} outputs. */
    public LeNet5(int numClasses) {
        fc3 = registerModule("fc3", new Linear(84, numClasses));
    }

    @Override
    protected Tensor forward(Tensor x) {
        x = pool1.call(relu1.call(conv1.call(x)));
        x = pool2.call(relu2.call(conv2.call(x)));
        x = flatten.call(x);
        x = relu3.call(fc1.call(x));
        x = relu4.call(fc2.call(x));
        return fc3.call(x);
    }
}
