package dev.shrink4j.algorithms.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.BuiltinAlgorithms;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.BatchResult;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config file's algorithm run from Java with the library alone, as the command line runs it: config
 * checked against LeNet-5 → compress → statistics pass → fine-tune following the protocol → export, on
 * random images.
 */
class ProtocolTrainerTest {

    private static final long[] LENET5_INPUT = {1, 1, 28, 28};

    /** {@code n} random 1×28×28 images with random labels of 10 classes. */
    private static Dataset noise(int n) {
        try (PointerScope s = new PointerScope()) {
            return new Dataset("noise", torch.randn(n, 1, 28, 28), torch.randint(10, new long[] {n}), 10);
        }
    }

    /**
     * LeNet-5 under seed {@code seed}, Adam over it, and the pruner the config {@code json} names, built and
     * compressed as the command line does (the config checked against LeNet-5 first), with a loader of
     * {@code samples} random images in batches of 8. Closing closes them all.
     */
    private record Run(Dataset data, LeNet5 model, Optimizer adam, Pruner pruner, DataLoader loader) implements AutoCloseable {

        static Run of(String json, int samples, long seed) {
            CompressionConfig cfg = CompressionConfig.parse("<inline>", json, BuiltinAlgorithms.registry(), AlgorithmKind.PRUNER,
                    CompressorFactory.modelCheck(() -> new LeNet5(10), LENET5_INPUT, c -> true));
            torch.manual_seed(seed);
            Dataset data = noise(samples);
            LeNet5 model = new LeNet5(10);
            Optimizer adam = Adam.builder().setLearningRate(1e-3).build(model.parameters());
            Pruner pruner = CompressorFactory.create(cfg, model, adam, LENET5_INPUT, Pruner.class);
            return new Run(data, model, adam, pruner, DataLoader.builder().setDataset(data).setBatchSize(8).build());
        }

        ProtocolTrainer protocol() {
            return new ProtocolTrainer(model, pruner);
        }

        /** A trainer over the model and Adam, without a progress bar. */
        Trainer.Builder trainer() {
            return Trainer.builder().setModel(model).setOptimizer(adam).optProgressBar(false);
        }

        @Override
        public void close() {
            pruner.close();
            adam.close();
            model.close();
            data.close();
        }
    }

    @Test
    void taylorPrunerCompressesCollectsStatisticsFineTunesAndExports(@TempDir Path dir) throws IOException {
        // 7 statistics batches from a loader of 5: the pass starts a second epoch of the loader after the fifth
        List<String> progress = new ArrayList<>();
        int[] forwards = {0};
        try (Run r = Run.of("{\"pruner\": \"taylor-fo\", \"statistics_batch_num\": 7,"
                + " \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", 40, 3);
                HookHandle counter = r.model().registerForwardHook((m, in, out) -> {
                    forwards[0]++;
                    return out;
                })) {
            LeNet5 model = r.model();
            Pruner pruner = r.pruner();
            DataLoader loader = r.loader();
            ProtocolTrainer protocol = r.protocol();
            model.eval();

            assertEquals(7, protocol.statisticsBatches());
            assertEquals(7, protocol.collectStatistics(loader, (done, total) -> progress.add(done + "/" + total)));
            assertEquals(7, forwards[0], "one forward per statistics batch");
            assertEquals(List.of("1/7", "2/7", "3/7", "4/7", "5/7", "6/7", "7/7"), progress);
            assertFalse(model.isTraining(), "the pass restores the model's mode");
            model.namedParameters().forEach((k, p) -> assertTrue(!p.grad().defined()
                    || p.grad().abs().sum().item_double() == 0.0, k + ": the pass clears the gradients it made"));
            // half the filters: 3 of conv1's 6, 8 of conv2's 16, chosen by the 7 batches' Taylor scores
            assertEquals(Map.of("conv1", 0.5, "conv2", 0.5), pruner.layerSparsity());

            Tensor before = model.conv2.getParameter("weight").clone();
            List<EpochResult> epochs = protocol.fineTune(r.trainer(), loader, 1);
            assertEquals(1, epochs.size(), "one round of one epoch (taylor-fo is not iterative)");
            assertEquals(40, epochs.get(0).train().samples());
            assertEquals(7 + 5, forwards[0], "five training batches");
            assertTrue(model.conv2.getParameter("weight").sub(before).abs().sum().item_double() > 0, "fine-tuning stepped");

            Path modelFile = dir.resolve("model.safetensors");
            Path masksFile = dir.resolve("masks.safetensors");
            pruner.exportModel(modelFile, masksFile);
            try (PointerScope s = new PointerScope()) {
                Map<String, Tensor> masks = SafeTensors.load(masksFile);
                Map<String, Tensor> weights = SafeTensors.load(modelFile);
                // kept filters × weights per filter: 3 × 1·5·5 and 8 × 6·5·5
                assertEquals(75, masks.get("conv1.weight_mask").count_nonzero().item_long());
                assertEquals(1200, masks.get("conv2.weight_mask").count_nonzero().item_long());
                for (String layer : List.of("conv1", "conv2")) {
                    Tensor mask = masks.get(layer + ".weight_mask");
                    Tensor live = model.getSubmodule(layer).getParameter("weight");
                    assertTrue(torch.equal(live.mul(mask), weights.get(layer + ".weight")),
                            layer + ": the export holds the fine-tuned weights with the pruned filters zeroed");
                }
            }
        }
    }

