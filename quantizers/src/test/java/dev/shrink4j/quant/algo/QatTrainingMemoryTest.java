package dev.shrink4j.quant.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.train.TrainingMemory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The resident-memory check of {@code TrainerMemoryTest} on a QAT-wrapped model: 3,000 steps of the
 * tiny CNN with 8-bit weights, inputs and outputs of both layers fake-quantized, the weight qparams
 * recomputed and the activation ranges folded into their EMAs on every step. Whatever the quantizer
 * allocates per step must die with the step's scope; its buffers are updated in place.
 */
class QatTrainingMemoryTest {

    @Test
    @Tag("slow")
    void threeThousandQatStepsKeepResidentMemoryFlat() {
        try (TrainingMemory.Rig rig = new TrainingMemory.Rig();
             QatQuantizer qat = new QatQuantizer(rig.model, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\","
                     + " \"output\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\", \"Linear\"]}]"), rig.sgd)) {
            qat.compress();
            rig.assertFlat("QAT ");
            assertEquals(3300, qat.steps(), "the quantizer saw every step");
            try (PointerScope s = new PointerScope()) {
                // quantization was on: the layers' qparams were computed (a computed scale is positive)
                for (String layer : new String[] {"conv", "fc"}) {
                    for (String buffer : new String[] {"weight_scale", "input_scale", "output_scale"}) {
                        Tensor scale = qat.getWrapper(layer).getBuffer(buffer);
                        assertTrue(scale.gt(new Scalar(0.0)).all().item_bool(), layer + "." + buffer + " was never computed");
                    }
                }
            }
        }
    }
}
