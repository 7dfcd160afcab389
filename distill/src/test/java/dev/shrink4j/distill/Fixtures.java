package dev.shrink4j.distill;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.workbench.data.Dataset;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Small models and data for the distillation tests: 1×8×8 images, 5 classes. */
final class Fixtures {

    private Fixtures() {
    }

    /** conv 1→4 3×3 pad 1, ReLU, 2×2 max pool, flatten, fc 64→5. */
    static final class Student extends Module {
        final Conv2d conv = registerModule("conv", Conv2d.builder().setInChannels(1).setOutChannels(4).setKernelSize(3).optPadding(1).build());
        final ReLU relu = registerModule("relu", new ReLU());
        final MaxPool2d pool = registerModule("pool", new MaxPool2d(2));
        final Flatten flatten = registerModule("flatten", new Flatten());
        final Linear fc = registerModule("fc", new Linear(64, 5));

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(flatten.call(pool.call(relu.call(conv.call(x)))));
        }
    }

    /**
     * conv 1→16 3×3 (no bias), BN, ReLU, 2×2 max pool, flatten, fc {@code fcIn}→{@code classes}: the
     * teacher's layers, for images whose pooled 16-channel map has {@code fcIn} values.
     */
    static class ConvBnCnn extends Module {
        final Conv2d conv;
        final BatchNorm2d bn;
        final ReLU relu;
        final MaxPool2d pool;
        final Flatten flatten;
        final Linear fc;

        ConvBnCnn(long padding, long fcIn, long classes) {
            conv = registerModule("conv", Conv2d.builder().setInChannels(1).setOutChannels(16).setKernelSize(3).optPadding(padding)
                    .optBias(false).build());
            bn = registerModule("bn", new BatchNorm2d(16));
            relu = registerModule("relu", new ReLU());
            pool = registerModule("pool", new MaxPool2d(2));
            flatten = registerModule("flatten", new Flatten());
            fc = registerModule("fc", new Linear(fcIn, classes));
        }

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(flatten.call(pool.call(relu.call(bn.call(conv.call(x))))));
        }
    }

    /**
     * {@link ConvBnCnn} with padding 1 and fc 256→5, counting its forwards. Sixteen channels, not
     * fewer: libtorch's float32 convolution backward through oneDNN returns wrong input gradients on the
     * development machine when a 3×3 convolution has a channel count that is not a multiple of 16 (the
     * Paraphraser test trains 3×3 convolutions on this feature).
     */
    static final class Teacher extends ConvBnCnn {
        int calls;

        Teacher() {
            super(1, 256, 5);
        }

        @Override
        protected Tensor forward(Tensor x) {
            calls++;
            return super.forward(x);
        }
    }

    /** Logits KD on both models' {@code fc}. */
    static final String KD = "{\"student_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"}},"
            + " \"teacher_recorders\": {\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"}},"
            + " \"distill_losses\": {\"loss_kl\": {\"type\": \"KLDivergence\", \"tau\": 2}},"
            + " \"loss_forward_mappings\": {\"loss_kl\": {\"preds_S\": {\"from_student\": true, \"recorder\": \"fc\"},"
            + " \"preds_T\": {\"from_student\": false, \"recorder\": \"fc\"}}}}";

    /** FitNets: the student's ReLU [N,4,8,8] through a 1×1 ConvModuleConnector to the teacher's [N,16,8,8], L2. */
    static final String FITNETS = "{\"student_recorders\": {\"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
            + " \"teacher_recorders\": {\"feat\": {\"type\": \"ModuleOutputs\", \"source\": \"relu\"}},"
            + " \"connectors\": {\"sfeat\": {\"type\": \"ConvModuleConnector\", \"in_channel\": 4, \"out_channel\": 16,"
            + " \"norm_cfg\": {\"type\": \"BN\"}, \"act_cfg\": null}},"
            + " \"distill_losses\": {\"loss_feat\": {\"type\": \"L2Loss\", \"loss_weight\": 2}},"
            + " \"loss_forward_mappings\": {\"loss_feat\": {\"s_feature\": {\"from_student\": true, \"recorder\": \"feat\","
            + " \"connector\": \"sfeat\"}, \"t_feature\": {\"from_student\": false, \"recorder\": \"feat\"}}}}";

    /** {@code n} seeded random 1×8×8 images with seeded random labels of 5 classes. */
    static Dataset data(int n, long seed) {
        torch.manual_seed(seed);
        try (PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(n, 1, 8, 8);
            Tensor y = torch.randint(5, new long[] {n});
            return new Dataset("noise", x, y, 5);
        }
    }
}