    @Test
    void scheduledPrunerHearsEveryTickWithinTheEpoch() {
        // frequency 0.1 over epochs [0, 1]: ten ticks per epoch, so AGP reaches its final sparsity within one
        // epoch of ten batches only if the trainer tells it of each step, not only of the epoch start
        List<Double> seen = new ArrayList<>();
        try (Run r = Run.of("{\"pruner\": \"agp\", \"pruning_algorithm\": \"level\", \"initial_sparsity\": 0.5,"
                + " \"start_epoch\": 0, \"end_epoch\": 1, \"frequency\": 0.1,"
                + " \"config_list\": [{\"sparsity\": 0.9, \"op_names\": [\"fc1\"]}]}", 80, 4)) {
            ProtocolTrainer protocol = r.protocol();
            assertEquals(0, protocol.collectStatistics(r.loader(), ProtocolTrainer.Progress.NONE), "AGP is weight-based");
            assertEquals(Map.of("fc1", 0.5), r.pruner().layerSparsity());
            protocol.fineTune(r.trainer().addListener(new TrainingListener() {
                @Override
                public void onBatchEnd(Trainer t, BatchResult batch) {
                    seen.add(r.pruner().layerSparsity().get("fc1"));
                }
            }), r.loader(), 1);
        }
        assertEquals(10, seen.size());
        assertEquals(0.5, seen.get(0));
        // the cube ramp: s(t) = 0.9 + (0.5 − 0.9)·(1 − t/9)³ of fc1's 48,000 weights (floor), at t = 3 and t = 9
        assertEquals(Math.floor(48000 * (0.9 - 0.4 * Math.pow(1 - 3 / 9.0, 3))) / 48000, seen.get(3), 1e-12);
        assertEquals(0.9, seen.get(9));
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i) > seen.get(i - 1), "a tick after every batch: " + seen);
        }
    }

    @Test
    void iterativePrunerFineTunesEveryRound() {
        // prune_iterations 2: round 0 keeps every weight, rounds 1 and 2 prune to 1 − (1 − 0.8)^(k/2); the last is 0.8
        List<Integer> roundEpochs = new ArrayList<>();
        try (Run r = Run.of("{\"pruner\": \"lottery-ticket\", \"config_list\": [{\"prune_iterations\": 2,"
                + " \"sparsity\": 0.8, \"op_names\": [\"conv1\", \"fc3\"]}]}", 16, 5)) {
            ProtocolTrainer protocol = r.protocol();
            assertEquals(3, protocol.rounds());
            List<EpochResult> epochs = protocol.fineTune(r.trainer().addListener(new TrainingListener() {
                @Override
                public void onEpochStart(Trainer t, int epoch) {
                    roundEpochs.add(epoch);
                }
            }), r.loader(), 2);
            assertEquals(6, epochs.size(), "2 epochs in each of 3 rounds");
            assertEquals(List.of(0, 1, 0, 1, 0, 1), roundEpochs, "each round's trainer counts its epochs from 0");
            // floor(150 · 0.8) of conv1's weights, floor(840 · 0.8) of fc3's
            assertEquals(Map.of("conv1", 0.8, "fc3", 0.8), r.pruner().layerSparsity());
        }
    }

    @Test
    void aStatisticsPassNeedsBatchesToRun() {
        try (Run r = Run.of("{\"pruner\": \"apoz\", \"statistics_batch_num\": 2,"
                + " \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", 0, 6)) {
            ProtocolTrainer protocol = r.protocol();
            DataLoader loader = r.loader();
            assertEquals("statistics pass: the loader has no batch; 2 were asked for",
                    assertThrows(IllegalArgumentException.class, () -> protocol.collectStatistics(loader,
                            ProtocolTrainer.Progress.NONE)).getMessage());
            assertEquals("statistics pass: batches must be 0 or more, got -1",
                    assertThrows(IllegalArgumentException.class, () -> protocol.runStatistics(loader, -1,
                            ProtocolTrainer.Progress.NONE)).getMessage());
        }
    }
}
