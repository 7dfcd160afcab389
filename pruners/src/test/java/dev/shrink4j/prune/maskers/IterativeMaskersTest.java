package dev.shrink4j.prune.maskers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.core.Masks;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class IterativeMaskersTest {

    static final class OneLinear extends Module {
        final Linear fc = registerModule("fc", new Linear(2, 3));

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(x);
        }
    }

    /** A wrapper of {@code fc} with weight W and the given current weight mask (bias mask all ones). */
    static ModuleWrapper wrapper(OneLinear m, float[] weight, float[] mask) {
        try (NoGradGuard g = new NoGradGuard()) {
            m.fc.weight().copy_(Tensor.create(weight, 3, 2));
        }
        var config = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"fc\"]}]")
                .validate(ConfigSchema.builder("test").addAll(ConfigSchema.PRUNING).build(), m).get(0);
        ModuleWrapper w = new ModuleWrapper(LayerInfo.of("fc", m.fc), config);
        w.registerBuffer(Pruner.WEIGHT_MASK, Tensor.create(mask, 3, 2));
        w.registerBuffer(Pruner.BIAS_MASK, Tensor.create(new float[] {1, 1, 1}, 3));
        return w;
    }

    static float[] values(Tensor t) {
        Tensor c = t.contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** A pruned weight that grew large (5) stays pruned; the next floor(6·0.5) − 1 = 2 smallest live go. */
    @Test
    void levelMaskerKeepsPrunedWeightsPruned() {
        try (OneLinear m = new OneLinear()) {
            ModuleWrapper w = wrapper(m, new float[] {5f, -0.1f, 0.3f, -2f, 0.2f, 1f}, new float[] {0, 1, 1, 1, 1, 1});
            Masks masks = new IterativeLevelMasker().calcMask(0.5, w);
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 1}, values(masks.weightMask()));
            assertNull(masks.biasMask(), "the level masker never prunes the bias");
            w.release();
        }
    }

    /** Rows (5, 5) pruned, (−.1, .3), (−2, .2): L1 0.4 and 2.2, L2 0.316 and 2.01 → row 1 goes next. */
    @Test
    void filterNormMaskerRanksPrunedRowsFirst() {
        try (OneLinear m = new OneLinear()) {
            ModuleWrapper w = wrapper(m, new float[] {5f, 5f, -0.1f, 0.3f, -2f, 0.2f}, new float[] {0, 0, 1, 1, 1, 1});
            for (IterativeFilterNormMasker masker : new IterativeFilterNormMasker[] {IterativeFilterNormMasker.l1(),
                    IterativeFilterNormMasker.l2()}) {
                Masks masks = masker.calcMask(0.67, w); // floor(3·0.67) = 2 rows
                assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1}, values(masks.weightMask()), "p = " + masker.order());
                assertArrayEquals(new float[] {0, 0, 1}, values(masks.biasMask()), "p = " + masker.order());
            }
            assertEquals(1, IterativeFilterNormMasker.l1().order());
            w.release();
        }
    }
}
