package dev.shrink4j.workbench.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A per-epoch progress bar, as a {@link TrainingListener}: running loss, accuracy and samples per
 * second of the current epoch.
 *
 * <p>On a terminal it redraws one line in place with {@code \r} (at most ten times a second); in a
 * log (CI, a file) it prints one line each time another tenth of the epoch is done, so logs stay
 * short and readable:
 * <pre>
 * epoch 1/3  40% [########            ]  375/938  loss 0.6812  acc 74.91%  9817 samples/s
 * </pre>
 */
public final class ProgressBar implements TrainingListener {

    private static final int WIDTH = 20;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier clock;

    private long startNanos;
    private long lastDrawNanos;
    private int lastTenth;
    private double lossSum;
    private long correct;
    private long samples;

    /**
     * A progress bar writing to {@code out}.
     *
     * @param interactive redraw one line in place (a terminal) rather than print a line per tenth
     */
    public ProgressBar(PrintStream out, boolean interactive) {
        this(out, interactive, System::nanoTime);
    }

    ProgressBar(PrintStream out, boolean interactive, LongSupplier clock) {
        this.out = out;
        this.interactive = interactive;
        this.clock = clock;
    }

    /**
     * A progress bar on standard error, redrawing in place when the process has a console (Java
     * sees a terminal) and printing lines otherwise.
     */
    public static ProgressBar onStandardError() {
        return new ProgressBar(System.err, System.console() != null);
    }

    @Override
    public void onEpochStart(Trainer trainer, int epoch) {
        startNanos = clock.getAsLong();
        lastDrawNanos = Long.MIN_VALUE;
        lastTenth = 0;
        lossSum = 0;
        correct = 0;
        samples = 0;
    }

    @Override
    public void onBatchEnd(Trainer trainer, BatchResult r) {
        lossSum += r.loss() * r.size();
        correct += r.correct();
        samples += r.size();
        int done = r.batch() + 1;
        boolean last = done == r.batchCount();
        if (interactive) {
            long now = clock.getAsLong();
            if (last || lastDrawNanos == Long.MIN_VALUE || now - lastDrawNanos >= REDRAW_NANOS) {
                lastDrawNanos = now;
                out.print("\r" + render(trainer, r, now) + (last ? "\n" : ""));
                out.flush();
            }
        } else {
            int tenth = (int) (10L * done / r.batchCount());
            if (tenth > lastTenth) {
                lastTenth = tenth;
                out.println(render(trainer, r, clock.getAsLong()));
                out.flush();
            }
        }
    }

    /**
     * The cells of a text progress bar {@code width} characters wide: {@code #} for the share {@code done} of
     * {@code total}, rounded down, and {@code empty} for the rest; all {@code #} when {@code total} is not positive.
     * Every progress line shrink4j prints (training, compressors' per-layer lines, searches) draws its bar here.
     */
    public static String cells(long done, long total, int width, char empty) {
        int filled = total <= 0 ? width : (int) ((long) width * done / total);
        return "#".repeat(filled) + String.valueOf(empty).repeat(width - filled);
    }

    /** One line: epoch, percentage, bar, batches, running loss and accuracy, throughput. */
    String render(Trainer trainer, BatchResult r, long now) {
        int done = r.batch() + 1;
        int percent = (int) (100L * done / r.batchCount());
        double seconds = (now - startNanos) / 1e9;
        String epochs = trainer.plannedEpochs() > 0 ? "/" + trainer.plannedEpochs() : "";
        String count = String.valueOf(r.batchCount());
        return String.format(Locale.ROOT, "epoch %d%s %3d%% [%s] %" + count.length() + "d/%s  loss %.4f  acc %.2f%%  %.0f samples/s",
                r.epoch() + 1, epochs, percent, cells(done, r.batchCount(), WIDTH, ' '), done, count,
                lossSum / samples, 100.0 * correct / samples, seconds > 0 ? samples / seconds : 0.0);
    }
}
