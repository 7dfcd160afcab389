package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The setup {@link PruningRun} and {@link QuantizationRun} share: a fresh model, its fine-tuning
 * optimizer, the trained weights, and the config's compressor over them, all closed after the run.
 * The optimizer is built before the weights are read so that a bad {@code --lr} is reported first,
 * before any file is touched; it is built before the compressor because compressors hook its steps.
 */
public final class CompressionSetup {

    /**
     * What runs on the set-up model.
     *
     * @param <C> the kind of compressor
     * @param <R> the result
     */
    @FunctionalInterface
    public interface Body<C extends Compressor, R> {

        /**
         * Runs on {@code model}, compressed by {@code compressor}.
         *
         * @param optimizer the fine-tuning optimizer, or null when the run does not fine-tune
         */
        R run(Module model, Optimizer optimizer, C compressor) throws IOException;
    }

    private CompressionSetup() {
    }

    /**
     * Sets up {@code arch} for {@code data} with {@code weights}, an Adam optimizer at {@code lr} when
     * {@code finetune} ({@link Training#finetuneOptimizer}), and {@code cfg}'s compressor (which must be a
     * {@code type}), runs {@code body}, and closes compressor, optimizer and model.
     */
    public static <C extends Compressor, R> R run(String arch, DataSpec data, Path weights, boolean finetune, double lr,
            CompressionConfig cfg, Class<C> type, Body<C, R> body) throws IOException {
        try (Module model = Models.create(arch, data);
             Optimizer optimizer = finetune ? Training.finetuneOptimizer(model, lr) : null) {
            Models.loadWeights(model, weights, arch);
            try (C compressor = CompressorFactory.create(cfg, model, optimizer, data.inputShape(1), type);
                    DistributedRun.Tracked tracked = DistributedRun.track(compressor)) {
                return body.run(model, optimizer, compressor);
            }
        }
    }
}
