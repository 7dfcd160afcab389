package dev.shrink4j.quant.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingMemory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resident-memory check of {@code TrainerMemoryTest} on a QAT-wrapped model: 3,000 steps of the
 * tiny CNN with 8-bit weights, inputs and outputs of both layers fake-quantized, the weight qparams
 * recomputed and the activation ranges folded into their EMAs on every step. Whatever the quantizer
 * allocates per step must die with the step's scope; its buffers are updated in place.
 */
class QatTrainingMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(QatTrainingMemoryTest.class);

    @Test
    @Tag("slow")
    void threeThousandQatStepsKeepResidentMemoryFlat() {
        try (Dataset ds = TrainingMemory.noise(); TrainingMemory.TinyCnn model = new TrainingMemory.TinyCnn();
             Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters());
             QatQuantizer qat = new QatQuantizer(model, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\","
                     + " \"output\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\", \"Linear\"]}]"), sgd)) {
            qat.compress();
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build();
            TrainingMemory.Growth g = TrainingMemory.measure(trainer, TrainingMemory.loader(ds));
            LOG.info("3000 QAT tiny-CNN steps at batch 16: {}", g);
            assertEquals(3300, g.steps());
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
            assertTrue(g.growth() < TrainingMemory.LIMIT_BYTES, "native resident memory (Java heap excluded) grew by " + (g.growth() >> 20)
                    + " MB over 3000 QAT steps");
        }
    }
}
