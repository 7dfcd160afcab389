package dev.shrink4j.distill.connectors;

import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.nn.layers.Sequential;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Factor transfer's teacher connector (MMRazor's {@code Paraphraser}), used in two phases.
 *
 * <p>{@code "pretrain"}: an autoencoder on the teacher's feature, {@code decoder(encoder(x))}, trained
 * to reconstruct it (an {@code L2Loss} between the feature and this output, with the student frozen:
 * {@code student_trainable: false}, {@code calculate_student_loss: false}). {@code "train"}: the encoder
 * alone, without gradients, gives the factor the student's {@code Translator} is pulled towards
 * ({@code FTLoss}); its parameters are frozen (none are trainable, so they stay out of the optimizer),
 * and are normally loaded from the pretraining run's connector weights.
 *
 * <p>The encoder is three 3×3 convolutions ({@code in→in→out→out}), the decoder three 3×3 transposed
 * convolutions ({@code out→out→in→in}), each followed by a batch norm when {@code use_bn} and a
 * LeakyReLU of slope 0.1. Options: {@code in_channel}, {@code out_channel} (required), {@code phase}
 * {@code "pretrain"}, {@code use_bn} false (MMRazor's defaults).
 */
public final class Paraphraser extends ChannelConnector {

    /** The config name. */
    public static final String TYPE = "Paraphraser";

    /** The two phases. */
    public enum Phase {
        /** Reconstruct the teacher's feature through encoder and decoder (trainable). */
        PRETRAIN,
        /** The encoder's factor, frozen. */
        TRAIN
    }

    private final Phase phase;
    private final Sequential encoder;
    private final Sequential decoder;

    /** A paraphraser of {@code in} channels to an {@code out}-channel factor. */
    public Paraphraser(long inChannel, long outChannel, Phase phase, boolean useBn) {
        super(TYPE, inChannel);
        this.phase = java.util.Objects.requireNonNull(phase, "phase");
        this.encoder = registerModule("encoder", FactorTransferLayers.encoder(inChannel, outChannel, useBn));
        this.decoder = registerModule("decoder", FactorTransferLayers.decoder(inChannel, outChannel, useBn));
        if (phase == Phase.TRAIN) {
            for (Tensor p : parameters()) {
                p.requires_grad_(false);
            }
        }
    }

    static Paraphraser read(ConfigReader r) {
        int before = r.errors().size();
        long in = r.requiredInteger("in_channel", 1, Integer.MAX_VALUE);
        long out = r.requiredInteger("out_channel", 1, Integer.MAX_VALUE);
        String phase = r.oneOf("phase", "pretrain", List.of("pretrain", "train"));
        boolean useBn = r.bool("use_bn", false);
        return r.errors().size() > before ? null
                : new Paraphraser(in, out, "train".equals(phase) ? Phase.TRAIN : Phase.PRETRAIN, useBn);
    }

    @Override
    protected Tensor forward(Tensor input) {
        if (phase == Phase.PRETRAIN) {
            return decoder.call(encoder.call(input));
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return encoder.call(input);
        }
    }


    /** Which phase this paraphraser is in. */
    public Phase phase() {
        return phase;
    }
}
