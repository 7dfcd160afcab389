package dev.shrink4j.samples;

import static dev.shrink4j.samples.SampleTesting.LAYERS;
import static dev.shrink4j.samples.SampleTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.OneLayer;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.Linear;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustomQuantizerExampleTest {

    @Test
    void putsWeightsOnTheSymmetricGridAndPassesTheGradientStraightThrough() {
        try (OneLayer<Linear> model = OneLayer.linear(4, 2);
                CustomQuantizerExample.SymmetricQuantizer q = new CustomQuantizerExample.SymmetricQuantizer(model,
                        ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 4, \"op_types\": [\"Linear\"]}]"),
                        null)) {
            try (NoGradGuard g = new NoGradGuard()) {
                model.layer.weight().copy_(Tensor.create(new float[] {1.75f, -0.375f, 0.25f, 0.125f, 0f, 0.5f, -1f, 0.625f}, 2, 4));
                model.layer.bias().zero_();
            }
            q.compress();
            // 4 bits: L = 7, step = 1.75/7 = 0.25; w/step = 7, −1.5, 1, .5, 0, 2, −4, 2.5 → half to even: 7, −2, 1, 0, 0, 2, −4, 2
            assertArrayEquals(new float[] {1.75f, -0.5f, 0.25f, 0f, 0f, 0.5f, -1f, 0.5f},
                    values(model.layer.parametrized("weight")));
            model.call(Tensor.create(new float[] {1f, 2f, 3f, 4f}, 1, 4)).sum().backward();
            assertArrayEquals(new float[] {1, 2, 3, 4, 1, 2, 3, 4}, values(model.layer.weight().grad()), "straight through");
        }
    }

    @Test
    @Tag("slow")
    void exportedWeightsTakeAtMostFifteenLevelsPerLayer(@TempDir Path out) throws Exception {
        CustomQuantizerExample.Result r = CustomQuantizerExample.run(SampleTesting.tiny(out));
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> weights = SafeTensors.load(r.fakeQuantFile());
            for (String layer : LAYERS) {
                float[] w = values(weights.get(layer + ".weight"));
                float max = 0;
                Set<Float> levels = new HashSet<>();
                for (float v : w) {
                    max = Math.max(max, Math.abs(v));
                    levels.add(v);
                }
                double step = max / 7.0;
                for (float v : w) {
                    double k = v / step;
                    assertEquals(Math.rint(k), k, 1e-4, layer + ": " + v + " is on the grid of step " + step);
                }
                assertTrue(levels.size() <= 15 && levels.size() >= 3, layer + " has " + levels.size() + " levels");
            }
        }
    }
}
