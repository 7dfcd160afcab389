package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * ShuffleNet's channel shuffle ({@code nn.ChannelShuffle}): {@code [N, C, H, W]} viewed as
 * {@code [N, g, C/g, H, W]}, dimensions 1 and 2 swapped, viewed back as {@code [N, C, H, W]}. Channel
 * {@code i·(C/g) + j} of the input becomes channel {@code j·g + i} of the output. ONNX expresses it as
 * {@code Reshape}, {@code Transpose(perm=[0, 2, 1, 3, 4])}, {@code Reshape}.
 */
public class ChannelShuffle extends Module {

    private final long groups;

    /** A shuffle of {@code groups} groups. */
    public ChannelShuffle(long groups) {
        if (groups <= 0) {
            throw new IllegalArgumentException("ChannelShuffle: groups must be positive, got " + groups);
        }
        this.groups = groups;
    }

    @Override
    protected Tensor forward(Tensor input) {
        long[] s = input.shape();
        if (s.length != 4 || s[1] % groups != 0) {
            throw new IllegalArgumentException("ChannelShuffle(" + groups + ") needs a 4-D input whose channels divide"
                    + " into the groups, got shape " + java.util.Arrays.toString(s));
        }
        return input.reshape(s[0], groups, s[1] / groups, s[2], s[3]).transpose(1, 2).reshape(s[0], s[1], s[2], s[3]);
    }

    /** The number of groups. */
    public long groups() {
        return groups;
    }

    @Override
    public String toString() {
        return "ChannelShuffle(groups=" + groups + ")";
    }
}
