package dev.shrink4j.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.data.DataLoader;
import dev.shrink4j.data.Dataset;
import dev.shrink4j.nn.memory.MemoryProbe;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.nn.zoo.LeNet5;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native memory stays flat over thousands of training steps: without a scope per step a small CNN
 * grows by gigabytes (see the bytedeco guide), with it the growth is a few megabytes.
 */
class TrainerMemoryTest {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerMemoryTest.class);

    @Test
    @Tag("slow")
    void threeThousandLeNetStepsKeepResidentMemoryFlat() {
        torch.manual_seed(0);
        int n = 1600;   // 100 batches of 16 per epoch
        Dataset ds;
        try (PointerScope s = new PointerScope()) {
            ds = new Dataset("noise", torch.randn(n, 1, 28, 28), torch.randint(10, new long[] {n}), 10);
        }
        try (ds; LeNet5 model = new LeNet5();
             Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters())) {
            DataLoader loader = DataLoader.builder().setDataset(ds).setBatchSize(16).optShuffle(0).build();
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build();
            trainer.fit(loader, 3);     // warm-up: allocator pools, JIT, optimizer state
            System.gc();
            long before = MemoryProbe.residentBytes();
            long t0 = System.nanoTime();
            trainer.fit(loader, 30);
            long growth = MemoryProbe.residentBytes() - before;
            LOG.info("3000 LeNet5 steps at batch 16: resident memory {} MB → growth {} MB, {} ms/step", before >> 20,
                    growth >> 20, String.format("%.2f", (System.nanoTime() - t0) / 1e6 / 3000));
            assertEquals(3300, trainer.step());
            assertTrue(growth < 100L << 20, "resident memory grew by " + (growth >> 20) + " MB over 3000 steps");
        }
    }
}
