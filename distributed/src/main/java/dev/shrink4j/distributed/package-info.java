/**
 * Data-parallel training and compression on PyTorch's distributed engine: a
 * {@link dev.shrink4j.distributed.DistributedContext} joins a c10d {@code TCPStore} rendezvous and a
 * Gloo process group (torchrun's environment or explicit {@link dev.shrink4j.distributed.DistributedSettings});
 * a {@link dev.shrink4j.distributed.DistributedSampler} gives each rank PyTorch's shard of the data;
 * {@link dev.shrink4j.distributed.DataParallel} broadcasts rank 0's model, averages gradients by bucketed
 * all-reduce before every optimizer step, keeps compressor buffers (masks, observer ranges, scales)
 * identical on all ranks, optionally synchronises batch-norm statistics, and checks at each epoch's end
 * that every rank holds the same weights and buffers.
 */
package dev.shrink4j.distributed;
