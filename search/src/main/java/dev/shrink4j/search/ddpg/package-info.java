/**
 * AMC's DDPG agent and search loop over {@link dev.shrink4j.search.env.ChannelPruningEnv}: seeded, logged as
 * JSON lines, resumable from its log.
 */
package dev.shrink4j.search.ddpg;
