package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.logSoftmax;
import static dev.shrink4j.distill.losses.Functional.scalar;
import static dev.shrink4j.distill.losses.Functional.softmax;
import static dev.shrink4j.distill.losses.Functional.sumKeepDim;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Weighted soft-label distillation (Zhou et al., ICLR 2021; MMRazor's {@code WSLD}): the soft cross entropy
 * {@code −Σ softmax(T/τ)·log_softmax(S/τ)} of each sample, weighted by how much worse the student does on
 * the true class than the teacher, {@code 1 − exp(−max(CE_S / (CE_T + 1e-7), 0))} with
 * {@code CE = −log_softmax(z)[gt]} at temperature 1 and without gradient; the loss is
 * {@code w·τ²·mean(weight·soft CE)}. Forward arguments {@code student}, {@code teacher} (logits
 * {@code [N, C]}) and {@code gt_labels} (class indices {@code [N]}).
 *
 * <p>Options (MMRazor's defaults): {@code tau} 1, {@code loss_weight} 1, {@code num_classes} 1000. The
 * one-hot labels have {@code num_classes} columns, so it must equal the logits' C (checked on the first
 * batch: MMRazor fails there with a broadcasting error).
 */
public final class WSLD extends LabelledLogitsLoss {

    /** The config name. */
    public static final String TYPE = "WSLD";
    private static final double EPS = 1e-7;

    private final double tau;
    private final long numClasses;

    /** τ = 1, weight 1, 1000 classes. */
    public WSLD() {
        this(1.0, 1.0, 1000);
    }

    /**
     * @throws IllegalArgumentException when {@code tau} or {@code numClasses} is not positive
     */
    public WSLD(double tau, double lossWeight, long numClasses) {
        super(TYPE, lossWeight, "student", "teacher");
        this.tau = positive("tau", tau);
        if (numClasses < 1) {
            throw new IllegalArgumentException(TYPE + ": num_classes must be greater than 0, got " + numClasses);
        }
        this.numClasses = numClasses;
    }

    static WSLD read(ConfigReader r) {
        return new WSLD(r.positive("tau", 1.0), r.number("loss_weight", 1.0), r.integer("num_classes", 1000, 1, Integer.MAX_VALUE));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t, Tensor labels) {
        Tensor softCe = sumKeepDim(softmax(t, tau).mul(logSoftmax(s, tau)), 1).neg();
        Tensor oneHot = torch.one_hot(labels, numClasses).type_as(s);
        Tensor ceS = sumKeepDim(oneHot.mul(torch.log_softmax(s.detach(), 1)), 1).neg();
        Tensor ceT = sumKeepDim(oneHot.mul(torch.log_softmax(t.detach(), 1)), 1).neg();
        Tensor ratio = ceS.div(ceT.add(scalar(EPS))).clamp_min(scalar(0.0));
        Tensor weight = ratio.neg().exp().neg().add(scalar(1.0));
        return weight.mul(softCe).mean().mul(scalar(tau * tau)).mul(scalar(lossWeight()));
    }

    @Override
    protected void logitsProblems(Tensor logits, List<String> problems) {
        if (logits.size(1) != numClasses) {
            problems.add("num_classes is " + numClasses + " but the logits have " + logits.size(1) + " classes");
        }
    }

    /** τ. */
    public double tau() {
        return tau;
    }

    /** The number of classes of the one-hot labels. */
    public long numClasses() {
        return numClasses;
    }
}
