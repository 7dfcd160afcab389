package dev.shrink4j.distill.connectors;

import dev.shrink4j.distill.config.ConfigReader;
import dev.shrink4j.nn.layers.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * Factor transfer's student connector (MMRazor's {@code Translator}): an encoder of three 3×3
 * convolutions ({@code in→in→out→out}), each with a batch norm (unless {@code use_bn} is false) and a
 * LeakyReLU of slope 0.1, turning the student's feature into a factor comparable to the teacher's
 * paraphrased one ({@code FTLoss}). Options: {@code in_channel}, {@code out_channel} (required),
 * {@code use_bn} true. PyTorch's default initialisation.
 */
public final class Translator extends ChannelConnector {

    /** The config name. */
    public static final String TYPE = "Translator";

    private final Sequential encoder;

    /** A translator of {@code in} to {@code out} channels. */
    public Translator(long inChannel, long outChannel, boolean useBn) {
        super(TYPE, inChannel);
        this.encoder = registerModule("encoder", FactorTransferLayers.encoder(inChannel, outChannel, useBn));
    }

    static Translator read(ConfigReader r) {
        int before = r.errors().size();
        long in = r.requiredInteger("in_channel", 1, Integer.MAX_VALUE);
        long out = r.requiredInteger("out_channel", 1, Integer.MAX_VALUE);
        boolean useBn = r.bool("use_bn", true);
        return r.errors().size() > before ? null : new Translator(in, out, useBn);
    }

    @Override
    protected Tensor forward(Tensor input) {
        return encoder.call(input);
    }

}
