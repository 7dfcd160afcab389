package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.LossInputs.args;
import static dev.shrink4j.distill.losses.LossInputs.check;
import static dev.shrink4j.distill.losses.LossInputs.close;
import static dev.shrink4j.distill.losses.LossInputs.labels;
import static dev.shrink4j.distill.losses.LossInputs.studentFeature;
import static dev.shrink4j.distill.losses.LossInputs.studentLogits;
import static dev.shrink4j.distill.losses.LossInputs.teacherFeature;
import static dev.shrink4j.distill.losses.LossInputs.teacherLogits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.shrink4j.distill.losses.LossInputs.Expected;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every loss against values computed from its published formula in PyTorch 1.13 (float64):
 * {@code /usr/bin/python3 samples/python/distill_reference.py} writes each formula out independently and
 * prints the value, the gradient at the first and last element of the student's input (of the teacher's
 * where noted) and the gradient's L2 norm; the numbers below are what it printed. Inputs are the issue's:
 * logits {@code S = ((arange(24)*7) % 11).reshape(4,6)/2 − 2.5}, {@code T = ((arange(24)*5+3) %
 * 13).reshape(4,6)/2 − 3.0}, labels {@code [1, 4, 0, 5]}; feature maps [2,3,4,4] {@code ((arange(96)*7) %
 * 11)/4 − 1.25} and {@code ((arange(96)*5+3) % 13)/4 − 1.5}. Each loss is built from its JSON config, as a
 * config file would build it.
 */
class LossValuesTest {

    private static Map<String, Tensor> logits(String s, String t) {
        return args(s, studentLogits(), t, teacherLogits());
    }

    private static Map<String, Tensor> features() {
        return args("s_feature", studentFeature(), "t_feature", teacherFeature());
    }

    private static DistillLoss loss(String json) {
        return DistillLosses.fromJson(json);
    }

    @Nested
    class KLDivergenceValues {
        @Test
        void issueGoldenValueAndGradient() {
            // Issue 15: 0.8797531945313595, ∂/∂S[0,0] = −0.018998826612337143.
            check(loss("{\"type\": \"KLDivergence\", \"tau\": 4, \"loss_weight\": 0.5}"), logits("preds_S", "preds_T"), "preds_S",
                    new Expected(0.8797531945313595, -0.018998826612337143, 0.07100398473843733, 0.19463394339609763));
        }

        @Test
        void defaults() {
            check(loss("{\"type\": \"KLDivergence\"}"), logits("preds_S", "preds_T"), "preds_S",
                    new Expected(1.0681423613326493, -0.00382392791890326, 0.07454197949403843, 0.3499285263343942));
        }

        @Test
        void meanAndSumReductions() {
            check(loss("{\"type\": \"KLDivergence\", \"tau\": 2, \"reduction\": \"mean\"}"), logits("preds_S", "preds_T"), "preds_S",
                    new Expected(0.2514265974735785, -0.0032741544620276675, 0.019552990635653238, 0.06365558695932229));
            check(loss("{\"type\": \"KLDivergence\", \"tau\": 2, \"reduction\": \"sum\"}"), logits("preds_S", "preds_T"), "preds_S",
                    new Expected(6.034238339365884, -0.07857970708866402, 0.4692717752556777, 1.527734087023735));
        }

        @Test
        void noReductionKeepsEveryElement() {
            Tensor v = loss("{\"type\": \"KLDivergence\", \"tau\": 2, \"reduction\": \"none\"}").forward(logits("preds_S", "preds_T"));
            assertArrayEquals(new long[] {4, 6}, v.shape());
            close(0.22111145838024526, v.flatten().get(0).item_double(), "first element");
            close(-0.2680525850708319, v.flatten().get(23).item_double(), "last element");
        }

        @Test
        void undetachedTeacherGetsAGradient() {
            check(loss("{\"type\": \"KLDivergence\", \"tau\": 2, \"teacher_detach\": false}"), logits("preds_S", "preds_T"),
                    "preds_T", new Expected(1.508559584841471, 0.014169535899360434, -0.04143186853120546, 0.3496842609870484));
        }
    }

    @Nested
    class ChannelWiseDivergenceValues {
        @Test
        void issueGoldenValue() {
            // Issue 15: 0.7508340848774372 (the script's order of operations gives …4365; both within 1e-15).
            check(loss("{\"type\": \"ChannelWiseDivergence\", \"tau\": 4}"), args("preds_S", studentFeature(), "preds_T",
                    teacherFeature()), "preds_S",
                    new Expected(0.7508340848774372, -0.0047758495822984, -0.012840009389801893, 0.1249937736462578));
        }

