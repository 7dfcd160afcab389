/**
 * AMC's mathematical compressors, each producing a reconstructed, physically smaller network: channel pruning
 * with least-squares reconstruction ({@code dev.shrink4j.amc.channel}: LASSO channel selection after He, Zhang
 * and Sun 2017, or the L1-magnitude variant of AMC/Distiller) and low-rank decomposition
 * ({@code dev.shrink4j.amc.lowrank}: truncated SVD of a conv or linear weight, and the data-driven
 * response-PCA and GSVD variants of Zhang et al. 2015).
 */
package dev.shrink4j.amc;
