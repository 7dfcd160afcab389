package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.LayerWidths;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Creates the zoo's models by name, for command lines and config files:
 * {@code lenet5}, {@code vgg} ({@link Vgg#SMALL}), {@code resnet20}, {@code resnet32}, {@code resnet56}
 * (option A) and {@code mobilenetv2} (width 1.0). Names are case-insensitive. {@link #load(Path)} rebuilds
 * a model, dense or physically pruned, from a safetensors file alone.
 */
public final class ModelZoo {

    /** The known names, in the order they are listed in errors. */
    public static final List<String> NAMES = List.of("lenet5", "vgg", "resnet20", "resnet32", "resnet56", "mobilenetv2");

    /** Per model, the state-dict keys of the first convolution's and the classifier's weights. */
    private static final Map<String, List<String>> SIZE_KEYS = Map.of(
            "lenet5", List.of("conv1.weight", "fc3.weight"),
            "vgg", List.of("feature.0.weight", "classifier.3.weight"),
            "resnet20", List.of("conv1.weight", "linear.weight"),
            "resnet32", List.of("conv1.weight", "linear.weight"),
            "resnet56", List.of("conv1.weight", "linear.weight"),
            "mobilenetv2", List.of("features.0.0.weight", "classifier.1.weight"));

    private ModelZoo() {
    }

    /**
     * Rebuilds the model a safetensors file holds, from the file alone: the architecture from its
     * {@code __metadata__} ({@value ModelMetadata#ARCH}), the input channels and classes from the shapes of the
     * first convolution's and the classifier's weights, the widths of a physically pruned model from
     * {@value ModelMetadata#LAYER_WIDTHS} ({@link LayerWidths}); then the state dict is loaded strictly.
     *
     * @throws IllegalArgumentException naming the file when it records no known architecture, lacks the weights
     *                                  that size it, or its widths or tensors do not fit the architecture
     * @throws IOException              when the file cannot be read (a malformed file is a
     *                                  {@link dev.shrink4j.nn.io.SafeTensorsException})
     */
    public static Module load(Path file) throws IOException {
        ModelMetadata meta = ModelMetadata.read(file);
        String arch = meta.arch().orElseThrow(() -> new IllegalArgumentException(file + " records no architecture (__metadata__"
                + " \"" + ModelMetadata.ARCH + "\"); known models: " + String.join(", ", NAMES)));
        List<String> sizeKeys = SIZE_KEYS.get(arch.toLowerCase(Locale.ROOT));
        if (sizeKeys == null) {
            throw new IllegalArgumentException(file + ": unknown model \"" + arch + "\" in __metadata__ \"" + ModelMetadata.ARCH
                    + "\"; known models: " + String.join(", ", NAMES));
        }
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> state = SafeTensors.load(file);
            long[] sizes = new long[2];
            for (int i = 0; i < 2; i++) {
                Tensor t = state.get(sizeKeys.get(i));
                if (t == null || t.dim() < 2) {
                    throw new IllegalArgumentException(file + ": a " + arch + " file holds \"" + sizeKeys.get(i) + "\" of rank"
                            + (i == 0 ? " 4" : " 2") + ", " + (t == null ? "this one has none" : "this one has rank " + t.dim()));
                }
                sizes[i] = i == 0 ? t.size(1) : t.size(0);
            }
            Module model = create(arch, Math.toIntExact(sizes[0]), Math.toIntExact(sizes[1]));
            try {
                meta.layerWidths().ifPresent(widths -> LayerWidths.apply(model, widths));
                model.loadStateDict(state, true);
            } catch (RuntimeException e) {
                model.close();
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
            return model;
        }
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