        @Test
        void weighted() {
            check(loss("{\"type\": \"ChannelWiseDivergence\", \"loss_weight\": 3}"), args("preds_S", studentFeature(), "preds_T",
                    teacherFeature()), "preds_S",
                    new Expected(1.9388181893825784, -0.004338469505080056, -0.03752954275263064, 0.34910509627521713));
        }
    }

    @Nested
    class L2LossValues {
        @Test
        void normalisedPerSampleByDefault() {
            check(loss("{\"type\": \"L2Loss\"}"), features(), "s_feature",
                    new Expected(2.043926490449317, 0.021764047597539433, -0.028613156103436944, 0.2577422941830276));
        }

        @Test
        void rawSquaredDistanceOverBatch() {
            check(loss("{\"type\": \"L2Loss\", \"normalize\": false, \"loss_weight\": 2}"), features(), "s_feature",
                    new Expected(147.125, -1.0, -2.0, 24.259018941416407));
        }

        @Test
        void multAndDivElement() {
            check(loss("{\"type\": \"L2Loss\", \"mult\": 3, \"div_element\": true}"), features(), "s_feature",
                    new Expected(0.383236216959247, 0.004080758924538646, -0.005364966769394427, 0.04832668015931769));
        }

        @Test
        void distTakesTheSquareRoot() {
            check(loss("{\"type\": \"L2Loss\", \"dist\": true}"), features(), "s_feature",
                    new Expected(2.0218439556253185, 0.010764454663766682, -0.014152010111278559, 0.12747882618038778));
        }
    }

    @Nested
    class L1LossValues {
        @Test
        void meanByDefault() {
            check(loss("{\"type\": \"L1Loss\"}"), features(), "s_feature",
                    new Expected(1.015625, -0.010416666666666666, -0.010416666666666666, 0.09936866681426508));
        }

        @Test
        void sumWeighted() {
            check(loss("{\"type\": \"L1Loss\", \"reduction\": \"sum\", \"loss_weight\": 0.5}"), features(), "s_feature",
                    new Expected(48.75, -0.5, -0.5, 4.769696007084728));
        }

        @Test
        void legacySizeAverageFalseMeansSum() {
            // PyTorch: size_average=False (reduce unset) overrides reduction to "sum".
            check(loss("{\"type\": \"L1Loss\", \"size_average\": false, \"loss_weight\": 0.5}"), features(), "s_feature",
                    new Expected(48.75, -0.5, -0.5, 4.769696007084728));
        }
    }

    @Nested
    class ABLossValues {
        @Test
        void defaults() {
            check(loss("{\"type\": \"ABLoss\"}"), features(), "s_feature",
                    new Expected(0.23353125000000002, 0.0, -0.003, 0.03743243914040334));
        }

        @Test
        void marginAndWeight() {
            check(loss("{\"type\": \"ABLoss\", \"margin\": 0.5, \"loss_weight\": 2}"), features(), "s_feature",
                    new Expected(0.229875, 0.0, -0.003, 0.05252142420003479));
        }
    }

    @Nested
    class ATLossValues {
        @Test
        void defaults() {
            check(loss("{\"type\": \"ATLoss\"}"), features(), "s_feature",
                    new Expected(0.019326110670277397, -0.002822999045243249, 0.0, 0.015004583008208974));
        }

        @Test
        void weighted() {
            check(loss("{\"type\": \"ATLoss\", \"loss_weight\": 1000}"), features(), "s_feature",
                    new Expected(19.326110670277398, -2.8229990452432485, 0.0, 15.004583008208972));
        }
    }

    @Nested
    class DKDLossValues {
        private Map<String, Tensor> inputs() {
            return args("preds_S", studentLogits(), "preds_T", teacherLogits(), labels());
        }

        @Test
        void defaults() {
            check(loss("{\"type\": \"DKDLoss\"}"), inputs(), "preds_S",
                    new Expected(1.2158974358914445, -0.005100422952573455, 0.07454197949403843, 0.40984407446991017));
        }

        @Test
        void eachReductionIsHonoured() {
            String options = "\"tau\": 2, \"alpha\": 0.5, \"beta\": 8";
            check(loss("{\"type\": \"DKDLoss\", " + options + "}"), inputs(), "preds_S",
                    new Expected(10.808814754515096, -0.2270317593278027, 0.058658971906959734, 3.2134613280300597));
            check(loss("{\"type\": \"DKDLoss\", " + options + ", \"reduction\": \"mean\"}"), inputs(), "preds_S",
                    new Expected(1.8655450664491628, -0.03762925099665518, 0.029329485953479867, 0.5372533885677369));
            // MMRazor's DKDLoss always gives this one (size_average=False forces a sum), whatever reduction says.
            check(loss("{\"type\": \"DKDLoss\", " + options + ", \"reduction\": \"sum\"}"), inputs(), "preds_S",
                    new Expected(43.23525901806038, -0.9081270373112108, 0.23463588762783893, 12.853845312120239));
        }
    }

