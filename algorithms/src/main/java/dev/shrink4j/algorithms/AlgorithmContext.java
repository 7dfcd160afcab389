package dev.shrink4j.algorithms;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.function.ToDoubleFunction;

/**
 * What a registry entry gets to build its compressor.
 *
 * @param model      the model to compress
 * @param configList the config file's {@code config_list}
 * @param optimizer  the fine-tuning optimizer, or null when there is no training
 * @param options    the config file's algorithm options
 * @param inputShape one sample's input shape with batch 1 ({@code [1, C, H, W]}), for algorithms
 *                   that trace the model (dependency-aware filter pruning)
 * @param evaluator  the validation accuracy of a model, in [0, 1], for algorithms that search by accuracy
 *                   ({@code accuracy_first}), or null when the run has none
 */
public record AlgorithmContext(Module model, ConfigList configList, Optimizer optimizer, AlgorithmOptions options,
        long[] inputShape, ToDoubleFunction<Module> evaluator) {

    /** A context without an evaluator. */
    public AlgorithmContext(Module model, ConfigList configList, Optimizer optimizer, AlgorithmOptions options,
            long[] inputShape) {
        this(model, configList, optimizer, options, inputShape, null);
    }
}
