package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.LossInputs.args;
import static dev.shrink4j.distill.losses.LossInputs.labels;
import static dev.shrink4j.distill.losses.LossInputs.studentFeature;
import static dev.shrink4j.distill.losses.LossInputs.studentLogits;
import static dev.shrink4j.distill.losses.LossInputs.teacherFeature;
import static dev.shrink4j.distill.losses.LossInputs.teacherLogits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.distill.config.DistillConfigException;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DistillLossesTest {

    private static List<String> errors(String json) {
        return assertThrows(DistillConfigException.class, () -> DistillLosses.fromJson(json)).errors();
    }

    @Nested
    class BuildsFromConfig {
        @Test
        void everyTypeWithItsDefaults() {
            assertEquals(List.of("KLDivergence", "ChannelWiseDivergence", "L2Loss", "L1Loss", "ABLoss", "ATLoss", "DKDLoss",
                    "DISTLoss", "OFDLoss", "FTLoss", "WSLD", "DistanceWiseRKD", "AngleWiseRKD"), DistillLosses.TYPES);
            for (String type : DistillLosses.TYPES) {
                DistillLoss loss = DistillLosses.fromJson("{\"type\": \"" + type + "\"}");
                assertEquals(type, loss.type());
                double weight = type.equals("DistanceWiseRKD") ? 25 : type.equals("AngleWiseRKD") ? 50 : 1;
                assertEquals(weight, loss.lossWeight(), type + " default loss_weight");
            }
        }

        @Test
        void optionsAreRead() {
            KLDivergence kl = assertInstanceOf(KLDivergence.class,
                    DistillLosses.fromJson("{\"type\": \"KLDivergence\", \"tau\": 4, \"loss_weight\": 0.5, \"reduction\": \"sum\","
                            + " \"teacher_detach\": false}"));
            assertEquals(4.0, kl.tau());
            assertEquals(0.5, kl.lossWeight());
            assertEquals(Reduction.SUM, kl.reduction());
            assertEquals(false, kl.teacherDetach());
            DKDLoss dkd = assertInstanceOf(DKDLoss.class, DistillLosses.fromJson("{\"type\": \"DKDLoss\", \"beta\": 0.5, \"reduction\": \"mean\"}"));
            assertEquals(0.5, dkd.beta());
            assertEquals(Reduction.MEAN, dkd.reduction());
            assertEquals(List.of("preds_S", "preds_T", "gt_labels"), dkd.forwardArguments());
            assertEquals(List.of("logits_S", "logits_T"), DistillLosses.fromJson("{\"type\": \"DISTLoss\"}").forwardArguments());
            assertEquals(List.of("student", "teacher", "gt_labels"), DistillLosses.fromJson("{\"type\": \"WSLD\"}").forwardArguments());
        }

        @Test
        void legacyFlagsOfL1Loss() {
            assertEquals(Reduction.NONE, ((L1Loss) DistillLosses.fromJson("{\"type\": \"L1Loss\", \"reduce\": false}")).reduction());
            assertEquals(Reduction.MEAN, ((L1Loss) DistillLosses.fromJson("{\"type\": \"L1Loss\", \"reduction\": \"sum\","
                    + " \"size_average\": true}")).reduction());
            assertEquals(Reduction.SUM, ((L1Loss) DistillLosses.fromJson("{\"type\": \"L1Loss\", \"size_average\": null,"
                    + " \"reduce\": null, \"reduction\": \"sum\"}")).reduction());
        }
    }

    @Nested
    class RejectsBadConfig {
        @Test
        void everyProblemOfOneEntryAtOnce() {
            DistillConfigException e = assertThrows(DistillConfigException.class, () -> DistillLosses.fromJson(
                    "{\"type\": \"KLDivergence\", \"tau\": \"4\", \"reduction\": \"avg\", \"teacher_detach\": 1, \"taux\": 2}"));
            assertEquals(List.of(
                    "loss.tau: expected a number, got string \"4\"",
                    "loss.reduction: \"avg\" is not one of none, mean, batchmean, sum",
                    "loss.teacher_detach: expected true or false, got number 1",
                    "loss: unknown key \"taux\" for KLDivergence; accepted keys: type, tau, reduction, loss_weight, teacher_detach"),
                    e.errors());
            assertEquals("invalid distill loss (4 errors):\n  loss.tau: expected a number, got string \"4\"\n"
                    + "  loss.reduction: \"avg\" is not one of none, mean, batchmean, sum\n"
                    + "  loss.teacher_detach: expected true or false, got number 1\n"
                    + "  loss: unknown key \"taux\" for KLDivergence; accepted keys: type, tau, reduction, loss_weight, teacher_detach",
                    e.getMessage());
        }

        @Test
        void rangesTheFormulasNeed() {
            assertEquals(List.of("loss.tau: 0 must be greater than 0"), errors("{\"type\": \"DKDLoss\", \"tau\": 0}"));
            assertEquals(List.of("loss.mul_factor: -5 must be greater than 0"), errors("{\"type\": \"OFDLoss\", \"mul_factor\": -5}"));
            assertEquals(List.of("loss.num_classes: expected an integer, got number 2.5"),
                    errors("{\"type\": \"WSLD\", \"num_classes\": 2.5}"));
            assertEquals(List.of("loss.num_classes: 0 is outside [1, 2147483647]"), errors("{\"type\": \"WSLD\", \"num_classes\": 0}"));
            assertEquals(List.of("loss.tau: expected a number, got null"), errors("{\"type\": \"KLDivergence\", \"tau\": null}"));
        }

        @Test
        void reductionsTheLossCannotHonour() {
            // MMRazor's L1Loss accepts batchmean and then fails inside F.l1_loss; DKD's none cannot add [N,2] and [N,C].
            assertEquals(List.of("loss.reduction: \"batchmean\" is not one of none, mean, sum"),
                    errors("{\"type\": \"L1Loss\", \"reduction\": \"batchmean\"}"));
            assertEquals(List.of("loss.reduction: \"none\" is not one of batchmean, mean, sum"),
                    errors("{\"type\": \"DKDLoss\", \"reduction\": \"none\"}"));
        }

        @Test
        void typeMissingUnknownOrNotAnObject() {
            assertEquals(List.of("loss: missing \"type\""), errors("{\"tau\": 4}"));
            assertEquals(List.of("loss.type: unknown loss \"KLDiv\"; known losses: KLDivergence, ChannelWiseDivergence, L2Loss,"
                    + " L1Loss, ABLoss, ATLoss, DKDLoss, DISTLoss, OFDLoss, FTLoss, WSLD, DistanceWiseRKD, AngleWiseRKD"),
                    errors("{\"type\": \"KLDiv\"}"));
            assertEquals(List.of("loss: expected an object, got list [1]"), errors("[1]"));
            assertEquals(List.of("loss.type: expected a string, got number 3"), errors("{\"type\": 3}"));
        }

        @Test
        void notStrictJson() {
            List<String> e = errors("{\"type\": \"KLDivergence\", \"tau\": 4,}");
            assertEquals(1, e.size());
            assertEquals(true, e.get(0).startsWith("loss: not valid JSON: "), e.get(0));
        }
    }

    @Nested
    class Forward {
        @Test
        void namesAnArgumentThatIsNotOneAndAMissingOne() {
            DistillLoss kl = new KLDivergence();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> kl.forward(Map.of("preds_S", studentLogits(), "logits_T", teacherLogits())));
            assertEquals("KLDivergence.forward: \"logits_T\" is not a forward argument; missing argument \"preds_T\""
                    + " (its arguments: preds_S, preds_T)", e.getMessage());
        }

        @Test
        void inputProblemsNameBothShapes() {
            Tensor s = studentLogits();
            assertEquals(List.of("preds_S has shape [4, 6] but preds_T has shape [4, 3]; they must be equal"),
                    new KLDivergence().inputProblems(args("preds_S", s, "preds_T", s.narrow(1, 0, 3))));
            assertEquals(List.of("preds_S has shape [4, 6]; expected 4-D"),
                    new ChannelWiseDivergence().inputProblems(args("preds_S", s, "preds_T", teacherFeature())));
            assertEquals(List.of("s_feature has shape [2, 3, 4, 4] but t_feature has shape [2, 40]; normalised features need the"
                    + " same number of elements per sample"),
                    new L2Loss().inputProblems(args("s_feature", studentFeature(), "t_feature", torch.zeros(2, 40))));
            assertEquals(List.of("s_feature has shape [2, 3, 4, 4] but t_feature has shape [4, 6]; they must hold the same number"
                    + " of samples (dimension 0)"), new L2Loss().inputProblems(args("s_feature", studentFeature(), "t_feature", s)));
            assertEquals(List.of(), new L2Loss().inputProblems(args("s_feature", studentFeature(), "t_feature",
                    teacherFeature().reshape(2, 48))), "normalised: only the per-sample size matters");
            assertEquals(List.of("s_feature has shape [2, 3, 4, 4] but t_feature has shape [2, 5, 2, 8]; attention maps need the"
                    + " same batch and spatial sizes (channels may differ)"),
                    new ATLoss().inputProblems(args("s_feature", studentFeature(), "t_feature", torch.zeros(2, 5, 2, 8))));
            assertEquals(List.of(), new ATLoss().inputProblems(args("s_feature", studentFeature(), "t_feature",
                    torch.zeros(2, 7, 4, 4))), "channels may differ");
            assertEquals(List.of("preds_S has shape [1, 6]; relations need a batch of at least 2 samples"),
                    new DistanceWiseRKD().inputProblems(args("preds_S", s.narrow(0, 0, 1), "preds_T", s.narrow(0, 0, 1))));
        }

        @Test
        void labelProblems() {
            Tensor s = studentLogits();
            Tensor t = teacherLogits();
            assertEquals(List.of("gt_labels has shape [3] but preds_S has shape [4, 6]; expected one class index per sample"),
                    new DKDLoss().inputProblems(args("preds_S", s, "preds_T", t, labels().narrow(0, 0, 3))));
            assertEquals(List.of("gt_labels has dtype Float; expected class indices (Long)"),
                    new DKDLoss().inputProblems(args("preds_S", s, "preds_T", t, labels().toType(torch.ScalarType.Float))));
            assertEquals(List.of("gt_labels holds class 9 but preds_S has 6 classes"),
                    new DKDLoss().inputProblems(args("preds_S", s, "preds_T", t, Tensor.create(new long[] {1, 9, 0, 2}, 4))));
            assertEquals(List.of("num_classes is 1000 but the logits have 6 classes"),
                    new WSLD().inputProblems(args("student", s, "teacher", t, labels())));
        }
    }
}
