package dev.shrink4j.samples;

import static dev.shrink4j.samples.SampleTesting.LAYERS;
import static dev.shrink4j.samples.SampleTesting.values;
import static dev.shrink4j.samples.SampleTesting.zeros;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.OneLayer;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.Linear;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustomPrunerExampleTest {

    @Test
    void prunesTheWeightsClosestToZeroInEachRow() {
        try (OneLayer<Linear> model = OneLayer.linear(4, 2); CustomPrunerExample.RowPruner pruner = new CustomPrunerExample.RowPruner(
                model, ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]"), null)) {
            try (NoGradGuard g = new NoGradGuard()) {
                model.layer.weight().copy_(Tensor.create(new float[] {0.5f, -0.1f, 2f, 0.1f, -3f, 1f, 0.2f, -0.2f}, 2, 4));
            }
            pruner.compress();
            // row 0 |w| = .5 .1 2 .1 → the two .1 go (columns 1, 3); row 1 |w| = 3 1 .2 .2 → columns 2, 3
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 0, 0}, values(pruner.weightMask("fc")));
            assertArrayEquals(new float[] {1, 1}, values(pruner.getWrapper("fc").getBuffer("bias_mask")));
        }
    }

    @Test
    @Tag("slow")
    void everyRowOfEveryLayerLosesFloorOfHalfItsLength(@TempDir Path out) throws Exception {
        CustomPrunerExample.Result r = CustomPrunerExample.run(SampleTesting.tiny(out));
        // row lengths: conv1 1·5·5, conv2 6·5·5, fc1 400, fc2 120, fc3 84 → floor(k/2) zeros per row
        int[] rowLength = {25, 150, 400, 120, 84};
        int[] rows = {6, 16, 120, 84, 10};
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> masks = SafeTensors.load(r.maskFile());
            for (int i = 0; i < LAYERS.length; i++) {
                float[] mask = values(masks.get(LAYERS[i] + ".weight_mask"));
                assertEquals(rows[i] * rowLength[i], mask.length, LAYERS[i]);
                int perRow = (int) Math.floor(rowLength[i] * 0.5);
                for (int row = 0; row < rows[i]; row++) {
                    assertEquals(perRow, zeros(mask, row * rowLength[i], (row + 1) * rowLength[i]), LAYERS[i] + " row " + row);
                }
                assertEquals((double) perRow / rowLength[i], r.layerSparsity().get(LAYERS[i]), 1e-12, LAYERS[i]);
            }
        }
    }
}
