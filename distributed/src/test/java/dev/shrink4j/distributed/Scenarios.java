package dev.shrink4j.distributed;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.prune.ActivationMeanRankFilterPruner;
import dev.shrink4j.prune.AgpPruner;
import dev.shrink4j.quant.algo.QatQuantizer;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.Sampler;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The training runs the data-parallel tests compare: the same code runs as one rank of a group (in a
 * worker process or a thread) and as the single process that trains on the union of the ranks' batches.
 * Data: 80 samples of 1×8×8 Gaussian noise with 4 labels; each rank takes its {@link DistributedSampler}
 * shard (40 samples) in batches of 4, so 2 epochs are 20 steps. SGD, lr 0.05, momentum 0.9.
 */
final class Scenarios {

    static final int SAMPLES = 80;
    static final int BATCH = 4;
    static final int EPOCHS = 2;
    static final long SAMPLER_SEED = 11;

    /** What is trained. */
    enum Scenario {
        /** TinyNet without batch norm, no compressor. */
        SGD,
        /** AGP, level, 75% of conv and fc from epoch 1 (masks computed at the first step of epoch 1). */
        AGP,
        /**
         * QAT, 8-bit weights, inputs and outputs of conv and fc, quantization from step 20: 20 steps track the
         * ranges; afterwards an evaluation forward stores the scales.
         */
        QAT,
        /** QAT from step 10: the last 10 steps train quantized (each rank's forward uses its batch's range). */
        QAT_ACTIVE,
        /** TinyNet with batch norm, no compressor. */
        BATCH_NORM,
        /**
         * Mean-activation filter pruning, half of conv's 4 filters, from 3 batches of statistics: each rank
         * collects its own, and the masks are rank 0's, broadcast after the step that computes them.
         */
        MEAN_ACTIVATION
    }

    private Scenarios() {
    }

    /** The dataset, the same in every process (drawn with java.util.Random, no libtorch generator state). */
    static Dataset dataset() {
        Random random = new Random(7);
        float[] x = new float[SAMPLES * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        long[] y = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            y[i] = random.nextInt(4);
        }
        try (PointerScope scope = new PointerScope()) {
            return new Dataset("noise", Tensor.create(x, SAMPLES, 1, 8, 8), Tensor.create(y, SAMPLES), 4);
        }
    }

    /** Rank {@code rank}'s loader of a world of {@code world}. */
    static DataLoader shardLoader(Dataset data, int rank, int world) {
        DistributedSampler shard = DistributedSampler.builder().setDatasetSize(SAMPLES).setShard(rank, world)
                .optSeed(SAMPLER_SEED).build();
        return DataLoader.builder().setDataset(data).setBatchSize(BATCH).optSampler(shard).build();
    }

    /**
     * The single process's loader: its batch {@code k} holds batch {@code k} of every rank, rank by rank,
     * so one step sees exactly what the {@code world} ranks see together.
     */
    static DataLoader unionLoader(Dataset data, int world) {
        Sampler union = new Sampler() {
            @Override
            public int size() {
                return SAMPLES;
            }

            @Override
            public int[] indices(int epoch) {
                int[][] shards = new int[world][];
                for (int r = 0; r < world; r++) {
                    shards[r] = shardLoader(data, r, world).sampler().indices(epoch);
                }
                int[] out = new int[world * shards[0].length];
                int k = 0;
                for (int start = 0; start < shards[0].length; start += BATCH) {
                    for (int[] shard : shards) {
                        for (int i = start; i < Math.min(start + BATCH, shard.length); i++) {
                            out[k++] = shard[i];
                        }
                    }
                }
                return out;
            }
        };
        return DataLoader.builder().setDataset(data).setBatchSize(BATCH * world).optSampler(union).build();
    }

    /** A fresh TinyNet initialised from libtorch's generator seeded {@code seed}. */
    static synchronized TinyNet model(long seed, boolean batchNorm) {
        torch.manual_seed(seed);
        return new TinyNet(batchNorm);
    }

    private static Compressor compressor(Scenario s, Module model, Sgd sgd) {
        return switch (s) {
            case SGD, BATCH_NORM -> null;
            case MEAN_ACTIVATION -> ActivationMeanRankFilterPruner.builder().setModel(model).optOptimizer(sgd)
                    .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
                    .optStatisticsBatchNum(3).build();
            case AGP -> AgpPruner.builder().setModel(model).optOptimizer(sgd).setConfigList(ConfigList.fromJson(
                    "[{\"sparsity\": 0.75, \"op_types\": [\"Conv2d\", \"Linear\"]}]")).optEndEpoch(2).build();
            case QAT, QAT_ACTIVE -> new QatQuantizer(model, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\", "
                    + "\"output\"], \"quant_bits\": 8, \"quant_start_step\": " + (s == Scenario.QAT ? 20 : 10)
                    + ", \"op_types\": [\"Conv2d\", \"Linear\"]}]"), sgd);
        };
    }

    /**
     * Trains {@code s} over {@code loader} for {@link #EPOCHS} epochs and returns copies of the compressor's
     * state dict (the model's with its buffers), keyed by name, in the caller's pointer scope. With {@code ctx}, as one rank of a
     * data-parallel group: rank 0 starts from seed 1, the others from other weights that the broadcast
     * replaces; alone, from seed 1.
     */
    static Map<String, Tensor> train(Scenario s, DataLoader loader, DistributedContext ctx) {
        return train(s, loader, ctx, UnaryOperator.identity());
    }

    /** {@link #train(Scenario, DataLoader, DistributedContext)} with {@code options} applied to the DataParallel builder. */
    static Map<String, Tensor> train(Scenario s, DataLoader loader, DistributedContext ctx,
            UnaryOperator<DataParallel.Builder> options) {
        boolean batchNorm = s == Scenario.BATCH_NORM;
        try (TinyNet model = model(ctx == null ? 1 : 1 + ctx.rank(), batchNorm);
                Sgd sgd = Sgd.builder().setLearningRate(0.05).optMomentum(0.9).build(model.parameters())) {
            Compressor compressor = compressor(s, model, sgd);
            if (compressor != null) {
                compressor.compress();
            }
            DataParallel.Builder dp = DataParallel.builder().setContext(ctx).setReplica(model, sgd);
            if (compressor != null) {
                dp.addCompressor(compressor);
            }
            try (DataParallel parallel = ctx == null ? null : options.apply(dp).build()) {
                Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build();
                if (compressor != null) {
                    trainer.addListener(new TrainingListener() {
                        @Override
                        public void onEpochStart(Trainer t, int epoch) {
                            compressor.updateEpoch(epoch);
                        }
                    });
                }
                if (parallel != null) {
                    trainer.addListener(parallel.epochCheck());
                }
                trainer.fit(loader, EPOCHS);
                if (compressor instanceof QatQuantizer) {
                    storeScales(model, loader.dataset());
                    if (parallel != null) {
                        parallel.verifyConsistency("after the evaluation forward");
                    }
                }
                Map<String, Tensor> out = copies(compressor == null ? model.stateDict() : compressor.stateDict());
                if (compressor != null) {
                    compressor.close();
                }
                return out;
            }
        }
    }

    /** An evaluation forward on the first 8 samples: QAT stores its activation scales from the tracked ranges. */
    private static void storeScales(Module model, Dataset data) {
        model.eval();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            model.call(data.images().narrow(0, 0, 8));
        }
    }

    /** Detached copies, in the caller's pointer scope. */
    private static Map<String, Tensor> copies(Map<String, Tensor> stateDict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateDict.forEach((k, v) -> out.put(k, v.detach().clone()));
        return out;
    }
}
