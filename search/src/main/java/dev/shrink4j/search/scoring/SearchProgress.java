package dev.shrink4j.search.scoring;

import dev.shrink4j.workbench.train.ProgressBar;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress of a search, one line per step (generation, temperature, iteration), in the style of the workbench's
 * training {@code ProgressBar}; searches take seconds to minutes per step, so a line per step keeps a log short:
 * <pre>
 * genetic  3/20  15% [###                 ]  best 0.871200  candidates 150  12.4 s
 * </pre>
 * A step count of 0 means the total is not known in advance (NetAdapt): no bar, no percentage.
 */
public final class SearchProgress {

    private static final int WIDTH = 20;

    private final PrintStream out;
    private final String search;
    private final int steps;
    private final LongSupplier clock;
    private final long start;

    /** A progress display of {@code search} over {@code steps} steps; {@code out} null prints nothing. */
    public SearchProgress(PrintStream out, String search, int steps) {
        this(out, search, steps, System::nanoTime);
    }

    SearchProgress(PrintStream out, String search, int steps, LongSupplier clock) {
        this.out = out;
        this.search = search;
        this.steps = steps;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** Prints the line of completed step {@code done} (from 1). */
    public void step(int done, double best, long candidates) {
        if (out == null) {
            return;
        }
        out.println(render(done, best, candidates));
        out.flush();
    }

    String render(int done, double best, long candidates) {
        double seconds = (clock.getAsLong() - start) / 1e9;
        if (steps <= 0) {
            return String.format(Locale.ROOT, "%s  %d  best %.6f  candidates %d  %.1f s", search, done, best, candidates,
                    seconds);
        }
        return String.format(Locale.ROOT, "%s  %d/%d  %3d%% [%s]  best %.6f  candidates %d  %.1f s", search, done, steps,
                100 * Math.min(done, steps) / steps, ProgressBar.cells(Math.min(done, steps), steps, WIDTH, ' '), best, candidates,
                seconds);
    }
}
