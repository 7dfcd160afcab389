/**
 * Running a config file's algorithm from Java, as the command line does, with the library alone:
 * {@link dev.shrink4j.algorithms.run.CompressorFactory} checks a {@link dev.shrink4j.algorithms.CompressionConfig}
 * against a model and builds its compressor; {@link dev.shrink4j.algorithms.run.ProtocolTrainer} then drives
 * it through the training protocol of {@code dev.shrink4j.compress.protocol} (statistics batches, rounds,
 * schedule ticks) before the compressor exports.
 *
 * <pre>{@code
 * CompressionConfig cfg = CompressionConfig.read(file, BuiltinAlgorithms.registry(), AlgorithmKind.PRUNER,
 *         CompressorFactory.modelCheck(() -> new LeNet5(10), new long[] {1, 1, 28, 28}, c -> true));
 * try (Pruner pruner = CompressorFactory.create(cfg, model, adam, new long[] {1, 1, 28, 28}, Pruner.class)) {
 *     ProtocolTrainer protocol = new ProtocolTrainer(model, pruner);
 *     protocol.collectStatistics(trainLoader, ProtocolTrainer.Progress.NONE);
 *     protocol.fineTune(Trainer.builder().setModel(model).setOptimizer(adam), trainLoader, 2);
 *     pruner.exportModel(modelFile, masksFile);
 * }
 * }</pre>
 */
package dev.shrink4j.algorithms.run;
