/**
 * Deliveries (MMRazor's design): a teacher module's outputs queued and handed to the student's matching
 * module in its place ({@link dev.shrink4j.distill.delivery.ModuleOutputsDelivery}), FIFO with
 * {@code max_keep_data}, emptied every step.
 */
package dev.shrink4j.distill.delivery;