    @Nested
    class DISTLossValues {
        @Test
        void defaults() {
            check(loss("{\"type\": \"DISTLoss\"}"), logits("logits_S", "logits_T"), "logits_S",
                    new Expected(1.3585700453325824, 0.0007480919864232815, 0.1766865739129325, 0.41371430649800556));
        }

        @Test
        void relationWeightsTemperatureAndWeight() {
            check(loss("{\"type\": \"DISTLoss\", \"inter_loss_weight\": 2, \"intra_loss_weight\": 0.5, \"tau\": 4,"
                    + " \"loss_weight\": 2}"), logits("logits_S", "logits_T"), "logits_S",
                    new Expected(48.01788895024715, 0.09932937342502626, 3.7458781022001886, 11.078018947036885));
        }
    }

    @Nested
    class OFDLossValues {
        @Test
        void defaults() {
            check(loss("{\"type\": \"OFDLoss\"}"), features(), "s_feature",
                    new Expected(0.071125, 0.0, -0.001, 0.011926860441876564));
        }

        @Test
        void mulFactorAndWeight() {
            check(loss("{\"type\": \"OFDLoss\", \"loss_weight\": 0.25, \"mul_factor\": 10}"), features(), "s_feature",
                    new Expected(1.778125, 0.0, -0.025, 0.2981715110469141));
        }
    }

    @Nested
    class FTLossValues {
        @Test
        void defaults() {
            check(loss("{\"type\": \"FTLoss\"}"), features(), "s_feature",
                    new Expected(0.16985162839796297, -6.748655345605687e-05, -0.0019301710608836645, 0.015007889874251576));
        }
    }

    @Nested
    class WSLDValues {
        private Map<String, Tensor> inputs() {
            return args("student", studentLogits(), "teacher", teacherLogits(), labels());
        }

        @Test
        void sixClasses() {
            check(loss("{\"type\": \"WSLD\", \"num_classes\": 6}"), inputs(), "student",
                    new Expected(1.157732444410698, -0.002792533036785376, 0.013955369512326479, 0.2276534171326668));
        }

        @Test
        void temperatureAndWeight() {
            check(loss("{\"type\": \"WSLD\", \"tau\": 2, \"loss_weight\": 2.5, \"num_classes\": 6}"), inputs(), "student",
                    new Expected(10.274713415234809, -0.03586567802789364, 0.05490916888249996, 0.5772986966607525));
        }
    }

    @Nested
    class RelationalValues {
        @Test
        void distanceWiseDefaults() {
            check(loss("{\"type\": \"DistanceWiseRKD\"}"), logits("preds_S", "preds_T"), "preds_S",
                    new Expected(0.732674398648593, 0.06479585636628395, 0.19650234186142868, 0.5236951479336082));
        }

        @Test
        void distanceWiseWithoutNormalisation() {
            check(loss("{\"type\": \"DistanceWiseRKD\", \"with_l2_norm\": false, \"loss_weight\": 1}"), logits("preds_S", "preds_T"),
                    "preds_S", new Expected(0.03246211161102742, -0.0007008185200457371, 0.008158711205889173, 0.02226998378109557));
        }

        @Test
        void distanceWiseOnFeatureMapsFlattensEachSample() {
            check(loss("{\"type\": \"DistanceWiseRKD\"}"), args("preds_S", studentFeature().reshape(4, 3, 2, 4), "preds_T",
                    teacherFeature().reshape(4, 3, 2, 4)), "preds_S",
                    new Expected(0.0423967698196262, 0.014887204362945574, 0.011555989981259814, 0.09062527332748398));
        }

        @Test
        void angleWiseDefaults() {
            check(loss("{\"type\": \"AngleWiseRKD\"}"), logits("preds_S", "preds_T"), "preds_S",
                    new Expected(0.7276319962540765, 0.10748825952905783, 0.08615027808910064, 0.4397277770913694));
        }

        @Test
        void angleWiseWithoutNormalisation() {
            check(loss("{\"type\": \"AngleWiseRKD\", \"with_l2_norm\": false, \"loss_weight\": 1}"), logits("preds_S", "preds_T"),
                    "preds_S", new Expected(0.015790989289905792, 0.00019151275532110028, 0.001090424963963285, 0.009134772626070733));
        }
    }
}
