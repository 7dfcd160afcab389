/**
 * Runnable samples: {@link dev.shrink4j.samples.TrainLeNet5} trains the LeNet-5 baseline on
 * Fashion-MNIST; benchmarks live in {@code dev.shrink4j.samples.bench}.
 */
package dev.shrink4j.samples;
