package dev.shrink4j.workbench.train;

import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.memory.MemoryProbe;
import dev.shrink4j.nn.optim.Sgd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resident-memory check of {@link TrainerMemoryTest}, shared with the modules that run it on
 * compressed models (the workbench test-jar): a tiny CNN on noise, 3 warm-up epochs, then 3,000 steps
 * (30 epochs of 100 batches of 16) measured by the growth of the resident set. The CNN is tiny so
 * that the check measures the per-step bookkeeping (activations, gradients, autograd graph, optimizer
 * and compression state) rather than arithmetic, and stays fast on a loaded machine.
 */
public final class TrainingMemory {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingMemory.class);

    /** Samples of the noise set: 100 batches of {@link #BATCH_SIZE} per epoch. */
    public static final int SAMPLES = 1600;
    /** The batch size. */
    public static final int BATCH_SIZE = 16;
    /** Epochs run before the first reading: allocator pools, JIT, optimizer and compression state settle. */
    public static final int WARMUP_EPOCHS = 3;
    /** Epochs measured: 3,000 steps. */
    public static final int MEASURED_EPOCHS = 30;
    /** The growth over the measured steps that fails the check. */
    public static final long LIMIT_BYTES = 100L << 20;

    private TrainingMemory() {
    }

    /**
     * conv 1→8 3×3, ReLU, 2×2 max pool, flatten, linear 392→10, on 1×16×16 images: little arithmetic,
     * but a few hundred kilobytes of activations and gradients per step of 16, so a missing scope
     * would show as hundreds of megabytes (measured on the plain model: the same 3,000 steps without a
     * scope grow by 782 MB; through the trainer by 1 MB).
     */
    public static final class TinyCnn extends Module {
        /** The convolution, {@code conv}. */
        public final Conv2d conv = registerModule("conv", new Conv2d(1, 8, 3));
        final ReLU relu = registerModule("relu", new ReLU());
        final MaxPool2d pool = registerModule("pool", new MaxPool2d(2));
        final Flatten flatten = registerModule("flatten", new Flatten());
        /** The classifier, {@code fc}. */
        public final Linear fc = registerModule("fc", new Linear(392, 10));

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(flatten.call(pool.call(relu.call(conv.call(x)))));
        }
    }

    /**
     * What every check trains: the {@link #noise()} set, a {@link TinyCnn} and its SGD (learning rate 0.01,
     * momentum 0.9), closed together. A test wraps {@link #model} with its compressor, then calls
     * {@link #assertFlat}.
     */
    public static final class Rig implements AutoCloseable {
        /** The noise set. */
        public final Dataset data = noise();
        /** The model trained. */
        public final TinyCnn model = new TinyCnn();
        /** Its optimizer. */
        public final Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters());

        /**
         * Trains {@link #model} through a trainer with {@code listeners} ({@link #measure}), logs the growth, and
         * asserts that every step ran and that native memory grew less than {@link #LIMIT_BYTES}.
         *
         * @param kind what is trained, for the log and the failure message: {@code "QAT "}, or {@code ""} for
         *             the plain model
         */
        public Growth assertFlat(String kind, TrainingListener... listeners) {
            Trainer.Builder builder = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false);
            for (TrainingListener l : listeners) {
                builder.addListener(l);
            }
            Growth g = measure(builder.build(), loader(data));
            LOG.info("3000 {}tiny-CNN steps at batch 16: {}", kind, g);
            assertEquals(3300, g.steps());
            assertTrue(g.growth() < LIMIT_BYTES, "native resident memory (Java heap excluded) grew by " + (g.growth() >> 20)
                    + " MB over 3000 " + kind + "steps");
            return g;
        }

        /** Closes the optimizer, the model and the data set. */
        @Override
        public void close() {
            try (data; model; sgd) {
                // closed in reverse order: sgd, model, data
            }
        }
    }

    /** {@link #SAMPLES} random 1×16×16 images with random labels of 10 classes (seeded). */
    public static Dataset noise() {
        torch.manual_seed(0);
        try (PointerScope s = new PointerScope()) {
            return new Dataset("noise", torch.randn(SAMPLES, 1, 16, 16), torch.randint(10, new long[] {SAMPLES}), 10);
        }
    }

    /** The loader of the check: batches of {@link #BATCH_SIZE}, shuffled with a fixed seed. */
    public static DataLoader loader(Dataset noise) {
        return DataLoader.builder().setDataset(noise).setBatchSize(BATCH_SIZE).optShuffle(0).build();
    }

    /**
     * What one check measured.
     *
     * @param residentBefore the resident set after the warm-up, in bytes
     * @param growth         its growth over the measured steps less the Java heap's committed growth,
     *                       in bytes: native memory
     * @param heapGrowth     the Java heap's committed growth over the measured steps, in bytes
     * @param millisPerStep  wall time per measured step
     * @param steps          the trainer's step count at the end (warm-up included), or for
     *                       {@link #measure(Runnable, Runnable, long)} the steps of the measured window
     */
    public record Growth(long residentBefore, long growth, long heapGrowth, double millisPerStep, long steps) {
        /** {@code "resident memory 412 MB → native growth 3 MB (Java heap +0 MB), 0.61 ms/step"}. */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "resident memory %d MB → native growth %d MB (Java heap +%d MB),"
                    + " %.2f ms/step", residentBefore >> 20, growth >> 20, heapGrowth >> 20, millisPerStep);
        }
    }

    /**
     * Warms {@code trainer} up for {@link #WARMUP_EPOCHS} epochs of {@code loader}, then trains
     * {@link #MEASURED_EPOCHS} more and returns the growth of the resident set ({@link #measure(Runnable, Runnable,
     * long)}), with the trainer's step count at the end.
     */
    public static Growth measure(Trainer trainer, DataLoader loader) {
        Growth g = measure(() -> trainer.fit(loader, WARMUP_EPOCHS), () -> trainer.fit(loader, MEASURED_EPOCHS),
                (long) MEASURED_EPOCHS * loader.batchCount());
        return new Growth(g.residentBefore(), g.growth(), g.heapGrowth(), g.millisPerStep(), trainer.step());
    }

    /**
     * The check's reading around any loop (search candidates as well as training steps): runs {@code warmUp}, then
     * {@code window} of {@code steps} steps, and returns the growth of the resident set over the window, with
     * {@code steps} as the step count. {@link MemoryProbe#settle()} runs before the warm-up, so that earlier garbage
     * freed inside the window cannot hide growth, and the warm-up then brings the heap (which the full collections
     * shrink) back to its working size, so that its regrowth is not subtracted from the native growth; the last
     * reading does not settle, so that tensors left to the garbage collector (a missing scope) count as they pile up
     * in a real run.
     */
    public static Growth measure(Runnable warmUp, Runnable window, long steps) {
        MemoryProbe.settle();
        warmUp.run();
        long before = MemoryProbe.residentBytes();
        long t0 = System.nanoTime();
        long heapBefore = Runtime.getRuntime().totalMemory();
        window.run();
        double millis = (System.nanoTime() - t0) / 1e6;
        long residentGrowth = MemoryProbe.residentBytes() - before;
        // The JVM may grow its heap (committed 24 → 201 MB measured in a full module run) to hold garbage
        // the collector has not yet reclaimed; that is bounded by -Xmx and is not a native leak, which is
        // what this check is for. Resident pages of the heap are at most its committed growth.
        long heapGrowth = Math.max(0, Runtime.getRuntime().totalMemory() - heapBefore);
        return new Growth(before, residentGrowth - heapGrowth, heapGrowth, millis / steps, steps);
    }
}
