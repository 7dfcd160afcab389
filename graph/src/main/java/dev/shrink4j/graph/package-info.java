/**
 * The traced model graph and what follows from it: {@link dev.shrink4j.graph.ModelGraph} (nodes are leaf
 * module calls, edges carry tensor shapes), built from forward hooks with the autograd graph explaining
 * anything no module accounts for, and {@link dev.shrink4j.graph.DependencyGroups}: the channels that must be
 * pruned together ({@link dev.shrink4j.graph.ChannelGroup}, each a list of
 * {@link dev.shrink4j.graph.GroupMember} layer dimensions with their index mappings).
 */
package dev.shrink4j.graph;
