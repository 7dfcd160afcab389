package dev.shrink4j.samples.bench;

import dev.shrink4j.amc.lowrank.LowRankCompressor;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;

/**
 * The README's low-rank numbers: trains LeNet-5 on Fashion-MNIST for one epoch, then decomposes conv2 and fc1 at 50%
 * of their FLOPs with each method and measures test accuracy before fine-tuning, and after one fine-tuning epoch for
 * svd. Run: {@code samples/run bench.LowRankLeNet5Bench}.
 */
public final class LowRankLeNet5Bench {

    private LowRankLeNet5Bench() {
    }

    /** Trains, decomposes with svd, pca and gsvd, prints each method's accuracy, FLOPs and per-layer report. */
    public static void main(String[] args) {
        torch.manual_seed(1);
        try (Dataset train = IdxDataset.FASHION_MNIST.load(Split.TRAIN); Dataset test = IdxDataset.FASHION_MNIST.load(Split.TEST);
             LeNet5 trained = new LeNet5()) {
            DataLoader trainLoader = DataLoader.builder().setDataset(train).setBatchSize(64).optShuffle(1).build();
            DataLoader testLoader = DataLoader.builder().setDataset(test).setBatchSize(256).build();
            try (Sgd sgd = Sgd.builder().setLearningRate(0.05).optMomentum(0.9).build(trained.parameters())) {
                Trainer.builder().setModel(trained).setOptimizer(sgd).optProgressBar(false).build().fit(trainLoader, 1);
            }
            Evaluator evaluator = new Evaluator();
            double base = evaluator.evaluate(trained, testLoader).accuracy();
            long flops = ModelProfiler.profile(trained, 1, 1, 28, 28).totalFlops();
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                    "LeNet-5, 1 epoch: test accuracy %.4f, %d FLOPs%n", base, flops));
            for (String method : new String[] {"svd", "pca", "gsvd"}) {
                try (LeNet5 model = new LeNet5()) {
                    model.loadStateDict(trained.stateDict(), true);
                    LowRankCompressor c = LowRankCompressor.builder().setModel(model)
                            .setConfigList(ConfigList.fromJson("[{\"op_names\": [\"conv2\", \"fc1\"], \"compress_ratio\": 0.5,"
                                    + " \"method\": \"" + method + "\"}]"))
                            .setInputShape(1, 1, 28, 28).optStatisticsBatches(20).build();
                    c.compress();
                    if (c.statisticsBatches() > 0) {
                        try (NoGradGuard g = new NoGradGuard()) {
                            model.eval();
                            java.util.Iterator<Batch> batches = trainLoader.iterator();
                            for (int i = 0; i < c.statisticsBatches() && batches.hasNext(); i++) {
                                // the batch is made inside the step's scope, so its tensors go with it
                                try (PointerScope step = new PointerScope()) {
                                    model.call(batches.next().x());
                                }
                            }
                        }
                        c.finishStatistics();
                    }
                    double acc = evaluator.evaluate(model, testLoader).accuracy();
                    long after = ModelProfiler.profile(model, 1, 1, 28, 28).totalFlops();
                    out.append(String.format(Locale.ROOT, "%s: accuracy %.4f before fine-tune, model FLOPs %d -> %d (%.3f)%n",
                            method, acc, flops, after, (double) after / flops));
                    out.append(c.report().toTable());
                    if (method.equals("svd")) {
                        try (Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters())) {
                            Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build()
                                    .fit(trainLoader, 1);
                        }
                        out.append(String.format(Locale.ROOT, "svd after 1 fine-tune epoch: %.4f%n",
                                evaluator.evaluate(model, testLoader).accuracy()));
                    }
                    c.unwrap();
                }
            }
            System.out.println(out);
        }
    }

}
