package dev.shrink4j.workbench.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.TensorDifferences;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelZooTest {

    @ParameterizedTest
    @CsvSource({"lenet5, 1, LeNet5", "vgg, 3, Vgg", "resnet20, 3, ResNet", "ResNet32, 1, ResNet", "resnet56, 3, ResNet",
        "MobileNetV2, 3, MobileNetV2"})
    void createsEachModelByName(String name, int inChannels, String type) {
        try (Module m = ModelZoo.create(name, inChannels, 10)) {
            assertEquals(type, m.typeName());
        }
    }

    @Test
    void passesChannelsAndClassesThrough() {
        try (Module m = ModelZoo.create("resnet20", 3, 10); Module g = ModelZoo.create("lenet5", 1, 10)) {
            assertEquals(269722, m.parameterCount());
            assertEquals(61706, g.parameterCount());
            ResNet r = assertInstanceOf(ResNet.class, m);
            assertEquals(20, r.depth());
        }
        try (Module m = ModelZoo.create("mobilenetv2", 1, 7)) {
            assertEquals(7, m.stateDict().get("classifier.1.bias").size(0));
            assertEquals(1, m.stateDict().get("features.0.0.weight").size(1));
        }
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        assertEquals("unknown model \"resnet18\"; known models: lenet5, vgg, resnet20, resnet32, resnet56, mobilenetv2",
                assertThrows(IllegalArgumentException.class, () -> ModelZoo.create("resnet18", 3, 10)).getMessage());
        assertEquals("lenet5 takes 1 input channel (28x28 grey images), got 3",
                assertThrows(IllegalArgumentException.class, () -> ModelZoo.create("lenet5", 3, 10)).getMessage());
    }

    /** The outputs of {@code a} and {@code b} on the same random batch, byte for byte. */
    private static void assertSameOutputs(Module a, Module b, long... shape) {
        a.eval();
        b.eval();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = torch.randn(shape);
            assertArrayEquals(TensorDifferences.rawBytes(a.call(x)), TensorDifferences.rawBytes(b.call(x)));
        }
    }

    @Test
    void loadsADenseFileFromItsMetadata(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (Module net = ModelZoo.create("mobilenetv2", 1, 7)) {
            SafeTensors.save(net.stateDict(), ModelMetadata.empty().withArch("mobilenetv2").asMap(), file);
            try (Module back = ModelZoo.load(file)) {
                assertInstanceOf(MobileNetV2.class, back);
                assertSameOutputs(net, back, 2, 1, 32, 32);
            }
        }
    }

    @Test
    void loadsAShrunkLeNet5AtItsRecordedWidths(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model-shrunk.safetensors");
        try (LeNet5 net = new LeNet5(5)) {
            net.conv1.keepChannels(new long[] {0, 2, 4}, null);
            net.conv2.keepChannels(new long[] {1, 3, 5, 7, 9, 11, 13, 15}, new long[] {0, 2, 4});
            net.fc1.keepFeatures(null, java.util.stream.LongStream.range(0, 200).toArray());
            SafeTensors.save(net.stateDict(), ModelMetadata.empty().withArch("lenet5").withLayerWidths(net).asMap(), file);
            try (Module back = ModelZoo.load(file)) {
                assertEquals(net.parameterCount(), back.parameterCount());
                assertEquals(3, ((LeNet5) back).conv1.outChannels());
                assertEquals(200, ((LeNet5) back).fc1.inFeatures());
                assertSameOutputs(net, back, 3, 1, 28, 28);
            }
        }
    }

    @Test
    void aFileWithoutArchitectureOrWithShapesItsWidthsDoNotExplainIsRefused(@TempDir Path dir) throws IOException {
        Path bare = dir.resolve("bare.safetensors");
        Path unknown = dir.resolve("unknown.safetensors");
        Path shrunk = dir.resolve("shrunk.safetensors");
        try (LeNet5 net = new LeNet5()) {
            SafeTensors.save(net.stateDict(), bare);
            SafeTensors.save(net.stateDict(), ModelMetadata.empty().withArch("resnet18").asMap(), unknown);
            net.conv1.keepChannels(new long[] {0}, null);
            SafeTensors.save(net.stateDict(), ModelMetadata.empty().withArch("lenet5").asMap(), shrunk);
        }
        assertEquals(bare + " records no architecture (__metadata__ \"arch\"); known models: lenet5, vgg, resnet20, resnet32,"
                + " resnet56, mobilenetv2", assertThrows(IllegalArgumentException.class, () -> ModelZoo.load(bare)).getMessage());
        assertEquals(unknown + ": unknown model \"resnet18\" in __metadata__ \"arch\"; known models: lenet5, vgg, resnet20,"
                + " resnet32, resnet56, mobilenetv2",
                assertThrows(IllegalArgumentException.class, () -> ModelZoo.load(unknown)).getMessage());
        String message = assertThrows(IllegalArgumentException.class, () -> ModelZoo.load(shrunk)).getMessage();
        assertTrue(message.startsWith(shrunk + ": "), message);
        assertTrue(message.contains("conv1.weight: checkpoint has shape [1, 1, 5, 5], the model has [6, 1, 5, 5]"), message);
    }
}
