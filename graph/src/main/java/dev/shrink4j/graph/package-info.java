/**
 * The traced model graph and what follows from it: {@link dev.shrink4j.graph.ModelGraph} (nodes are leaf
 * module calls, edges carry tensor shapes), built from forward hooks with the autograd graph explaining
 * anything no module accounts for.
 */
package dev.shrink4j.graph;
