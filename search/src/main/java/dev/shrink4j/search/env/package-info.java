/**
 * AMC's channel-pruning environment: an episode walks the prunable layers, the agent picks each layer's
 * input-channel preserve ratio, and the FLOPs budget is enforced while acting and after channel rounding.
 */
package dev.shrink4j.search.env;
