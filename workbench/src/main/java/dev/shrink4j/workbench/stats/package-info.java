/**
 * Model statistics: {@link dev.shrink4j.workbench.stats.ModelProfiler} counts parameters and FLOPs per leaf
 * layer with forward hooks on one dummy input and prints them as a table.
 */
package dev.shrink4j.workbench.stats;
