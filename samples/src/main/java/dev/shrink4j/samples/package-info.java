/**
 * Runnable samples: {@link dev.shrink4j.samples.TrainLeNet5} trains the LeNet-5 baseline on
 * Fashion-MNIST; the README's snippets run as {@link dev.shrink4j.samples.QuickStartPrune},
 * {@link dev.shrink4j.samples.QuickStartQuantize}, {@link dev.shrink4j.samples.CustomPrunerExample},
 * {@link dev.shrink4j.samples.CustomQuantizerExample} and {@link dev.shrink4j.samples.ConfigListFromJson}
 * (the quick-start code the README quotes sits between {@code // README:begin} and
 * {@code // README:end}); options shared by them are in {@link dev.shrink4j.samples.SampleArgs};
 * benchmarks live in {@code dev.shrink4j.samples.bench}.
 */
package dev.shrink4j.samples;
