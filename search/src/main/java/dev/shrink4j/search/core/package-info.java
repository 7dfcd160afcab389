/**
 * What every search shares: the log of evaluated candidates ({@link dev.shrink4j.search.core.SearchLog}) and the
 * evaluation of per-layer keep ratios on a physically pruned copy of the model.
 */
package dev.shrink4j.search.core;
