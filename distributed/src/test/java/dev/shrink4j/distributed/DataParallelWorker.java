package dev.shrink4j.distributed;

import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank of the process tests ({@link DataParallelProcessTest}), started in its own JVM.
 *
 * <p>{@code train RANK WORLD PORT DIR}: runs every {@link Scenarios.Scenario} in turn on one context and
 * saves each result to {@code DIR/<scenario>-rank<RANK>.safetensors} (test output, compared by the test);
 * then writes {@code model.safetensors} through {@link DistributedContext#runOnMain} into {@code DIR/rank<RANK>/}
 * (only rank 0's directory may get it).
 *
 * <p>{@code fault RANK WORLD PORT DIR}: trains TinyNet epoch after epoch, 20 ms per step, rank 0 replacing
 * {@code DIR/checkpoint.safetensors} after each epoch; prints {@code EPOCH_DONE e} and stops after 50 epochs.
 * The test kills one rank; the other must fail with a {@link RankFailureException}.
 *
 * <p>Timeouts are 10 s. Exit codes: 0 done, 3 a {@link RankFailureException} (its message on standard
 * error after {@code RANK_FAILURE: }), 1 anything else.
 */
public final class DataParallelWorker {

    private DataParallelWorker() {
    }

    /** See the class documentation. */
    public static void main(String[] args) {
        String mode = args[0];
        int rank = Integer.parseInt(args[1]);
        int world = Integer.parseInt(args[2]);
        int port = Integer.parseInt(args[3]);
        Path dir = Path.of(args[4]);
        torch.set_num_threads(1);
        DistributedSettings settings = DistributedSettings.builder().setRank(rank).setWorldSize(world).setMasterPort(port)
                .optTimeout(Duration.ofSeconds(10)).build();
        int code = 0;
        try (DistributedContext ctx = DistributedContext.connect(settings); Dataset data = Scenarios.dataset()) {
            if (mode.equals("train")) {
                train(ctx, data, dir);
            } else {
                fault(ctx, data, dir);
            }
            ctx.finish();
        } catch (RankFailureException e) {
            System.err.println("RANK_FAILURE: " + e.getMessage());
            code = 3;
        } catch (Throwable t) {
            t.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    private static void train(DistributedContext ctx, Dataset data, Path dir) throws Exception {
        for (Scenarios.Scenario s : Scenarios.Scenario.values()) {
            try (PointerScope scope = new PointerScope()) {
                // a fresh loader: each scenario starts at the sampler's epoch 0, as the single process does
                DataLoader loader = Scenarios.shardLoader(data, ctx.rank(), ctx.worldSize());
                Map<String, org.bytedeco.pytorch.Tensor> result = Scenarios.train(s, loader, ctx);
                SafeTensors.save(result, dir.resolve(s.name().toLowerCase() + "-rank" + ctx.rank() + ".safetensors"));
                if (s == Scenarios.Scenario.SGD) {
                    Path own = Files.createDirectories(dir.resolve("rank" + ctx.rank()));
                    ctx.runOnMain("write model.safetensors", () -> SafeTensors.save(result, own.resolve("model.safetensors")));
                }
            }
        }
    }

    private static void fault(DistributedContext ctx, Dataset data, Path dir) {
        DataLoader loader = Scenarios.shardLoader(data, ctx.rank(), ctx.worldSize());
        try (TinyNet model = Scenarios.model(1, false);
                Sgd sgd = Sgd.builder().setLearningRate(0.01).build(model.parameters());
                DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(model, sgd).build()) {
            sgd.addStepListener(new dev.shrink4j.nn.optim.StepListener() {
                @Override
                public void afterStep(dev.shrink4j.nn.optim.Optimizer o) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false)
                    .addListener(dp.epochCheck()).build();
            Path checkpoint = dir.resolve("checkpoint.safetensors");
            trainer.addListener(new TrainingListener() {
                @Override
                public void onEpochEnd(Trainer t, dev.shrink4j.workbench.train.EpochResult result) {
                    try {
                        ctx.runOnMain("write the checkpoint", () -> t.saveCheckpoint(checkpoint));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    System.out.println("EPOCH_DONE " + result.epoch());
                    System.out.flush();
                }
            });
            trainer.fit(loader, 50);
        }
    }
}
