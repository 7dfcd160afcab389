package dev.shrink4j.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.distill.Fixtures.Student;
import dev.shrink4j.distill.Fixtures.Teacher;
import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.distill.losses.KLDivergence;
import dev.shrink4j.distill.losses.Reduction;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.LevelPruner;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SingleTeacherDistillTest {

    private static SingleTeacherDistill kd(Student s, Teacher t, String distillerJson) {
        return SingleTeacherDistill.builder().setStudent(s).setTeacher(t).setConfig(DistillConfig.fromJson("{\"distiller\": "
                + distillerJson + "}")).build();
    }

    private static Trainer trainer(Student s, Optimizer opt, SingleTeacherDistill kd) {
        return Trainer.builder().setModel(s).setOptimizer(opt).optLoss(kd.loss()).addListener(kd).optProgressBar(false).build();
    }

    private static DataLoader loader(Dataset ds) {
        return DataLoader.builder().setDataset(ds).setBatchSize(16).optShuffle(0).build();
    }

    private static List<Float> values(Tensor t) {
        Tensor c = t.detach().contiguous().flatten();
        float[] v = new float[(int) c.numel()];
        c.data_ptr_float().get(v);
        List<Float> out = new ArrayList<>();
        for (float f : v) {
            out.add(f);
        }
        return out;
    }

    @Nested
    class OneStep {
        @Test
        void theLossesAreTheTaskLossAndTheDistillersOnBothModelsOutputs() {
            torch.manual_seed(5);
            try (Student s = new Student(); Teacher t = new Teacher(); SingleTeacherDistill kd = kd(s, t, Fixtures.KD);
                 PointerScope scope = new PointerScope()) {
                Tensor x = torch.randn(8, 1, 8, 8);
                Tensor y = torch.randint(5, new long[] {8});
                Tensor out = s.call(x);
                assertEquals(1, t.calls, "a training forward of the student ran the teacher on the same batch");
                Tensor total = kd.loss().compute(out, y);
                Tensor teacherLogits;
                try (NoGradGuard g = new NoGradGuard()) {
                    teacherLogits = t.call(x);
                }
                double task = torch.cross_entropy(out, y).item_double();
                double kl = new KLDivergence(2, Reduction.BATCHMEAN, 1, true).forward(Map.of("preds_S", out, "preds_T", teacherLogits))
                        .item_double();
                assertEquals(task + kl, total.item_double(), 1e-5);
                assertEquals(List.of("student.loss", "distill.loss_kl", "loss"), List.copyOf(kd.currentMeans().keySet()));
                assertEquals(task, kd.currentMeans().get("student.loss"), 1e-6);
                assertEquals(kl, kd.currentMeans().get("distill.loss_kl"), 1e-6);
                total.backward();
                assertTrue(s.fc.weight().grad().defined(), "the student gets gradients");
                assertFalse(t.fc.weight().requires_grad(), "the frozen teacher's parameters need none");
                assertFalse(t.isTraining() || t.bn.isTraining(), "the frozen teacher runs in evaluation mode");
            }
        }

        @Test
        void anEvaluationForwardIsPlainAndItsLossIsTheTaskLoss() {
            try (Student s = new Student(); Teacher t = new Teacher(); SingleTeacherDistill kd = kd(s, t, Fixtures.KD);
                 PointerScope scope = new PointerScope()) {
                s.eval();
                Tensor x = torch.randn(4, 1, 8, 8);
                Tensor y = torch.randint(5, new long[] {4});
                Tensor out = s.call(x);
                assertEquals(0, t.calls, "no teacher in evaluation");
                assertEquals(torch.cross_entropy(out, y).item_double(), kd.loss().compute(out, y).item_double(), 1e-7);
                assertEquals(Map.of(), kd.currentMeans(), "evaluation is not counted");
            }
        }

        @Test
        void aTrainingOutputThatIsNotADistillationForwardIsAnError() {
            try (Student s = new Student(); Teacher t = new Teacher(); SingleTeacherDistill kd = kd(s, t, Fixtures.KD);
                 PointerScope scope = new PointerScope()) {
                Tensor y = torch.randint(5, new long[] {4});
                s.call(torch.randn(4, 1, 8, 8));
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> kd.loss().compute(torch.randn(4, 5), y));
                assertTrue(e.getMessage().startsWith("SingleTeacherDistill: this output does not come from a distillation forward"));
            }
        }

        @Test
        void aStatisticNameIsReportedButNotTrainedOn() {
            String json = Fixtures.KD.replace("loss_kl", "kl_stat");
            try (Student s = new Student(); Teacher t = new Teacher(); SingleTeacherDistill kd = kd(s, t, json);
                 PointerScope scope = new PointerScope()) {
                Tensor x = torch.randn(4, 1, 8, 8);
                Tensor y = torch.randint(5, new long[] {4});
                Tensor out = s.call(x);
                double total = kd.loss().compute(out, y).item_double();
                assertEquals(torch.cross_entropy(out, y).item_double(), total, 1e-6, "only student.loss trains");
                assertTrue(kd.currentMeans().get("distill.kl_stat") > 0, "the statistic is still computed");
            }
        }
    }

    @Nested
    class Training {
        @Test
        void theStudentMovesTowardsTheTeacherAndTheTeacherStaysFrozen() {
            torch.manual_seed(7);
            try (Dataset ds = Fixtures.data(256, 3); Student s = new Student(); Teacher t = new Teacher();
                 SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(s).setTeacher(t)
                         .setConfig(DistillConfig.fromJson("{\"calculate_student_loss\": false, \"distiller\": " + Fixtures.KD + "}")).build();
                 Optimizer adam = Adam.builder().setLearningRate(0.01).build(kd.trainableParameters())) {
                List<Float> teacherBefore = values(t.fc.weight());
                List<Float> meanBefore = values(t.bn.runningMean());
                Trainer trainer = trainer(s, adam, kd);
                trainer.fit(loader(ds), 8);
                assertEquals(8, kd.history().size());
                assertEquals(List.of("distill.loss_kl", "loss"), List.copyOf(kd.history().get(0).means().keySet()));
                double first = kd.history().get(0).means().get("distill.loss_kl");
                double last = kd.history().get(7).means().get("distill.loss_kl");
                assertTrue(last < first / 3, "distillation alone pulls the student's logits to the teacher's: " + first + " → " + last);
                assertEquals(teacherBefore, values(t.fc.weight()), "the teacher's weights do not train");
                assertEquals(meanBefore, values(t.bn.runningMean()), "nor do its batch-norm statistics (evaluation mode)");
                assertEquals(8 * 16, t.calls, "one teacher forward per training step, none for evaluation");
                new Evaluator(kd.loss()).evaluate(s, loader(ds));
                assertEquals(8 * 16, t.calls);
            }
        }

        @Test
        void connectorsTrainWithTheStudent() {
            torch.manual_seed(8);
            try (Dataset ds = Fixtures.data(64, 4); Student s = new Student(); Teacher t = new Teacher();
                 SingleTeacherDistill kd = kd(s, t, Fixtures.FITNETS);
                 Optimizer adam = Adam.builder().setLearningRate(0.01).build(kd.trainableParameters())) {
                assertEquals(s.parameters().size() + 3, kd.trainableParameters().size(), "student + connector conv weight, BN γ, β");
                List<Float> before = values(kd.distiller().connectors().get("sfeat").parameters().get(0));
                trainer(s, adam, kd).fit(loader(ds), 3);
                assertFalse(before.equals(values(kd.distiller().connectors().get("sfeat").parameters().get(0))));
                double first = kd.history().get(0).means().get("distill.loss_feat");
                double last = kd.history().get(2).means().get("distill.loss_feat");
                assertTrue(last < first, "the hint loss falls: " + first + " → " + last);
            }
        }

        @Test
        void aPrunedStudentKeepsItsMasksWhileItDistils() {
            torch.manual_seed(9);
            try (Dataset ds = Fixtures.data(64, 5); Student s = new Student(); Teacher t = new Teacher();
                 SingleTeacherDistill kd = kd(s, t, Fixtures.KD);
                 Optimizer adam = Adam.builder().setLearningRate(0.01).build(kd.trainableParameters());
                 LevelPruner pruner = new LevelPruner(s, ConfigList.fromJson("[{\"sparsity\": 0.75, \"op_types\": [\"Conv2d\", \"Linear\"]}]"),
                         adam)) {
                pruner.compress();
                List<Float> mask = values(pruner.getWrapper("fc").getBuffer(Pruner.WEIGHT_MASK));
                long zeros = mask.stream().filter(v -> v == 0f).count();
                assertEquals(240, zeros, "75% of fc's 320 weights pruned");
                trainer(s, adam, kd).fit(loader(ds), 2);
                assertEquals(mask, values(pruner.getWrapper("fc").getBuffer(Pruner.WEIGHT_MASK)), "the mask holds");
                try (PointerScope scope = new PointerScope()) {
                    List<Float> effective = values(s.fc.parametrized("weight"));
                    for (int i = 0; i < mask.size(); i++) {
                        if (mask.get(i) == 0f) {
                            assertEquals(0f, Math.abs(effective.get(i)), "pruned weight " + i + " stays zero in the student's forward");
                        }
                    }
                }
                assertEquals(2, kd.history().size());
                assertTrue(kd.history().get(1).means().get("distill.loss_kl") < kd.history().get(0).means().get("distill.loss_kl"));
            }
        }
    }

    @Nested
    class Setup {
        @Test
        void theTeacherIsLoadedFromWeights(@TempDir Path dir) throws Exception {
            Path weights = dir.resolve("teacher.safetensors");
            try (Teacher trained = new Teacher()) {
                SafeTensors.save(trained.stateDict(), weights);
                try (Student s = new Student(); Teacher t = new Teacher();
                     SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(s).setTeacher(t).optTeacherWeights(weights)
                             .setConfig(DistillConfig.fromJson("{\"distiller\": " + Fixtures.KD + "}")).build()) {
                    assertEquals(values(trained.fc.weight()), values(t.fc.weight()));
                }
            }
        }

        @Test
        void closeRemovesTheHooksAndRestoresRequiresGrad() {
            try (Student s = new Student(); Teacher t = new Teacher()) {
                SingleTeacherDistill kd = kd(s, t, Fixtures.KD);
                assertEquals(1, s.forwardPreHookCount());
                assertFalse(t.conv.weight().requires_grad());
                kd.close();
                kd.close();
                assertEquals(0, s.forwardPreHookCount() + s.forwardHookCount() + s.fc.forwardHookCount() + t.fc.forwardHookCount());
                assertTrue(t.conv.weight().requires_grad());
                try (PointerScope scope = new PointerScope()) {
                    s.call(torch.randn(2, 1, 8, 8));
                }
                assertEquals(0, t.calls);
            }
        }

        @Test
        void aTrainableTeacherAddsItsTaskLossAndKeepsItsNormsInEvaluation() {
            torch.manual_seed(10);
            try (Student s = new Student(); Teacher t = new Teacher();
                 SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(s).setTeacher(t).setConfig(DistillConfig.fromJson(
                         "{\"teacher_trainable\": true, \"distiller\": " + Fixtures.KD + "}")).build();
                 PointerScope scope = new PointerScope()) {
                assertEquals(s.parameters().size() + t.parameters().size(), kd.trainableParameters().size());
                Tensor x = torch.randn(4, 1, 8, 8);
                Tensor y = torch.randint(5, new long[] {4});
                Tensor out = s.call(x);
                assertTrue(t.isTraining() && !t.bn.isTraining(), "teacher in training mode, its batch norm in evaluation");
                kd.loss().compute(out, y).backward();
                assertTrue(t.fc.weight().grad().defined(), "the teacher trains: student.loss + teacher.loss + distill.loss_kl");
                assertEquals(List.of("student.loss", "teacher.loss", "distill.loss_kl", "loss"), List.copyOf(kd.currentMeans().keySet()));
            }
        }

        @Test
        void paraphraserPretrainingTrainsOnlyTheConnector() {
            String json = "{\"student_trainable\": false, \"calculate_student_loss\": false, \"distiller\": {"
                    + " \"teacher_recorders\": {\"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
                    + " \"connectors\": {\"tfeat\": {\"type\": \"Paraphraser\", \"in_channel\": 16, \"out_channel\": 16}},"
                    + " \"distill_losses\": {\"loss_rec\": {\"type\": \"L2Loss\"}},"
                    + " \"loss_forward_mappings\": {\"loss_rec\": {\"s_feature\": {\"from_student\": false, \"recorder\": \"feat\"},"
                    + "   \"t_feature\": {\"from_student\": false, \"recorder\": \"feat\", \"connector\": \"tfeat\"}}}}}";
            torch.manual_seed(11);
            try (Dataset ds = Fixtures.data(64, 6); Student s = new Student(); Teacher t = new Teacher();
                 SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(s).setTeacher(t).setConfig(DistillConfig.fromJson(json))
                         .build();
                 Optimizer adam = Adam.builder().setLearningRate(0.005).build(kd.trainableParameters())) {
                assertEquals(12, kd.trainableParameters().size(), "the paraphraser's 6 convolutions, weight and bias; the student is frozen");
                List<Float> studentBefore = values(s.fc.weight());
                trainer(s, adam, kd).fit(loader(ds), 4);
                assertEquals(studentBefore, values(s.fc.weight()));
                double first = kd.history().get(0).means().get("distill.loss_rec");
                double last = kd.history().get(3).means().get("distill.loss_rec");
                assertTrue(last < first, "the paraphraser learns to reconstruct the teacher's feature: " + first + " → " + last);
            }
        }

        @Test
        void missingSettingsAndNothingToTrain() {
            assertEquals("SingleTeacherDistill: setTeacher, setConfig or setDistiller was not called",
                    assertThrows(IllegalArgumentException.class, () -> SingleTeacherDistill.builder().setStudent(new Student()).build())
                            .getMessage());
            try (Student s = new Student(); Teacher t = new Teacher()) {
                DistillConfig config = DistillConfig.fromJson("{\"calculate_student_loss\": false, \"distiller\": "
                        + Fixtures.KD.replace("loss_kl", "kl") + "}");
                assertEquals("SingleTeacherDistill: nothing to train on: calculate_student_loss is false and no distill loss has \"loss\""
                        + " in its name", assertThrows(IllegalArgumentException.class,
                                () -> SingleTeacherDistill.builder().setStudent(s).setTeacher(t).setConfig(config).build()).getMessage());
                config.distiller().close();
            }
        }

        @Test
        void configProblemsOfTheAlgorithmAndItsDistillerTogether() {
            DistillConfigException e = assertThrows(DistillConfigException.class, () -> DistillConfig.fromJson(
                    "{\"type\": \"SingleTeacherDistill\", \"teacher_trainable\": \"no\", \"teacher_ckpt\": \"t.pth\","
                            + " \"distiller\": {\"distill_losses\": {\"loss_kl\": {\"type\": \"KLDivergence\", \"tau\": -1}}}}"));
            assertEquals(List.of("config.teacher_trainable: expected true or false, got string \"no\"",
                    "config: unknown key \"teacher_ckpt\" for SingleTeacherDistill; accepted keys: type, teacher_trainable,"
                            + " teacher_norm_eval, student_trainable, calculate_student_loss, distiller",
                    "distiller.distill_losses.loss_kl.tau: -1 must be greater than 0",
                    "distiller.distill_losses.loss_kl: has no entry in loss_forward_mappings, so it would never be computed"), e.errors());
            assertEquals(List.of("config: missing \"distiller\""),
                    assertThrows(DistillConfigException.class, () -> DistillConfig.fromJson("{}")).errors());
        }
    }

    @Test
    void deliveriesHandTheTeachersDrawToTheStudent() {
        // Both models get a dropout-like noise module in front; the delivery makes the student see the teacher's draw.
        final class Noisy extends dev.shrink4j.nn.Module {
            final dev.shrink4j.nn.Module noise = registerModule("noise", new dev.shrink4j.nn.Module() {
                @Override
                protected Tensor forward(Tensor x) {
                    return x.add(torch.rand(x.shape()));
                }
            });
            final dev.shrink4j.nn.Module inner;

            Noisy(dev.shrink4j.nn.Module inner) {
                this.inner = registerModule("net", inner);
            }

            @Override
            protected Tensor forward(Tensor x) {
                return inner.call(noise.call(x));
            }
        }
        String json = "{\"distill_deliveries\": {\"aug\": {\"type\": \"ModuleOutputs\", \"source\": \"noise\"}},"
                + " \"student_recorders\": {\"in\": {\"type\": \"ModuleInputs\", \"source\": \"net.conv\"}, \"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"net.fc\"}},"
                + " \"teacher_recorders\": {\"in\": {\"type\": \"ModuleInputs\", \"source\": \"net.conv\"}, \"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"net.fc\"}},"
                + " \"distill_losses\": {\"loss_in\": {\"type\": \"L1Loss\"}, \"loss_kl\": {\"type\": \"KLDivergence\"}},"
                + " \"loss_forward_mappings\": {\"loss_in\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"in\", \"data_idx\": 0},"
                + "   \"t_feature\": {\"from_student\": false, \"recorder\": \"in\", \"data_idx\": 0}},"
                + "   \"loss_kl\": {\"preds_S\": {\"from_student\": true, \"recorder\": \"fc\"}, \"preds_T\": {\"from_student\": false, \"recorder\": \"fc\"}}}}";
        try (Noisy s = new Noisy(new Student()); Noisy t = new Noisy(new Teacher());
             SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(s).setTeacher(t)
                     .setConfig(DistillConfig.fromJson("{\"distiller\": " + json + "}")).build();
             PointerScope scope = new PointerScope()) {
            Tensor x = torch.zeros(4, 1, 8, 8);
            Map<String, Tensor> losses = kd.forward(x, torch.randint(5, new long[] {4}));
            assertEquals(0.0, losses.get("distill.loss_in").item_double(), "the student's conv saw exactly the teacher's noisy input");
        }
    }
}
