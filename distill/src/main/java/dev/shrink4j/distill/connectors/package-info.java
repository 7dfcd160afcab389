/**
 * Connectors (MMRazor's design): small trainable modules between a record and a loss, whose parameters
 * train with the student: {@link dev.shrink4j.distill.connectors.ConvModuleConnector} (conv, optional BN,
 * optional activation), {@link dev.shrink4j.distill.connectors.Translator} and
 * {@link dev.shrink4j.distill.connectors.Paraphraser} (factor transfer),
 * {@link dev.shrink4j.distill.connectors.OFDTeacherConnector} (OFD's margin) and
 * {@link dev.shrink4j.distill.connectors.TorchFunctionalConnector} (pooling, interpolation, flattening);
 * built by {@link dev.shrink4j.distill.connectors.Connectors}, a list becoming a
 * {@link dev.shrink4j.distill.connectors.ConnectorSequence}.
 */
package dev.shrink4j.distill.connectors;
