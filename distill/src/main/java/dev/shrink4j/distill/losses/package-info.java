/**
 * Distillation losses with MMRazor's names, options and defaults, built from their config objects by
 * {@link dev.shrink4j.distill.losses.DistillLosses} and called with their inputs by forward-argument name
 * ({@link dev.shrink4j.distill.losses.DistillLoss#forward}): logits (KL divergence, DKD, DIST, WSLD),
 * features (L2, L1, channel-wise divergence, attention transfer, activation boundaries, OFD, factor
 * transfer) and relations between samples (distance- and angle-wise RKD).
 */
package dev.shrink4j.distill.losses;
