package dev.shrink4j.graph.speedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.TensorDifferences;
import dev.shrink4j.nn.io.LayerWidths;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.ModelZoo;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShrunkModelsTest {

    /** Shrinks a fresh zoo model by half of every group's channels. */
    static Module shrunk(String arch, long[] shape) {
        Module model = ModelZoo.create(arch, (int) shape[1], 10);
        try (PointerScope scope = new PointerScope()) {
            DependencyGroups groups = DependencyGroups.trace(model, torch.zeros(shape));
            ModelSpeedup.apply(groups, ChannelMasks.of(groups, ChannelMasks.randomChannels(groups, 0.5, 11)));
        }
        return model;
    }

    static byte[] output(Module model, Tensor x) {
        model.eval();
        try (NoGradGuard g = new NoGradGuard()) {
            return TensorDifferences.rawBytes(model.call(x));
        }
    }

    @ParameterizedTest
    @CsvSource({"lenet5, 1, 28", "resnet20, 3, 32", "mobilenetv2, 3, 32"})
    void aShrunkZooModelComesBackFromTheFileAlone(String arch, long channels, long side, @TempDir Path dir) throws IOException {
        torch.manual_seed(21);
        Path file = dir.resolve("model-shrunk.safetensors");
        try (Module model = shrunk(arch, new long[] {1, channels, side, side}); PointerScope scope = new PointerScope()) {
            ShrunkModels.save(model, ModelMetadata.empty().withArch(arch), file);
            ModelMetadata meta = ModelMetadata.read(file);
            assertEquals(ModelMetadata.SHRUNK_WEIGHTS, meta.contents().orElseThrow());
            assertEquals(LayerWidths.of(model), meta.layerWidths().orElseThrow());
            try (Module back = ModelZoo.load(file)) {
                assertEquals(model.parameterCount(), back.parameterCount());
                Tensor x = torch.randn(2, channels, side, side);
                assertArrayEquals(output(model, x), output(back, x));
            }
        }
    }

    @Test
    void leNet5RecordsItsWidths(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("lenet.safetensors");
        try (Module model = shrunk("lenet5", new long[] {1, 1, 28, 28})) {
            ShrunkModels.save(model, ModelMetadata.empty().withArch("lenet5"), file);
            assertEquals("{\"conv1\":{\"in_channels\":1,\"out_channels\":3,\"groups\":1},"
                    + "\"conv2\":{\"in_channels\":3,\"out_channels\":8,\"groups\":1},"
                    + "\"fc1\":{\"in_features\":200,\"out_features\":60},\"fc2\":{\"in_features\":60,\"out_features\":42},"
                    + "\"fc3\":{\"in_features\":42,\"out_features\":10}}",
                    SafeTensors.metadata(file).get(ModelMetadata.LAYER_WIDTHS));
            try (PointerScope scope = new PointerScope()) {
                assertArrayEquals(new long[] {60, 200}, SafeTensors.load(file).get("fc1.weight").shape());
            }
        }
    }

    @Test
    void anyModelLoadsIntoAFreshOneOfItsArchitecture(@TempDir Path dir) throws IOException {
        torch.manual_seed(22);
        Path file = dir.resolve("resnet.safetensors");
        try (Module model = shrunk("resnet20", new long[] {1, 3, 32, 32});
                Module fresh = new ResNet(20, ShortcutOption.A, 3, 10);
                PointerScope scope = new PointerScope()) {
            ShrunkModels.save(model, ModelMetadata.empty(), file);
            Module back = ShrunkModels.load(file, fresh);
            Tensor x = torch.randn(2, 3, 32, 32);
            assertArrayEquals(output(model, x), output(back, x));
        }
    }

    @Test
    void aDenseFileIsNotAShrunkModel(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("dense.safetensors");
        try (LeNet5 net = new LeNet5(); LeNet5 other = new LeNet5()) {
            SafeTensors.save(net.stateDict(), Map.of(), file);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShrunkModels.load(file, other));
            assertEquals(file + " records no layer widths (__metadata__ \"layer_widths\"): it is not a shrunk model", e.getMessage());
            assertTrue(other.conv1.outChannels() == 6);
        }
    }
}
