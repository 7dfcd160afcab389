package dev.shrink4j.distill.losses;

import com.google.gson.JsonElement;
import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.distill.config.DistillConfigException;
import dev.shrink4j.distill.config.TypeRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds distillation losses from their config objects, with MMRazor's type names, option names and
 * defaults: {@code {"type": "KLDivergence", "tau": 4, "loss_weight": 0.5}}. Every option is checked
 * (type, range, unknown keys) and every problem reported at once.
 *
 * <table>
 *   <caption>The losses, their forward arguments and options (defaults)</caption>
 *   <tr><th>type</th><th>forward arguments</th><th>options</th></tr>
 *   <tr><td>{@link KLDivergence}</td><td>preds_S, preds_T</td><td>tau 1, reduction batchmean, loss_weight 1, teacher_detach true</td></tr>
 *   <tr><td>{@link ChannelWiseDivergence}</td><td>preds_S, preds_T</td><td>tau 1, loss_weight 1</td></tr>
 *   <tr><td>{@link L2Loss}</td><td>s_feature, t_feature</td><td>loss_weight 1, normalize true, mult 1, div_element false, dist false</td></tr>
 *   <tr><td>{@link L1Loss}</td><td>s_feature, t_feature</td><td>loss_weight 1, reduction mean, size_average null, reduce null</td></tr>
 *   <tr><td>{@link ABLoss}</td><td>s_feature, t_feature</td><td>loss_weight 1, margin 1</td></tr>
 *   <tr><td>{@link ATLoss}</td><td>s_feature, t_feature</td><td>loss_weight 1</td></tr>
 *   <tr><td>{@link DKDLoss}</td><td>preds_S, preds_T, gt_labels</td><td>tau 1, alpha 1, beta 1, reduction batchmean, loss_weight 1</td></tr>
 *   <tr><td>{@link DISTLoss}</td><td>logits_S, logits_T</td><td>inter_loss_weight 1, intra_loss_weight 1, tau 1, loss_weight 1, teacher_detach true</td></tr>
 *   <tr><td>{@link OFDLoss}</td><td>s_feature, t_feature</td><td>loss_weight 1, mul_factor 1000</td></tr>
 *   <tr><td>{@link FTLoss}</td><td>s_feature, t_feature</td><td>loss_weight 1</td></tr>
 *   <tr><td>{@link WSLD}</td><td>student, teacher, gt_labels</td><td>tau 1, loss_weight 1, num_classes 1000</td></tr>
 *   <tr><td>{@link DistanceWiseRKD}</td><td>preds_S, preds_T</td><td>loss_weight 25, with_l2_norm true</td></tr>
 *   <tr><td>{@link AngleWiseRKD}</td><td>preds_S, preds_T</td><td>loss_weight 50, with_l2_norm true</td></tr>
 * </table>
 */
public final class DistillLosses {

    /** The subject of problems in a loss parsed on its own by {@link #fromJson}. */
    public static final String SUBJECT = "invalid distill loss";

    private static final TypeRegistry<DistillLoss> LOSSES = new TypeRegistry<DistillLoss>("loss", "")
            .add(KLDivergence.TYPE, KLDivergence::read)
            .add(ChannelWiseDivergence.TYPE, ChannelWiseDivergence::read)
            .add(L2Loss.TYPE, L2Loss::read)
            .add(L1Loss.TYPE, L1Loss::read)
            .add(ABLoss.TYPE, ABLoss::read)
            .add(ATLoss.TYPE, ATLoss::read)
            .add(DKDLoss.TYPE, DKDLoss::read)
            .add(DISTLoss.TYPE, DISTLoss::read)
            .add(OFDLoss.TYPE, OFDLoss::read)
            .add(FTLoss.TYPE, FTLoss::read)
            .add(WSLD.TYPE, WSLD::read)
            .add(DistanceWiseRKD.TYPE, DistanceWiseRKD::read)
            .add(AngleWiseRKD.TYPE, AngleWiseRKD::read);

    /** Every loss type, in the order of the table above. */
    public static final List<String> TYPES = LOSSES.types();

    private DistillLosses() {
    }

    /**
     * Parses one loss config (strict JSON) and builds the loss.
     *
     * @throws DistillConfigException ({@value #SUBJECT}) listing every problem: not JSON, not an object,
     *     a missing or unknown {@code type}, unknown options, options of the wrong type or out of range
     */
    public static DistillLoss fromJson(String json) {
        List<String> errors = new ArrayList<>();
        DistillLoss loss = build("loss", ConfigReader.parse(SUBJECT, "loss", json), errors);
        DistillConfigException.throwIfAny(SUBJECT, errors);
        return loss;
    }

    /**
     * Builds the loss configured by {@code config}, found at {@code path} (used in messages), adding every
     * problem to {@code errors}.
     *
     * @return the loss, or null when there were problems
     */
    public static DistillLoss build(String path, JsonElement config, List<String> errors) {
        return LOSSES.build(path, config, errors);
    }
}
