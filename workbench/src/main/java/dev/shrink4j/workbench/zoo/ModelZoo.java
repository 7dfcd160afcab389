package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import java.util.List;
import java.util.Locale;

/**
 * Creates the zoo's models by name, for command lines and config files:
 * {@code lenet5}, {@code vgg} ({@link Vgg#SMALL}), {@code resnet20}, {@code resnet32}, {@code resnet56}
 * (option A) and {@code mobilenetv2} (width 1.0). Names are case-insensitive.
 */
public final class ModelZoo {

    /** The known names, in the order they are listed in errors. */
    public static final List<String> NAMES = List.of("lenet5", "vgg", "resnet20", "resnet32", "resnet56", "mobilenetv2");

    private ModelZoo() {
    }

    /**
     * A fresh model (PyTorch-style random initialisation from libtorch's global generator).
     *
     * @param name       one of {@link #NAMES}
     * @param inChannels image channels (1 for Fashion-MNIST, 3 for CIFAR); LeNet-5 takes only 1
     * @param numClasses outputs of the classifier
     * @throws IllegalArgumentException for an unknown name, listing the known ones, or bad sizes
     */
    public static Module create(String name, int inChannels, int numClasses) {
        if (name == null) {
            throw new IllegalArgumentException("model name is null; known models: " + String.join(", ", NAMES));
        }
        if (inChannels <= 0 || numClasses <= 0) {
            throw new IllegalArgumentException("model \"" + name + "\" needs positive inChannels and numClasses, got "
                    + inChannels + " and " + numClasses);
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "lenet5":
                if (inChannels != 1) {
                    throw new IllegalArgumentException("lenet5 takes 1 input channel (28x28 grey images), got " + inChannels);
                }
                return new LeNet5(numClasses);
            case "vgg":
                return Vgg.builder().optInChannels(inChannels).optNumClasses(numClasses).build();
            case "resnet20":
                return ResNet.resnet20(inChannels, numClasses);
            case "resnet32":
                return ResNet.resnet32(inChannels, numClasses);
            case "resnet56":
                return ResNet.resnet56(inChannels, numClasses);
            case "mobilenetv2":
                return MobileNetV2.builder().optInChannels(inChannels).optNumClasses(numClasses).build();
            default:
                throw new IllegalArgumentException("unknown model \"" + name + "\"; known models: " + String.join(", ", NAMES));
        }
    }
}
