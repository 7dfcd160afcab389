package dev.shrink4j.nn;

import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide libtorch settings shrink4j needs for correct numerics, applied once before the first
 * {@link Module} is built.
 *
 * <p><b>oneDNN (MKLDNN) convolutions are switched off.</b> On the AMD EPYC machines this project runs
 * on, libtorch 2.10's float32 oneDNN convolutions give wrong results for common shapes, measured
 * against float64 (2026-12-03, 2 threads and 1 thread alike): the input gradient of a 3×3 or 5×5
 * {@code conv2d} whose output channels are not a multiple of 16 is off by 1.5–29 (6, 8, 12, 15
 * output channels; 16 and 32 are right, 1×1 kernels are right), a 17→40-channel 3×3 forward returns
 * NaN, and {@code conv_transpose2d}'s forward is wrong. A LeNet-5 conv1 (6 filters) therefore
 * back-propagated garbage into LSQ's input step size, and every physically shrunk model (odd channel
 * counts) would fine-tune on wrong gradients. With oneDNN off libtorch's native convolutions agree with
 * float64 to 1e-5 in every case tried ({@code NativeDefaultsTest}); they are slower (up to ~3× for
 * 16-channel 3×3 convolutions on 32×32 inputs). Set the system property
 * {@code shrink4j.mkldnn=true} to keep oneDNN on, e.g. on a CPU where it is known to be right.
 *
 * <p><b>NNPACK is switched off</b> too: it is unavailable on these CPUs, and asking for it on every convolution
 * printed a warning each time.
 */
public final class NativeDefaults {

    private static final Logger LOG = LoggerFactory.getLogger(NativeDefaults.class);
    /** The system property that keeps oneDNN convolutions on. */
    public static final String MKLDNN_PROPERTY = "shrink4j.mkldnn";

    private static volatile boolean applied;

    private NativeDefaults() {
    }

    /** Applies the settings once per process (later calls do nothing). */
    public static synchronized void apply() {
        if (applied) {
            return;
        }
        boolean mkldnn = Boolean.getBoolean(MKLDNN_PROPERTY);
        torch.globalContext().setUserEnabledMkldnn(mkldnn);
        // With oneDNN off, every convolution asks for NNPACK, which this libtorch cannot initialise on CPUs it does
        // not support: each call then prints "Could not initialize NNPACK! Reason: Unsupported hardware" (66,593
        // lines in one demo). Switching it off is what the failed check falls back to anyway; no numbers change.
        torch.globalContext().setUserEnabledNNPACK(false);
        LOG.debug("oneDNN convolutions {}", mkldnn ? "on (-Dshrink4j.mkldnn=true)" : "off (wrong on this CPU family)");
        applied = true;
    }
}
