/**
 * Datasets as tensors: readers for the IDX format (MNIST, Fashion-MNIST) and the CIFAR-10 binary
 * format, a {@link dev.shrink4j.workbench.data.Dataset} that owns its normalised image and label tensors, and a
 * {@link dev.shrink4j.workbench.data.DataLoader} that cuts it into seeded, shuffled {@link dev.shrink4j.workbench.data.Batch}es.
 *
 * <p>Everything that can be wrong with a file (missing, wrong magic, truncated, inconsistent counts)
 * surfaces as a {@link dev.shrink4j.workbench.data.DatasetException} whose message names the file and says
 * what to do about it.
 */
package dev.shrink4j.workbench.data;
