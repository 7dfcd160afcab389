/**
 * Reading distillation config entries: {@link dev.shrink4j.distill.config.ConfigReader} checks each
 * field's type and range and the entry's unknown keys, collecting every problem for one
 * {@link dev.shrink4j.distill.config.DistillConfigException}.
 */
package dev.shrink4j.distill.config;
