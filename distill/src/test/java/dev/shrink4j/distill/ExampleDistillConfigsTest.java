package dev.shrink4j.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The example distillation configs (logits KD, DKD, DIST, FitNets and OFD) fit the models they are
 * written for: a LeNet-5 student and a ResNet-20 teacher on Fashion-MNIST (1×28×28 images, 10 classes).
 * Each is read, attached to both models (sources, OFD's batch norm) and run for one step on a batch of
 * that size, which is where shapes are checked; every loss it names comes out finite and positive.
 */
class ExampleDistillConfigsTest {

    /** The example configs, relative to this module. */
    static final Path CONFIGS = Path.of("..", "configs", "distill");

    @Test
    void theExamplesAreTheseFiles() throws Exception {
        try (Stream<Path> s = Files.list(CONFIGS)) {
            assertEquals(List.of("dist.json", "dkd.json", "fitnets.json", "kd.json", "ofd.json", "vgg"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> s = Files.list(CONFIGS.resolve("vgg"))) {
            assertEquals(List.of("dist.json", "dkd.json", "fitnets.json", "kd-t1.json", "kd.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /**
     * Each example fits a LeNet-5 student and the teacher it is written for: the ResNet-20 of the top-level
     * files, the zoo's VGG of the copies under {@code vgg/} (the README's results).
     */
    @ParameterizedTest
    @CsvSource({
        "kd.json, distill.loss_kl, resnet20",
        "dkd.json, distill.loss_dkd, resnet20",
        "dist.json, distill.loss_dist, resnet20",
        "fitnets.json, distill.loss_hint, resnet20",
        "ofd.json, distill.loss_ofd, resnet20",
        "vgg/kd.json, distill.loss_kl, vgg",
        "vgg/kd-t1.json, distill.loss_kl, vgg",
        "vgg/dkd.json, distill.loss_dkd, vgg",
        "vgg/dist.json, distill.loss_dist, vgg",
        "vgg/fitnets.json, distill.loss_hint, vgg"})
    void fitsALeNet5StudentAndItsTeacher(String file, String distillLoss, String teacherArch) throws Exception {
        torch.manual_seed(1);
        try (Module student = ModelZoo.create("lenet5", 1, 10); Module teacher = ModelZoo.create(teacherArch, 1, 10);
             SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(student).setTeacher(teacher)
                     .setConfig(DistillConfig.fromFile(CONFIGS.resolve(file))).build();
             PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(8, 1, 28, 28);
            Tensor y = torch.randint(10, new long[] {8});
            Map<String, Tensor> losses = kd.forward(x, y);
            assertEquals(List.of(SingleTeacherDistill.STUDENT_LOSS, distillLoss), List.copyOf(losses.keySet()));
            for (Map.Entry<String, Tensor> e : losses.entrySet()) {
                double v = e.getValue().item_double();
                assertTrue(Double.isFinite(v) && v > 0, file + ": " + e.getKey() + " = " + v);
            }
        }
    }
}
