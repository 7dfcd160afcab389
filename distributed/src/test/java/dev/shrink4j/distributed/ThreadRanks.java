package dev.shrink4j.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the ranks of a small group as threads of this JVM (c10d allows several process groups in one
 * process), each with its own {@link DistributedContext} on a fresh port: quick tests of the collectives
 * and of failures without starting JVMs. The tests that compare training start real processes
 * ({@link WorkerProcesses}).
 */
final class ThreadRanks {

    /** What one rank does with its context. */
    @FunctionalInterface
    interface RankBody<T> {
        T run(DistributedContext ctx) throws Exception;
    }

    /** A rank's outcome: its value or what it threw. */
    record Outcome<T>(T value, Throwable failure) {
    }

    private ThreadRanks() {
    }

    /**
     * Connects {@code world} ranks on 127.0.0.1 with {@code timeout}, runs {@code body} on each, closes
     * every context, and returns the outcomes by rank; fails after {@code 3 × timeout + 30 s}.
     */
    static <T> List<Outcome<T>> run(int world, Duration timeout, RankBody<T> body) throws InterruptedException {
        int port = FreePorts.next();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<Outcome<T>>> futures = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                DistributedSettings s = DistributedSettings.builder().setRank(r).setWorldSize(world).setMasterPort(port)
                        .optTimeout(timeout).build();
                futures.add(pool.submit(() -> {
                    try (DistributedContext ctx = DistributedContext.connect(s)) {
                        return new Outcome<>(body.run(ctx), null);
                    } catch (Throwable t) {
                        return new Outcome<T>(null, t);
                    }
                }));
            }
            List<Outcome<T>> out = new ArrayList<>();
            long limit = timeout.multipliedBy(3).plusSeconds(30).toMillis();
            for (Future<Outcome<T>> f : futures) {
                try {
                    out.add(f.get(limit, TimeUnit.MILLISECONDS));
                } catch (ExecutionException | TimeoutException e) {
                    throw new AssertionError("rank " + out.size() + " did not finish within " + limit + " ms", e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
