package dev.shrink4j.nn.optim;

import java.util.List;

/**
 * Changes an {@link Optimizer}'s learning rates as training progresses (PyTorch's
 * {@code torch.optim.lr_scheduler}). By convention {@link #step()} is called once per epoch, after
 * that epoch's optimizer steps:
 *
 * <pre>{@code
 * LrScheduler schedule = new StepLr(sgd, 30, 0.1);
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     trainOneEpoch(model, sgd);
 *     schedule.step();
 * }
 * }</pre>
 */
public interface LrScheduler {

    /** Advances to the next epoch and sets every group's learning rate for it. */
    void step();

    /** The learning rate this scheduler last set on the first group (PyTorch's {@code get_last_lr()[0]}). */
    double lastLr();

    /** The learning rates this scheduler last set, one per parameter group, in group order. */
    List<Double> lastLrs();

    /** The current epoch: 0 after construction, incremented by every {@link #step()}. */
    long epoch();
}
