package dev.shrink4j.amc.channel;

import java.util.Locale;

/**
 * What {@link ChannelPruning} did to one layer.
 *
 * @param layer              the dotted module name
 * @param channels           the input channels it had that could be removed ({@code c})
 * @param kept               the input channels it keeps of those ({@code c'}; {@code c} when nothing was pruned)
 * @param macsBefore         its multiply-accumulates per sample before any layer was pruned
 * @param macsAfter          its multiply-accumulates per sample after every layer was (its input and output
 *                           channels both shrink); -1 while later layers are still being pruned
 * @param samples            the sample rows its fit used
 * @param alpha              the LASSO α used, NaN for L1 selection
 * @param lassoSolves        the LASSO problems its α search solved (0 for L1 selection)
 * @param reconstructionError {@code ‖Y − Ŷ‖² / ‖Y‖²} of the refitted layer on the samples (Y the original
 *                            network's response without bias, inputs from the already pruned network)
 * @param maskingError       the same for the original weights with the removed channels masked
 * @param note               why nothing was pruned (accuracy-first refusal), or empty
 */
public record LayerReport(String layer, int channels, int kept, long macsBefore, long macsAfter, long samples, double alpha,
        int lassoSolves, double reconstructionError, double maskingError, String note) {

    /** This report with the MACs after every layer was pruned. */
    LayerReport withMacsAfter(long after) {
        return new LayerReport(layer, channels, kept, macsBefore, after, samples, alpha, lassoSolves, reconstructionError, maskingError, note);
    }

    /** One table row. */
    @Override
    public String toString() {
        String macs = macsAfter < 0 ? String.format(Locale.ROOT, "MACs %,d", macsBefore)
                : String.format(Locale.ROOT, "MACs %,d -> %,d", macsBefore, macsAfter);
        String lasso = lassoSolves == 0 ? "" : String.format(Locale.ROOT, ", LASSO α %.4g (%d %s)", alpha, lassoSolves,
                lassoSolves == 1 ? "solve" : "solves");
        return String.format(Locale.ROOT, "%s: %d -> %d input channels, %s%s, relative error %.4f (masking %.4f)%s", layer, channels,
                kept, macs, lasso, reconstructionError, maskingError, note.isEmpty() ? "" : " [" + note + "]");
    }
}
