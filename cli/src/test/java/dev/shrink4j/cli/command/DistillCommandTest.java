package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.EpochPoint;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code distill} and {@code prune --distill} on a tiny Fashion-MNIST-shaped dataset: the student's weights
 * reload with the accuracy the command printed, the printed losses add up, bad configs and teachers are
 * usage errors naming the file, entry and field, and a distilled fine-tune trains on the distillation loss
 * (checked against the KL divergence computed here from its formula).
 */
class DistillCommandTest {

    static final Path CONFIGS = Path.of("..", "configs", "distill").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** A fresh VGG (zoo "vgg") for {@code classes} classes, initialised under seed 11, saved to {@code dir/name}. */
    private Path vggWeights(String name, int classes) throws IOException {
        Path file = dir.resolve(name);
        torch.manual_seed(11);
        try (PointerScope s = new PointerScope(); Module vgg = ModelZoo.create("vgg", 1, classes)) {
            SafeTensors.save(vgg.stateDict(), file);
        }
        return file;
    }

    private static double printed(String pattern, String out) {
        Matcher m = Pattern.compile(pattern).matcher(out);
        assertTrue(m.find(), "no match for " + pattern + " in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void distilledStudentReloadsWithThePrintedAccuracy() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 100, 50);
        Path teacher = vggWeights("teacher.safetensors", 10);
        Path out = dir.resolve("kd");
        Path config = CONFIGS.resolve("vgg/kd.json");
        CliTests.Result r = CliTests.run("distill", "--arch", "lenet5", "--teacher-arch", "vgg", "--teacher-weights",
                teacher.toString(), "--config", config.toString(), "--epochs", "1", "--data-dir", data.toString(),
                "--batch-size", "25", "--threads", "1", "--out", out.toString());
        r.assertSucceeded();
        Path model = out.resolve("model.safetensors");
        double student = printed("student lenet5: test accuracy ([0-9.]+)%", r.out());
        double teacherAccuracy = printed("teacher vgg: test accuracy ([0-9.]+)%", r.out());

        CliTests.Result e = CliTests.run("evaluate", "--arch", "lenet5", "--weights", model.toString(), "--data-dir",
                data.toString(), "--threads", "1");
        e.assertSucceeded();
        assertEquals(student, printed("accuracy ([0-9.]+)%", e.out()), 1e-9, "the written weights give the printed accuracy");
        CliTests.Result t = CliTests.run("evaluate", "--arch", "vgg", "--weights", teacher.toString(), "--data-dir",
                data.toString(), "--threads", "1");
        assertEquals(teacherAccuracy, printed("accuracy ([0-9.]+)%", t.out()), 1e-9, "the teacher's printed accuracy");

        // the training loss is student.loss + distill.loss_kl, and it is the loss the trainer minimised and reported
        double ce = printed("epoch 1 losses: student\\.loss ([0-9.]+)", r.out());
        double kl = printed("distill\\.loss_kl ([0-9.]+)", r.out());
        double total = printed(", loss ([0-9.]+)", r.out());
        assertEquals(ce + kl, total, 2e-4);
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        EpochPoint epoch = report.trainingCurves().get(0);
        assertEquals(total, epoch.trainLoss(), 1e-4);
        assertEquals(student / 100, report.results().get(1).accuracy(), 1e-4);
        assertEquals(teacherAccuracy / 100, report.results().get(0).accuracy(), 1e-4);

        ModelMetadata meta = ModelMetadata.read(model);
        assertEquals("lenet5", meta.arch().orElseThrow());
        assertEquals("vgg", meta.get(DistillCommand.META_TEACHER_ARCH).orElseThrow());
        assertEquals(Files.readString(config), meta.get(DistillCommand.META_DISTILL_CONFIG).orElseThrow());
        try (var files = Files.list(out)) {
            List<String> left = files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp")).toList();
            assertEquals(List.of(), left, "no temporary file is left behind");
        }
    }

    @Test
    void badConfigIsAUsageErrorNamingTheEntryAndField() throws Exception {
        Path teacher = vggWeights("teacher.safetensors", 10);
        Path config = dir.resolve("bad.json");
        Files.writeString(config, Files.readString(CONFIGS.resolve("vgg/kd.json")).replace("\"tau\": 4", "\"tua\": 4"));
        CliTests.Result r = CliTests.run("distill", "--arch", "lenet5", "--teacher-arch", "vgg", "--teacher-weights",
                teacher.toString(), "--config", config.toString(), "--epochs", "1", "--out", dir.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("shrink4j distill: invalid distiller config " + config + ": "), r.err());
        assertTrue(r.err().contains("distill_losses.loss_kl") && r.err().contains("\"tua\""), r.err());
        assertTrue(!Files.exists(dir.resolve("o").resolve("model.safetensors")));
    }

    @Test
    void configForAnotherTeacherIsAUsageErrorNamingTheSource() throws Exception {
        Path teacher = vggWeights("teacher.safetensors", 10);
        // configs/distill/kd.json records ResNet-20's "linear", which VGG does not have
        Path config = CONFIGS.resolve("kd.json");
        CliTests.Result r = CliTests.run("distill", "--arch", "lenet5", "--teacher-arch", "vgg", "--teacher-weights",
                teacher.toString(), "--config", config.toString(), "--epochs", "1", "--out", dir.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("shrink4j distill: invalid distiller config " + config), r.err());
        assertTrue(r.err().contains("teacher_recorders.fc") && r.err().contains("\"linear\""), r.err());
    }

    @Test
    void teacherForAnotherClassCountIsAUsageError() throws Exception {
        Path teacher = vggWeights("teacher7.safetensors", 7);
        CliTests.Result r = CliTests.run("distill", "--arch", "lenet5", "--teacher-arch", "vgg", "--teacher-weights",
                teacher.toString(), "--config", CONFIGS.resolve("vgg/kd.json").toString(), "--epochs", "1",
                "--out", dir.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("shrink4j distill: --teacher-weights: weights file " + teacher + " does not fit vgg"), r.err());
        assertTrue(r.err().contains("classifier.3.weight") && r.err().contains("[7, 512]") && r.err().contains("[10, 512]"),
                r.err());
    }

    @Test
    void distillOptionsNeedEachOther() throws Exception {
        Path w = CliTests.lenet5Weights(dir);
        Path prune = pruneConfig();
        CliTests.compress("prune", w, prune, dir.resolve("a"), "--epochs", "1", "--distill", "kd.json")
                .assertUsageError("shrink4j prune: --distill needs a teacher: --teacher-arch and --teacher-weights\n");
        CliTests.compress("prune", w, prune, dir.resolve("b"), "--epochs", "1", "--teacher-arch", "vgg")
                .assertUsageError("shrink4j prune: --teacher-arch is only used with --distill CFG\n");
        CliTests.compress("prune", w, prune, dir.resolve("c"), "--distill", "kd.json", "--teacher-arch", "lenet5",
                "--teacher-weights", w.toString())
                .assertUsageError("shrink4j prune: --distill kd.json: distillation happens in the fine-tune; give --epochs 1 or more\n");
        CliTests.run("distill", "--arch", "lenet5", "--teacher-arch", "vgg", "--config", "kd.json", "--out", dir.resolve("d").toString())
                .assertUsageError("shrink4j distill: distill needs --teacher-weights (trained weights of the vgg teacher)\n");
    }

    private Path pruneConfig() throws IOException {
        Path cfg = dir.resolve("prune.json");
        Files.writeString(cfg, "{\"pruner\": \"test-magnitude\", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\", "
                + "\"Linear\"]}, {\"exclude\": true, \"op_names\": [\"fc3\"]}]}");
        return cfg;
    }

    /**
     * prune --distill with KL divergence alone (τ = 2, no task loss) from another LeNet-5 (confident: its last
     * layer's weights ×30), at a learning rate so small that the student does not move: the epoch's reported
     * training loss is the mean over the training images of τ²·KL(softmax(T/τ) ‖ softmax(S/τ)) between that
     * teacher and the masked student, computed here from the formula, and not the student's cross-entropy.
     */
    @Test
    void pruneFineTunesOnTheDistillationLoss() throws Exception {
        assertFineTuneLossIsKl("prune", pruneConfig(), "model.safetensors", false);
    }

    /**
     * The same for a restructuring compressor (low-rank conv2 and fc1 at half their FLOPs): the fine-tune of the
     * factorised student trains on the distillation loss; the run also describes the factorised graph in graph.json.
     */
    @Test
    void restructuringPruneFineTunesOnTheDistillationLoss() throws Exception {
        assertFineTuneLossIsKl("prune", Path.of("..", "configs", "amc", "low-rank.json").toAbsolutePath().normalize(),
                "model.safetensors", true);
        com.google.gson.JsonObject graph = com.google.gson.JsonParser.parseString(
                Files.readString(dir.resolve("prune").resolve("graph.json"))).getAsJsonObject();
        List<String> nodes = new java.util.ArrayList<>();
        graph.getAsJsonArray("nodes").forEach(n -> nodes.add(n.getAsJsonObject().get("name").getAsString()));
        assertTrue(nodes.containsAll(List.of("conv2.0", "conv2.1", "fc1.0", "fc1.1")) && !nodes.contains("conv2"),
                nodes.toString());
    }

    /** The same for quantize --distill with DoReFa: the student computes with its fake-quantized weights. */
    @Test
    void quantizeFineTunesOnTheDistillationLoss() throws Exception {
        assertFineTuneLossIsKl("quantize", QuantizeCommandTest.CONFIGS.resolve("dorefa.json"), "model-fakequant.safetensors", false);
    }

    /**
     * Runs {@code command --distill} (KL alone, lr 1e-12; {@code fromProviders}: with the algorithms of every provider on
     * the class path instead of the test registry) and checks its reported loss against the KL divergence of
     * the exported {@code computedWeights} (what the compressed student computes with) to the teacher.
     */
    private void assertFineTuneLossIsKl(String command, Path compressionConfig, String computedWeights, boolean fromProviders)
            throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path w = CliTests.lenet5Weights(dir);
        Path teacherWeights = dir.resolve("teacher.safetensors");
        torch.manual_seed(13);
        try (PointerScope s = new PointerScope(); LeNet5 t = new LeNet5(10)) {
            java.util.Map<String, Tensor> sd = new java.util.LinkedHashMap<>(t.stateDict());
            sd.put("fc3.weight", sd.get("fc3.weight").mul(new org.bytedeco.pytorch.Scalar(30.0)));
            SafeTensors.save(sd, teacherWeights);
        }
        Path kl = dir.resolve("kl.json");
        Files.writeString(kl, """
                {"calculate_student_loss": false,
                 "distiller": {
                   "student_recorders": {"fc": {"type": "ModuleOutputs", "source": "fc3"}},
                   "teacher_recorders": {"fc": {"type": "ModuleOutputs", "source": "fc3"}},
                   "distill_losses": {"loss_kl": {"type": "KLDivergence", "tau": 2, "loss_weight": 1}},
                   "loss_forward_mappings": {"loss_kl": {
                     "preds_S": {"from_student": true, "recorder": "fc"},
                     "preds_T": {"from_student": false, "recorder": "fc"}}}}}
                """);
        Path out = dir.resolve(command);
        String[] args = {command, "--arch", "lenet5", "--weights", w.toString(), "--config", compressionConfig.toString(),
                "--out", out.toString(), "--threads", "1", "--epochs", "1", "--lr", "1e-12", "--batch-size", "16",
                "--data-dir", data.toString(), "--distill", kl.toString(), "--teacher-arch", "lenet5",
                "--teacher-weights", teacherWeights.toString()};
        // the restructuring low-rank comes from the amc module: the registry main loads, with the class path's providers
        (fromProviders ? CliTests.runWithProviders(args) : CliTests.run(args)).assertSucceeded();
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        double reported = report.trainingCurves().get(0).trainLoss();

        double expectedKl;
        double crossEntropy;
        double tau = 2;
        try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard();
             // Models.load rebuilds a restructured student from its file's metadata (a plain one loads as it is)
             Module student = Models.load("lenet5", DataSpec.of("fashion-mnist"), out.resolve(computedWeights));
             LeNet5 teacher = new LeNet5(10);
             Dataset train = DataSpec.of("fashion-mnist").load(data, Split.TRAIN)) {
            teacher.loadStateDict(SafeTensors.load(teacherWeights), true);
            Batch all = DataLoader.builder().setDataset(train).setBatchSize(40).build().iterator().next();
            Tensor zs = student.call(all.x()).to(torch.ScalarType.Double);
            Tensor zt = teacher.call(all.x()).to(torch.ScalarType.Double);
            Tensor logPs = torch.log_softmax(zs.div(new org.bytedeco.pytorch.Scalar(tau)), 1);
            Tensor logPt = torch.log_softmax(zt.div(new org.bytedeco.pytorch.Scalar(tau)), 1);
            // per image Σ p_T (log p_T − log p_S), times τ², averaged over the 40 images
            expectedKl = logPt.exp().mul(logPt.sub(logPs)).sum().item_double() / 40 * tau * tau;
            crossEntropy = -torch.log_softmax(zs, 1).gather(1, all.y().unsqueeze(1)).sum().item_double() / 40;
        }
        assertEquals(expectedKl, reported, 1e-5 * Math.max(1, expectedKl), "the fine-tune's loss is τ²·KL to the teacher");
        assertTrue(Math.abs(crossEntropy - reported) > 0.1, "not the plain cross-entropy " + crossEntropy + " vs " + reported);
        assertTrue(expectedKl > 0.1, "the teacher differs from the student: " + expectedKl);
        assertTrue(report.settings().get("distill").toString().startsWith(kl + " from lenet5"), report.settings().toString());
    }
}
