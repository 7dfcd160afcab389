package dev.shrink4j.distill.connectors;

import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A small module between a record and a loss (MMRazor's connectors), usually to bring a student's
 * feature to the teacher's channel count. Its parameters train with the student: a distillation puts
 * {@link #trainableParameters()} into the student's optimizer. A connector's parameters have
 * PyTorch-style names under the connector's own name ({@code connectors.loss_s4_sfeat.conv_module.conv.weight}),
 * so trained connectors save and load as a state dict.
 */
public abstract class Connector extends Module {

    private final String type;

    /** @param type the config name, e.g. {@code ConvModuleConnector} */
    protected Connector(String type) {
        this.type = type;
    }

    /** The config name ({@code "type"}). */
    public final String type() {
        return type;
    }

    /**
     * Why this connector cannot take {@code input} (wrong rank or channel count), or null when it can.
     * Asked on a distiller's first batch, so a misfit names the connector instead of failing inside libtorch.
     */
    public String inputProblem(Tensor input) {
        return null;
    }

    /**
     * Checks {@code input} and runs the connector: the output, or null after adding a problem to
     * {@code problems}. A sequence checks each element on what the previous one produced.
     */
    public Tensor checkedCall(Tensor input, List<String> problems) {
        String problem = inputProblem(input);
        if (problem != null) {
            problems.add(problem);
            return null;
        }
        return call(input);
    }

    /**
     * The parameters the distillation's optimizer trains: those that require gradients (a Paraphraser in
     * its {@code train} phase, or a norm with {@code requires_grad: false}, has none or fewer).
     */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : parameters()) {
            if (p.requires_grad()) {
                out.add(p);
            }
        }
        return out;
    }

    /** {@code got shape [8, 16, 10, 10]; expected [N, 6, H, W]} unless {@code input} is 4-D with {@code channels} channels. */
    protected final String channelProblem(Tensor input, long channels) {
        if (input.dim() != 4 || input.size(1) != channels) {
            return type + " expects [N, " + channels + ", H, W] but got shape " + java.util.Arrays.toString(input.shape());
        }
        return null;
    }
}
