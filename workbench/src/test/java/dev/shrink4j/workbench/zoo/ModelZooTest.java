package dev.shrink4j.workbench.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.nn.Module;
import org.junit.jupiter.api.Test;
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
}
