package dev.shrink4j.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingMemory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resident-memory check of {@code TrainerMemoryTest} on distillation: 3,000 steps of the tiny CNN
 * distilled from a wider one with logits KD and a FitNets hint (recorders on both models, a trainable
 * connector with batch norm, a frozen teacher forward per step). Records, the teacher's outputs and the
 * connector's activations are the step's tensors; nothing of them may outlive the step's scope.
 */
class DistillTrainingMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(DistillTrainingMemoryTest.class);

    /** {@link Fixtures.ConvBnCnn} without padding: fc 784→10, on 1×16×16 images. */
    static final class WideCnn extends Fixtures.ConvBnCnn {
        WideCnn() {
            super(0, 784, 10);
        }
    }

    private static final String CONFIG = "{\"distiller\": {"
            + " \"student_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"},"
            + "   \"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
            + " \"teacher_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"},"
            + "   \"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
            + " \"connectors\": {\"hint\": {\"type\": \"ConvModuleConnector\", \"in_channel\": 8, \"out_channel\": 16,"
            + "   \"norm_cfg\": {\"type\": \"BN\"}, \"act_cfg\": null}},"
            + " \"distill_losses\": {\"loss_kl\": {\"type\": \"KLDivergence\", \"tau\": 4},"
            + "   \"loss_hint\": {\"type\": \"L2Loss\"}},"
            + " \"loss_forward_mappings\": {"
            + "   \"loss_kl\": {\"preds_S\": {\"from_student\": true, \"recorder\": \"fc\"},"
            + "               \"preds_T\": {\"from_student\": false, \"recorder\": \"fc\"}},"
            + "   \"loss_hint\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"feat\", \"connector\": \"hint\"},"
            + "                 \"t_feature\": {\"from_student\": false, \"recorder\": \"feat\"}}}}}";

    @Test
    @Tag("slow")
    void threeThousandDistillationStepsKeepResidentMemoryFlat() {
        try (Dataset ds = TrainingMemory.noise(); TrainingMemory.TinyCnn student = new TrainingMemory.TinyCnn(); WideCnn teacher = new WideCnn();
             SingleTeacherDistill kd = SingleTeacherDistill.builder().setStudent(student).setTeacher(teacher)
                     .setConfig(DistillConfig.fromJson(CONFIG)).build();
             Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(kd.trainableParameters())) {
            Trainer trainer = Trainer.builder().setModel(student).setOptimizer(sgd).optLoss(kd.loss()).addListener(kd)
                    .optProgressBar(false).build();
            TrainingMemory.Growth g = TrainingMemory.measure(trainer, TrainingMemory.loader(ds));
            LOG.info("3000 distillation steps (KD + FitNets hint) at batch 16: {}", g);
            assertEquals(3300, g.steps());
            assertEquals(TrainingMemory.WARMUP_EPOCHS + TrainingMemory.MEASURED_EPOCHS, kd.history().size(), "every epoch distilled");
            assertTrue(kd.history().get(kd.history().size() - 1).means().get("distill.loss_hint") > 0);
            assertTrue(g.growth() < TrainingMemory.LIMIT_BYTES, "native resident memory (Java heap excluded) grew by " + (g.growth() >> 20)
                    + " MB over 3000 distillation steps");
        }
    }
}
