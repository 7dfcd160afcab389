package dev.shrink4j.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.distill.Fixtures.Student;
import dev.shrink4j.distill.Fixtures.Teacher;
import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.distill.connectors.OFDTeacherConnector;
import dev.shrink4j.distill.losses.KLDivergence;
import dev.shrink4j.distill.losses.Reduction;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConfigurableDistillerTest {

    /** Runs teacher then student inside their recording contexts, as a distillation step does. */
    private static void forward(ConfigurableDistiller d, Student s, Teacher t, Tensor x) {
        d.teacherRecorders().start();
        t.call(x);
        d.teacherRecorders().stop();
        d.studentRecorders().start();
        s.call(x);
        d.studentRecorders().stop();
    }

    @Nested
    class ComputesLosses {
        @Test
        void logitsKdEqualsTheLossOnBothModelsOutputs() {
            torch.manual_seed(1);
            try (Student s = new Student(); Teacher t = new Teacher(); ConfigurableDistiller d = ConfigurableDistiller.fromJson(Fixtures.KD)) {
                d.prepare(s, t);
                Tensor x = torch.randn(6, 1, 8, 8);
                forward(d, s, t, x);
                Map<String, Tensor> losses = d.computeLosses();
                assertEquals(List.of("loss_kl"), List.copyOf(losses.keySet()));
                double expected = new KLDivergence(2, Reduction.BATCHMEAN, 1, true)
                        .forward(Map.of("preds_S", s.call(x), "preds_T", t.call(x))).item_double();
                assertEquals(expected, losses.get("loss_kl").item_double(), 1e-6);
                assertTrue(losses.get("loss_kl").requires_grad(), "differentiable in the student");
            }
        }

        @Test
        void recordIdxReadsTheSecondCallAndNoneReductionIsAveraged() {
            String json = "{\"student_recorders\": {\"r\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
                    + " \"teacher_recorders\": {\"r\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
                    + " \"connectors\": {\"c\": {\"type\": \"ConvModuleConnector\", \"in_channel\": 4, \"out_channel\": 16, \"act_cfg\": null}},"
                    + " \"distill_losses\": {\"loss_l1\": {\"type\": \"L1Loss\", \"reduction\": \"none\"}},"
                    + " \"loss_forward_mappings\": {\"loss_l1\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"r\","
                    + " \"record_idx\": 1, \"connector\": \"c\"}, \"t_feature\": {\"from_student\": false, \"recorder\": \"r\"}}}}";
            torch.manual_seed(2);
            try (Student s = new Student(); Teacher t = new Teacher(); ConfigurableDistiller d = ConfigurableDistiller.fromJson(json)) {
                d.prepare(s, t);
                Tensor x = torch.randn(2, 1, 8, 8);
                d.teacherRecorders().start();
                Tensor teacherRelu = t.relu.call(t.bn.call(t.conv.call(x)));
                d.teacherRecorders().stop();
                d.studentRecorders().start();
                s.relu.call(torch.zeros(2, 4, 8, 8));
                Tensor second = s.relu.call(s.conv.call(x));
                d.studentRecorders().stop();
                Tensor expected = d.connectors().get("c").call(second).sub(teacherRelu).abs().mean();
                assertEquals(expected.item_double(), d.computeLosses().get("loss_l1").item_double(), 1e-6);
            }
        }
    }

    @Nested
    class RejectsBadConfig {
        @Test
        void everySchemaProblemAtOnce() {
            String json = "{\"type\": \"ConfigurableDistiller\","
                    + " \"student_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"}},"
                    + " \"teacher_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"},"
                    + "   \"lab\": {\"type\": \"TaskLossInputs\"}},"
                    + " \"connectors\": {\"t_ofd\": {\"type\": \"OFDTeacherConnector\"}},"
                    + " \"distill_losses\": {\"loss_kl\": {\"type\": \"KLDivergence\"}, \"loss_dkd\": {\"type\": \"DKDLoss\"},"
                    + "   \"loss_unused\": {\"type\": \"L2Loss\"}},"
                    + " \"loss_forward_mappings\": {"
                    + "   \"loss_kl\": {\"preds_S\": {\"from_student\": true, \"recorder\": \"logits\"},"
                    + "               \"logits_T\": {\"from_student\": false, \"recorder\": \"fc\"}},"
                    + "   \"loss_dkd\": {\"preds_S\": {\"from_student\": \"yes\", \"recorder\": \"fc\"},"
                    + "                \"preds_T\": {\"from_student\": true, \"recorder\": \"fc\", \"connector\": \"t_ofd\", \"data_idx\": 0},"
                    + "                \"gt_labels\": {\"from_student\": false, \"recorder\": \"lab\", \"connector_idx\": 0}},"
                    + "   \"loss_x\": {}},"
                    + " \"deliveries\": {}}";
            DistillConfigException e = assertThrows(DistillConfigException.class, () -> ConfigurableDistiller.fromJson(json));
            assertEquals(List.of(
                    "distiller.loss_forward_mappings.loss_kl.preds_S.recorder: no recorder \"logits\" in student_recorders (it has fc)",
                    "distiller.loss_forward_mappings.loss_kl.logits_T: \"logits_T\" is not a forward argument of KLDivergence (preds_S, preds_T)",
                    "distiller.loss_forward_mappings.loss_kl: missing argument \"preds_T\" of KLDivergence (preds_S, preds_T)",
                    "distiller.loss_forward_mappings.loss_dkd.preds_S.from_student: expected true or false, got string \"yes\"",
                    "distiller.loss_forward_mappings.loss_dkd.preds_T.data_idx: ModuleOutputs of \"fc\" records a single tensor, not a tuple;"
                            + " remove data_idx 0",
                    "distiller.loss_forward_mappings.loss_dkd.preds_T.connector: \"t_ofd\" is an OFDTeacherConnector, which takes the"
                            + " teacher's feature (from_student: false)",
                    "distiller.loss_forward_mappings.loss_dkd.gt_labels.connector_idx: every connector here returns one tensor; remove"
                            + " connector_idx",
                    "distiller.loss_forward_mappings.loss_dkd.gt_labels.data_idx: TaskLossInputs records a tuple of 2; give data_idx",
                    "distiller.loss_forward_mappings.loss_x: no loss \"loss_x\" in distill_losses (it has loss_kl, loss_dkd, loss_unused)",
                    "distiller.distill_losses.loss_unused: has no entry in loss_forward_mappings, so it would never be computed",
                    "distiller: unknown key \"deliveries\" for ConfigurableDistiller; accepted keys: type, student_recorders,"
                            + " teacher_recorders, distill_deliveries, connectors, distill_losses, loss_forward_mappings"),
                    e.errors());
            assertTrue(e.getMessage().startsWith("invalid distiller config (11 errors):\n  distiller.loss_forward_mappings"), e.getMessage());
        }

        @Test
        void sourcesThatNameNothingInTheModels() {
            String json = Fixtures.KD.replace("\"source\": \"fc\"}}, \"teacher", "\"source\": \"head.fc\"}}, \"teacher")
                    .replace("\"teacher_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"}}",
                            "\"teacher_recorders\": {\"fc\": {\"type\": \"Parameter\", \"source\": \"fc.scale\"}}");
            try (Student s = new Student(); Teacher t = new Teacher(); ConfigurableDistiller d = ConfigurableDistiller.fromJson(json)) {
                DistillConfigException e = assertThrows(DistillConfigException.class, () -> d.prepare(s, t));
                assertEquals(List.of(
                        "student_recorders.fc.source: no module \"head.fc\" in Student (its modules: conv, relu, pool, flatten, fc)",
                        "teacher_recorders.fc.source: no parameter \"fc.scale\" in Teacher (its parameters: conv.weight, bn.weight,"
                                + " bn.bias, fc.weight, fc.bias)"), e.errors());
                assertEquals(0, s.fc.forwardHookCount(), "nothing stays attached");
            }
        }

        @Test
        void shapesThatDoNotFitOnTheFirstBatch() {
            // The student's ReLU [N,4,8,8] against the teacher's [N,16,8,8] without a connector; KD from the conv outputs.
            String json = "{\"student_recorders\": {\"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"},"
                    + " \"c\": {\"type\": \"ModuleOutputs\", \"source\": \"conv\"}},"
                    + " \"teacher_recorders\": {\"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
                    + " \"connectors\": {\"wrong\": {\"type\": \"ConvModuleConnector\", \"in_channel\": 8, \"out_channel\": 8}},"
                    + " \"distill_losses\": {\"loss_feat\": {\"type\": \"L2Loss\", \"normalize\": false},"
                    + "   \"loss_conn\": {\"type\": \"L2Loss\"}, \"loss_twice\": {\"type\": \"L1Loss\"}},"
                    + " \"loss_forward_mappings\": {"
                    + "   \"loss_feat\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"feat\"},"
                    + "                 \"t_feature\": {\"from_student\": false, \"recorder\": \"feat\"}},"
                    + "   \"loss_conn\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"feat\", \"connector\": \"wrong\"},"
                    + "                 \"t_feature\": {\"from_student\": false, \"recorder\": \"feat\"}},"
                    + "   \"loss_twice\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"c\", \"record_idx\": 1},"
                    + "                 \"t_feature\": {\"from_student\": false, \"recorder\": \"feat\"}}}}";
            try (Student s = new Student(); Teacher t = new Teacher(); ConfigurableDistiller d = ConfigurableDistiller.fromJson(json)) {
                d.prepare(s, t);
                forward(d, s, t, torch.randn(3, 1, 8, 8));
                DistillConfigException e = assertThrows(DistillConfigException.class, d::computeLosses);
                assertEquals("invalid distiller config (checked on the first batch)", e.subject());
                assertEquals(List.of(
                        "loss_forward_mappings.loss_feat (L2Loss): s_feature has shape [3, 4, 8, 8] but t_feature has shape [3, 16, 8, 8];"
                                + " they must be equal",
                        "loss_forward_mappings.loss_conn.s_feature.connector \"wrong\": ConvModuleConnector expects [N, 8, H, W] but got"
                                + " shape [3, 4, 8, 8]",
                        "loss_forward_mappings.loss_twice.s_feature.record_idx: record_idx 1 of ModuleOutputs of \"conv\": it has 1"
                                + " record(s) in this step (the source ran 1 time(s))"), e.errors());
            }
        }

        @Test
        void ofdConnectorNeedsATeacherBatchNorm() {
            String json = "{\"student_recorders\": {\"f\": {\"type\": \"ModuleOutputs\", \"source\": \"conv\"}},"
                    + " \"teacher_recorders\": {\"bn\": {\"type\": \"ModuleOutputs\", \"source\": \"bn\"},"
                    + "   \"relu\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
                    + " \"connectors\": {\"s\": {\"type\": \"ConvModuleConnector\", \"in_channel\": 4, \"out_channel\": 16,"
                    + "   \"norm_cfg\": {\"type\": \"BN\"}, \"act_cfg\": null}, \"t\": {\"type\": \"OFDTeacherConnector\"},"
                    + "   \"t2\": {\"type\": \"OFDTeacherConnector\"}},"
                    + " \"distill_losses\": {\"loss_ofd\": {\"type\": \"OFDLoss\"}, \"loss_bad\": {\"type\": \"OFDLoss\"}},"
                    + " \"loss_forward_mappings\": {"
                    + "   \"loss_ofd\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"f\", \"connector\": \"s\"},"
                    + "                \"t_feature\": {\"from_student\": false, \"recorder\": \"bn\", \"connector\": \"t\"}},"
                    + "   \"loss_bad\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"f\", \"connector\": \"s\"},"
                    + "                \"t_feature\": {\"from_student\": false, \"recorder\": \"relu\", \"connector\": \"t2\"}}}}";
            try (Student s = new Student(); Teacher t = new Teacher(); ConfigurableDistiller d = ConfigurableDistiller.fromJson(json)) {
                assertEquals(List.of("loss_forward_mappings.loss_bad.t_feature.connector: OFDTeacherConnector \"t2\" takes its margin"
                        + " from the batch norm whose output it receives; teacher recorder \"relu\" is ModuleOutputs of \"relu\", a ReLU,"
                        + " not the ModuleOutputs of a BatchNorm2d"),
                        assertThrows(DistillConfigException.class, () -> d.prepare(s, t)).errors());
            }
            String good = json.replace("\"recorder\": \"relu\", \"connector\": \"t2\"", "\"recorder\": \"bn\", \"connector\": \"t2\"");
            try (Student s = new Student(); Teacher t = new Teacher(); ConfigurableDistiller d = ConfigurableDistiller.fromJson(good)) {
                d.prepare(s, t);
                OFDTeacherConnector c = (OFDTeacherConnector) d.connectors().get("t");
                // γ = 1, β = 0 in every channel: m − s·φ(0)/Φ(0) = −2/√(2π)
                assertEquals(-2 / Math.sqrt(2 * Math.PI), c.margin().flatten().get(0).item_double(), 1e-6);
                assertEquals(3, d.trainableParameters().size(), "the student connector's conv weight, BN γ and β; OFD connectors have none");
            }
        }
    }

    @Test
    void detachRemovesEveryHook() {
        try (Student s = new Student(); Teacher t = new Teacher()) {
            ConfigurableDistiller d = ConfigurableDistiller.fromJson(Fixtures.KD);
            d.prepare(s, t);
            assertEquals(1, s.fc.forwardHookCount());
            assertThrows(IllegalStateException.class, () -> d.prepare(s, t));
            d.close();
            assertEquals(0, s.fc.forwardHookCount() + t.fc.forwardHookCount());
            assertSame(false, d.isPrepared());
        }
    }
}
