/**
 * Channel pruning with least-squares reconstruction (He, Zhang and Sun 2017; the L1 variant of AMC and
 * Distiller): {@link dev.shrink4j.amc.channel.ChannelPruning} selects the input channels of each prunable
 * convolution or linear layer (LASSO by coordinate descent, {@link dev.shrink4j.amc.channel.Lasso}, or L1
 * magnitude), refits the kept weights by least squares ({@link dev.shrink4j.amc.channel.LeastSquares}) on
 * samples of the original network's responses, and removes the producing filters through the dependency
 * groups, so the result is a physically smaller network. {@link dev.shrink4j.amc.channel.ChannelPruner} is the
 * same as a config-driven compressor ({@code "pruner": "channel-pruning"}).
 */
package dev.shrink4j.amc.channel;
