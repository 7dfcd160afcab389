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
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss against values computed from its published formula in PyTorch 1.13 (float64):
 * {@code /usr/bin/python3 samples/python/distill_reference.py} writes each formula out independently and
 * prints the value, the gradient at the first and last element of the student's input (of the teacher's
 * where noted) and the gradient's L2 norm; the numbers below are what it printed. Inputs are the issue's:
 * logits {@code S = ((arange(24)*7) % 11).reshape(4,6)/2 − 2.5}, {@code T = ((arange(24)*5+3) %
 * 13).reshape(4,6)/2 − 3.0}, labels {@code [1, 4, 0, 5]}; feature maps [2,3,4,4] {@code ((arange(96)*7) %
 * 11)/4 − 1.25} and {@code ((arange(96)*5+3) % 13)/4 − 1.5}. Each loss is built from its JSON config, as a
 * config file would build it. Every case is the same check ({@link LossInputs#check}), so they are one
 * table: a row per config the script printed.
 */
class LossValuesTest {

    private static Map<String, Tensor> logits(String s, String t) {
        return args(s, studentLogits(), t, teacherLogits());
    }

    private static Map<String, Tensor> features() {
        return args("s_feature", studentFeature(), "t_feature", teacherFeature());
    }

    /** The feature maps under ChannelWiseDivergence's argument names. */
    private static Map<String, Tensor> featuresAsPreds() {
        return args("preds_S", studentFeature(), "preds_T", teacherFeature());
    }

    /** The feature maps as 4 samples of [3, 2, 4], for the relational losses (which need a batch of several). */
    private static Map<String, Tensor> featuresOfFourSamples() {
        return args("preds_S", studentFeature().reshape(4, 3, 2, 4), "preds_T", teacherFeature().reshape(4, 3, 2, 4));
    }

    private static Map<String, Tensor> logitsAndLabels(String s, String t) {
        return args(s, studentLogits(), t, teacherLogits(), labels());
    }

    private static DistillLoss loss(String json) {
        return DistillLosses.fromJson(json);
    }

    /**
     * One line of the reference script: the loss's config, its inputs, the argument whose gradient is
     * checked, and what the script printed.
     */
    record Case(String name, String config, Supplier<Map<String, Tensor>> inputs, String wrt, Expected expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A KLDivergence case on the logits; {@code options} follow the type in the config. */
    private static Case kl(String name, String options, String wrt, Expected expected) {
        return new Case("KLDivergence " + name, "{\"type\": \"KLDivergence\"" + options + "}", () -> logits("preds_S", "preds_T"),
                wrt, expected);
    }

    /** A DKDLoss case on the logits and labels; {@code options} follow the type in the config. */
    private static Case dkd(String name, String options, Expected expected) {
        return new Case("DKDLoss " + name, "{\"type\": \"DKDLoss\"" + options + "}", () -> logitsAndLabels("preds_S", "preds_T"),
                "preds_S", expected);
    }

    private static Case onFeatures(String name, String config, Expected expected) {
        return new Case(name, config, LossValuesTest::features, "s_feature", expected);
    }

    static Stream<Case> cases() {
        String dkdOptions = "\"tau\": 2, \"alpha\": 0.5, \"beta\": 8";
        return Stream.of(
                // Issue 15: 0.8797531945313595, ∂/∂S[0,0] = −0.018998826612337143.
                kl("issue 15's golden value and gradient", ", \"tau\": 4, \"loss_weight\": 0.5", "preds_S",
                        new Expected(0.8797531945313595, -0.018998826612337143, 0.07100398473843733, 0.19463394339609763)),
                kl("defaults", "", "preds_S",
                        new Expected(1.0681423613326493, -0.00382392791890326, 0.07454197949403843, 0.3499285263343942)),
                kl("mean reduction", ", \"tau\": 2, \"reduction\": \"mean\"", "preds_S",
                        new Expected(0.2514265974735785, -0.0032741544620276675, 0.019552990635653238, 0.06365558695932229)),
                kl("sum reduction", ", \"tau\": 2, \"reduction\": \"sum\"", "preds_S",
                        new Expected(6.034238339365884, -0.07857970708866402, 0.4692717752556777, 1.527734087023735)),
                kl("undetached teacher gets a gradient", ", \"tau\": 2, \"teacher_detach\": false", "preds_T",
                        new Expected(1.508559584841471, 0.014169535899360434, -0.04143186853120546, 0.3496842609870484)),
                // Issue 15: 0.7508340848774372 (the script's order of operations gives …4365; both within 1e-15).
                new Case("ChannelWiseDivergence issue 15's golden value", "{\"type\": \"ChannelWiseDivergence\", \"tau\": 4}",
                        LossValuesTest::featuresAsPreds, "preds_S",
                        new Expected(0.7508340848774372, -0.0047758495822984, -0.012840009389801893, 0.1249937736462578)),
                new Case("ChannelWiseDivergence weighted", "{\"type\": \"ChannelWiseDivergence\", \"loss_weight\": 3}",
                        LossValuesTest::featuresAsPreds, "preds_S",
                        new Expected(1.9388181893825784, -0.004338469505080056, -0.03752954275263064, 0.34910509627521713)),
                onFeatures("L2Loss normalised per sample by default", "{\"type\": \"L2Loss\"}",
                        new Expected(2.043926490449317, 0.021764047597539433, -0.028613156103436944, 0.2577422941830276)),
                onFeatures("L2Loss raw squared distance over the batch", "{\"type\": \"L2Loss\", \"normalize\": false, \"loss_weight\": 2}",
                        new Expected(147.125, -1.0, -2.0, 24.259018941416407)),
                onFeatures("L2Loss mult and div_element", "{\"type\": \"L2Loss\", \"mult\": 3, \"div_element\": true}",
                        new Expected(0.383236216959247, 0.004080758924538646, -0.005364966769394427, 0.04832668015931769)),
                onFeatures("L2Loss dist takes the square root", "{\"type\": \"L2Loss\", \"dist\": true}",
                        new Expected(2.0218439556253185, 0.010764454663766682, -0.014152010111278559, 0.12747882618038778)),
                onFeatures("L1Loss mean by default", "{\"type\": \"L1Loss\"}",
                        new Expected(1.015625, -0.010416666666666666, -0.010416666666666666, 0.09936866681426508)),
                onFeatures("L1Loss sum, weighted", "{\"type\": \"L1Loss\", \"reduction\": \"sum\", \"loss_weight\": 0.5}",
                        new Expected(48.75, -0.5, -0.5, 4.769696007084728)),
                // PyTorch: size_average=False (reduce unset) overrides reduction to "sum".
                onFeatures("L1Loss legacy size_average false means sum",
                        "{\"type\": \"L1Loss\", \"size_average\": false, \"loss_weight\": 0.5}",
                        new Expected(48.75, -0.5, -0.5, 4.769696007084728)),
                onFeatures("ABLoss defaults", "{\"type\": \"ABLoss\"}",
                        new Expected(0.23353125000000002, 0.0, -0.003, 0.03743243914040334)),
                onFeatures("ABLoss margin and weight", "{\"type\": \"ABLoss\", \"margin\": 0.5, \"loss_weight\": 2}",
                        new Expected(0.229875, 0.0, -0.003, 0.05252142420003479)),
                onFeatures("ATLoss defaults", "{\"type\": \"ATLoss\"}",
                        new Expected(0.019326110670277397, -0.002822999045243249, 0.0, 0.015004583008208974)),
                onFeatures("ATLoss weighted", "{\"type\": \"ATLoss\", \"loss_weight\": 1000}",
                        new Expected(19.326110670277398, -2.8229990452432485, 0.0, 15.004583008208972)),
                dkd("defaults", "",
                        new Expected(1.2158974358914445, -0.005100422952573455, 0.07454197949403843, 0.40984407446991017)),
                dkd("batchmean", ", " + dkdOptions,
                        new Expected(10.808814754515096, -0.2270317593278027, 0.058658971906959734, 3.2134613280300597)),
                dkd("mean", ", " + dkdOptions + ", \"reduction\": \"mean\"",
                        new Expected(1.8655450664491628, -0.03762925099665518, 0.029329485953479867, 0.5372533885677369)),
                // MMRazor's DKDLoss always gives this one (size_average=False forces a sum), whatever reduction says.
                dkd("sum", ", " + dkdOptions + ", \"reduction\": \"sum\"",
                        new Expected(43.23525901806038, -0.9081270373112108, 0.23463588762783893, 12.853845312120239)),
                new Case("DISTLoss defaults", "{\"type\": \"DISTLoss\"}", () -> logits("logits_S", "logits_T"), "logits_S",
                        new Expected(1.3585700453325824, 0.0007480919864232815, 0.1766865739129325, 0.41371430649800556)),
                new Case("DISTLoss relation weights, temperature and weight", "{\"type\": \"DISTLoss\", \"inter_loss_weight\": 2,"
                        + " \"intra_loss_weight\": 0.5, \"tau\": 4, \"loss_weight\": 2}", () -> logits("logits_S", "logits_T"), "logits_S",
                        new Expected(48.01788895024715, 0.09932937342502626, 3.7458781022001886, 11.078018947036885)),
                onFeatures("OFDLoss defaults", "{\"type\": \"OFDLoss\"}",
                        new Expected(0.071125, 0.0, -0.001, 0.011926860441876564)),
                onFeatures("OFDLoss mul_factor and weight", "{\"type\": \"OFDLoss\", \"loss_weight\": 0.25, \"mul_factor\": 10}",
                        new Expected(1.778125, 0.0, -0.025, 0.2981715110469141)),
                onFeatures("FTLoss defaults", "{\"type\": \"FTLoss\"}",
                        new Expected(0.16985162839796297, -6.748655345605687e-05, -0.0019301710608836645, 0.015007889874251576)),
                new Case("WSLD six classes", "{\"type\": \"WSLD\", \"num_classes\": 6}", () -> logitsAndLabels("student", "teacher"),
                        "student", new Expected(1.157732444410698, -0.002792533036785376, 0.013955369512326479, 0.2276534171326668)),
                new Case("WSLD temperature and weight", "{\"type\": \"WSLD\", \"tau\": 2, \"loss_weight\": 2.5, \"num_classes\": 6}",
                        () -> logitsAndLabels("student", "teacher"), "student",
                        new Expected(10.274713415234809, -0.03586567802789364, 0.05490916888249996, 0.5772986966607525)),
                new Case("DistanceWiseRKD defaults", "{\"type\": \"DistanceWiseRKD\"}", () -> logits("preds_S", "preds_T"), "preds_S",
                        new Expected(0.732674398648593, 0.06479585636628395, 0.19650234186142868, 0.5236951479336082)),
                new Case("DistanceWiseRKD without normalisation", "{\"type\": \"DistanceWiseRKD\", \"with_l2_norm\": false,"
                        + " \"loss_weight\": 1}", () -> logits("preds_S", "preds_T"), "preds_S",
                        new Expected(0.03246211161102742, -0.0007008185200457371, 0.008158711205889173, 0.02226998378109557)),
                new Case("DistanceWiseRKD on feature maps flattens each sample", "{\"type\": \"DistanceWiseRKD\"}",
                        LossValuesTest::featuresOfFourSamples, "preds_S",
                        new Expected(0.0423967698196262, 0.014887204362945574, 0.011555989981259814, 0.09062527332748398)),
                new Case("AngleWiseRKD defaults", "{\"type\": \"AngleWiseRKD\"}", () -> logits("preds_S", "preds_T"), "preds_S",
                        new Expected(0.7276319962540765, 0.10748825952905783, 0.08615027808910064, 0.4397277770913694)),
                new Case("AngleWiseRKD without normalisation", "{\"type\": \"AngleWiseRKD\", \"with_l2_norm\": false,"
                        + " \"loss_weight\": 1}", () -> logits("preds_S", "preds_T"), "preds_S",
                        new Expected(0.015790989289905792, 0.00019151275532110028, 0.001090424963963285, 0.009134772626070733)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void valueAndGradientAsTheReferencePrinted(Case c) {
        check(c.name(), loss(c.config()), c.inputs().get(), c.wrt(), c.expected());
    }

    @Test
    void klDivergenceWithoutReductionKeepsEveryElement() {
        Tensor v = loss("{\"type\": \"KLDivergence\", \"tau\": 2, \"reduction\": \"none\"}").forward(logits("preds_S", "preds_T"));
        assertArrayEquals(new long[] {4, 6}, v.shape());
        close(0.22111145838024526, v.flatten().get(0).item_double(), "first element");
        close(-0.2680525850708319, v.flatten().get(23).item_double(), "last element");
    }
}
