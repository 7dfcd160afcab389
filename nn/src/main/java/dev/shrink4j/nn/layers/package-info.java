/**
 * Layers as {@link dev.shrink4j.nn.Module}s computing through libtorch's functional ops, with
 * PyTorch's state-dict names and default initialisation: convolution, linear, batch norm,
 * activations, pooling, dropout and containers.
 */
package dev.shrink4j.nn.layers;
