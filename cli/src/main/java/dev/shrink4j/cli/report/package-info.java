/** Run reports: results, training curves and per-layer sparsity as JSON and as an HTML page with charts. */
package dev.shrink4j.cli.report;
