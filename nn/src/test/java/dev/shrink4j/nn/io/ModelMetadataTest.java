package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelMetadataTest {

    @TempDir
    Path dir;

    @Test
    void versionIsTheProjectVersionOfThePom() throws IOException {
        String pom = Files.readString(Path.of("..", "pom.xml"));
        Matcher m = Pattern.compile("<artifactId>shrink4j-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find());
        assertEquals(m.group(1), ModelMetadata.shrink4jVersion());
    }

    @Test
    void roundTripsThroughASafetensorsHeaderWithTheVersionFirst() throws IOException {
        ModelMetadata written = ModelMetadata.empty().withArch("resnet20").withDataset("cifar10")
                .withNormalization(Normalization.CIFAR10).withAlgorithm("level", "{\"pruner\":\"level\",\"config_list\":[]}")
                .withContents(ModelMetadata.MASKED_WEIGHTS);
        Path file = dir.resolve("m.safetensors");
        SafeTensors.save(Map.of("w", torch.zeros(2)), written.asMap(), file);

        ModelMetadata read = ModelMetadata.read(file);
        assertEquals(List.of("shrink4j_version", "arch", "dataset", "input_mean", "input_std", "algorithm", "config", "contents"),
                List.copyOf(read.entries().keySet()));
        assertEquals(Optional.of("resnet20"), read.arch());
        assertEquals("[0.4914,0.4822,0.4465]", read.get(ModelMetadata.INPUT_MEAN).orElseThrow());
        assertEquals("[0.247,0.2435,0.2616]", read.get(ModelMetadata.INPUT_STD).orElseThrow());
        assertEquals(Normalization.CIFAR10, read.normalization().orElseThrow());
        assertEquals(Optional.of("level"), read.algorithm());
        assertEquals(Optional.of("{\"pruner\":\"level\",\"config_list\":[]}"), read.config());
        assertEquals(Optional.of("masked_weights"), read.contents());
        assertEquals(ModelMetadata.shrink4jVersion(), read.get(ModelMetadata.VERSION).orElseThrow());
    }

    @Test
    void defaultsDoNotReplaceGivenValues() {
        ModelMetadata m = ModelMetadata.empty().with(ModelMetadata.ALGORITHM, "qat").withDefault(ModelMetadata.ALGORITHM,
                "QatQuantizer").withDefault(ModelMetadata.CONFIG, "{}");
        assertEquals(Map.of("algorithm", "qat", "config", "{}"), m.entries());
    }

    @Test
    void aFileWithoutMetadataHasNone() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        SafeTensors.save(Map.of("w", torch.zeros(2)), file);
        ModelMetadata m = ModelMetadata.read(file);
        assertEquals(Map.of(), m.entries());
        assertEquals(Optional.empty(), m.arch());
        assertEquals(Optional.empty(), m.normalization());
    }

    @Test
    void malformedNormalisationsAreErrorsNamingTheKey() {
        assertEquals("metadata has input_mean but no input_std", assertThrows(IllegalArgumentException.class,
                () -> ModelMetadata.of(Map.of("input_mean", "[0.5]")).normalization()).getMessage());
        assertEquals("metadata input_std must be a non-empty JSON array of finite numbers, got [0.5, \"x\"]",
                assertThrows(IllegalArgumentException.class, () -> ModelMetadata.of(Map.of("input_mean", "[0.5, 0.5]",
                        "input_std", "[0.5, \"x\"]")).normalization()).getMessage());
        assertEquals("metadata input_mean must be a non-empty JSON array of finite numbers, got 0.5",
                assertThrows(IllegalArgumentException.class, () -> ModelMetadata.of(Map.of("input_mean", "0.5",
                        "input_std", "[1]")).normalization()).getMessage());
        assertEquals("metadata input_mean/input_std: Normalization: std must be positive, got [0.0]",
                assertThrows(IllegalArgumentException.class, () -> ModelMetadata.of(Map.of("input_mean", "[0.5]",
                        "input_std", "[0]")).normalization()).getMessage());
        assertEquals(Normalization.of(0.5, 2), ModelMetadata.of(Map.of("input_mean", "[0.5]", "input_std", "[2]"))
                .normalization().orElseThrow());
    }
}
