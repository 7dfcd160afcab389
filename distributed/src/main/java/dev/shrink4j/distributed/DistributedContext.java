package dev.shrink4j.distributed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllgatherOptions;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.gloo.Device;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process's membership in a data-parallel group: PyTorch's c10d {@code TCPStore} rendezvous
 * (rank 0 hosts the store on {@code MASTER_ADDR:MASTER_PORT}) and a Gloo process group, with blocking
 * collectives (all-reduce, broadcast, all-gather, barrier), each bounded by the settings' timeout.
 *
 * <pre>{@code
 * try (DistributedContext ctx = DistributedContext.connect(DistributedSettings.fromEnvironment(System.getenv()))) {
 *     ... train with DataParallel, rank 0 writes the outputs (runOnMain) ...
 *     ctx.finish();            // every rank got here: close() shuts down cleanly
 * }
 * }</pre>
 *
 * <p><b>Failures.</b> A collective that fails (a peer killed: at once; a peer hung: after the timeout)
 * throws a {@link RankFailureException} naming the lost ranks: each surviving rank announces itself in
 * the store, and ranks that do not within a short grace period (2 s, or a fifth of the timeout if
 * shorter) are lost; a rank that stopped through {@link #abort} or an unfinished {@link #close()} left
 * its reason there, which the message quotes. Rank 0 hosts the store, so when the store is gone, rank
 * 0 is. After a failure the context refuses every further collective.
 *
 * <p><b>Network.</b> With a loopback {@code MASTER_ADDR} every rank runs on this machine and Gloo
 * binds to the loopback address; otherwise Gloo uses the interface named by {@code GLOO_SOCKET_IFNAME}
 * if set (as PyTorch does), else the address this machine's host name resolves to.
 *
 * <p><b>Memory.</b> The store, the Gloo options and the process group are owned by the context,
 * outside any {@code PointerScope}, until {@link #close()}; each collective's handles live in a scope
 * of their own. Not thread-safe: one thread drives the collectives of a context.
 */
public final class DistributedContext implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DistributedContext.class);
    private static final String ALIVE_KEY = "shrink4j/alive/";
    private static final String ABORT_KEY = "shrink4j/abort/";
    private static final Pattern JOINED = Pattern.compile("(\\d+)/(\\d+) clients joined");

    private enum State { OPEN, FINISHED, FAILED, CLOSED }

    private final DistributedSettings settings;
    private final TCPStore store;
    private final ProcessGroupGloo.Options options;
    private final ProcessGroupGloo group;
    private final Map<Reduction, AllreduceOptions> reduceOptions = new EnumMap<>(Reduction.class);
    private State state = State.OPEN;
    private boolean aborted;

    private DistributedContext(DistributedSettings settings, TCPStore store, ProcessGroupGloo.Options options,
            ProcessGroupGloo group) {
        this.settings = settings;
        this.store = store;
        this.options = options;
        this.group = group;
        for (Reduction r : Reduction.values()) {
            AllreduceOptions o = new AllreduceOptions();
            o.reduceOp(new ReduceOp(r.op()));
            reduceOptions.put(r, o);
        }
    }

    /**
     * Joins the group torchrun's environment describes ({@link DistributedSettings#fromEnvironment}),
     * with the default timeout of 60 s.
     *
     * @throws DistributedConfigException naming the bad setting; see {@link #connect}
     */
    public static DistributedContext fromEnvironment() {
        return connect(DistributedSettings.fromEnvironment(System.getenv()));
    }

    /**
     * Joins the group: rank 0 opens the store and waits for all ranks to connect, the others connect to
     * it (retrying until the timeout); then the Gloo process group connects every pair of ranks.
     *
     * @throws DistributedConfigException naming the setting at fault: {@code MASTER_ADDR} (an unknown
     *     host, or no store answering there within the timeout), {@code MASTER_PORT} (already in use on
     *     rank 0's machine), {@code WORLD_SIZE} (fewer ranks joined than it says within the timeout)
     * @throws RankFailureException when a rank is lost while the process group connects
     */
    public static DistributedContext connect(DistributedSettings settings) {
        Objects.requireNonNull(settings, "settings");
        long t0 = System.nanoTime();
        InetAddress master = resolve(settings);
        TCPStore store = openStore(settings);
        ProcessGroupGloo.Options options = null;
        try {
            options = ProcessGroupGloo.Options.create(new Milliseconds(settings.timeout().toMillis()));
            options.devices().push_back(device(master));
            ProcessGroupGloo group = new ProcessGroupGloo(store, settings.rank(), settings.worldSize(), options);
            DistributedContext ctx = new DistributedContext(settings, store, options, group);
            String up = String.format(Locale.ROOT, "rank %d of %d: Gloo process group up (store %s:%d) in %.0f ms",
                    settings.rank(), settings.worldSize(), settings.masterAddress(), settings.masterPort(),
                    (System.nanoTime() - t0) / 1e6);
            if (settings.isMain()) {
                LOG.info(up);
            } else {
                LOG.debug(up);
            }
            return ctx;
        } catch (RuntimeException e) {
            if (options != null) {
                options.close();
            }
            store.close();
            throw new RankFailureException("rank " + settings.rank() + ": connecting the Gloo process group of "
                    + settings.worldSize() + " ranks failed: " + firstLine(e), List.of(), e);
        }
    }

    private static InetAddress resolve(DistributedSettings s) {
        try {
            return InetAddress.getByName(s.masterAddress());
        } catch (UnknownHostException e) {
            throw new DistributedConfigException(DistributedSettings.MASTER_ADDR, DistributedSettings.MASTER_ADDR + " "
                    + s.masterAddress() + " is not a known host name", e);
        }
    }

    private static TCPStore openStore(DistributedSettings s) {
        TCPStoreOptions o = new TCPStoreOptions();
        SizeTPointer workers = new SizeTPointer(1).put(s.worldSize());
        try {
            o.port((short) s.masterPort()); // C++ uint16_t: the bit pattern of ports above 32767 is kept
            o.isServer(s.isMain());
            o.numWorkers(workers); // rank 0's constructor then waits until every rank has connected
            o.timeout(new Milliseconds(s.timeout().toMillis()));
            return new TCPStore(s.masterAddress(), o);
        } catch (RuntimeException e) {
            throw storeFailure(s, e);
        } finally {
            workers.close();
            o.close();
        }
    }

    /** The setting a failed rendezvous points at, from c10d's message. */
    private static DistributedConfigException storeFailure(DistributedSettings s, RuntimeException e) {
        String why = firstLine(e);
        String where = s.masterAddress() + ":" + s.masterPort();
        long seconds = Math.max(1, s.timeout().toSeconds());
        if (why.contains("EADDRINUSE") || why.contains("address already in use")) {
            return new DistributedConfigException(DistributedSettings.MASTER_PORT, DistributedSettings.MASTER_PORT + " "
                    + s.masterPort() + " is already in use on this machine; rank 0 hosts the rendezvous store there, "
                    + "pick a free port", e);
        }
        Matcher joined = JOINED.matcher(why);
        if (joined.find()) {
            return new DistributedConfigException(DistributedSettings.WORLD_SIZE, DistributedSettings.WORLD_SIZE + " "
                    + s.worldSize() + ": only " + joined.group(1) + " of " + joined.group(2) + " ranks joined the rendezvous at "
                    + where + " within " + seconds + " s; start every rank with the same " + DistributedSettings.MASTER_ADDR
                    + " and " + DistributedSettings.MASTER_PORT, e);
        }
        if (why.contains("timed out") || why.contains("connect")) {
            return new DistributedConfigException(DistributedSettings.MASTER_ADDR, DistributedSettings.MASTER_ADDR + ":"
                    + DistributedSettings.MASTER_PORT + " " + where + " did not answer within " + seconds
                    + " s: is rank 0 running there, and is that address reachable from this machine?", e);
        }
        return new DistributedConfigException(DistributedSettings.MASTER_ADDR, "the rendezvous at " + where
                + " failed: " + why, e);
    }

    private static Device device(InetAddress master) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(ifname.strip());
        }
        if (master.isLoopbackAddress()) {
            return ProcessGroupGloo.createDeviceForHostname(master.getHostAddress());
        }
        return ProcessGroupGloo.createDefaultDevice();
    }

    /** The settings this context joined with. */
    public DistributedSettings settings() {
        return settings;
    }

    /** This process's rank, {@code 0 … worldSize()−1}. */
    public int rank() {
        return settings.rank();
    }

    /** The number of processes. */
    public int worldSize() {
        return settings.worldSize();
    }

    /** This process's rank on its machine. */
    public int localRank() {
        return settings.localRank();
    }

    /** Whether this is rank 0: the process that logs, draws progress and writes the output files. */
    public boolean isMain() {
        return settings.isMain();
    }

    /**
     * All-reduces {@code tensor} in place: afterwards every rank holds the same combination of all
     * ranks' values (bit-identical on every rank).
     *
     * @throws IllegalArgumentException when {@code tensor} is not contiguous, or not floating point for {@link Reduction#AVG}
     * @throws RankFailureException     when a rank is lost or the operation times out
     */
    public void allReduce(Tensor tensor, Reduction reduction) {
        allReduce(tensor, reduction, "all-reduce");
    }

    /** {@link #allReduce(Tensor, Reduction)}; {@code what} names the operation in error messages. */
    public void allReduce(Tensor tensor, Reduction reduction, String what) {
        requireOpen(what);
        requireContiguous(tensor, what);
        if (reduction == Reduction.AVG && !tensor.is_floating_point()) {
            throw new IllegalArgumentException(what + ": AVG needs a floating-point tensor, got "
                    + tensor.scalar_type().intern());
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            run(what, () -> group.allreduce(new TensorVector(tensor), reduceOptions.get(reduction)));
            if (reduction == Reduction.AVG && worldSize() > 1) {
                tensor.div_(new Scalar((double) worldSize()));
            }
        }
    }

    /**
     * Copies rank {@code root}'s {@code tensor} into every rank's {@code tensor}, in place.
     *
     * @throws IllegalArgumentException when {@code root} is outside the world or the tensor not contiguous
     * @throws RankFailureException     when a rank is lost or the operation times out
     */
    public void broadcast(Tensor tensor, int root, String what) {
        requireOpen(what);
        requireContiguous(tensor, what);
        if (root < 0 || root >= worldSize()) {
            throw new IllegalArgumentException(what + ": root rank " + root + " is outside [0, " + worldSize() + ")");
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            BroadcastOptions o = new BroadcastOptions();
            o.rootRank(root);
            o.rootTensor(0);
            run(what, () -> group.broadcast(new TensorVector(tensor), o));
        }
    }

    /**
     * Every rank's {@code values}: row {@code r} of the result is rank {@code r}'s array. Every rank
     * must pass the same number of values.
     *
     * @throws RankFailureException when a rank is lost, the operation times out, or the lengths differ
     */
    public long[][] allGather(long[] values, String what) {
        requireOpen(what);
        int n = values.length;
        int world = worldSize();
        long[] flat = new long[n * world];
        if (n > 0) {
            try (PointerScope scope = new PointerScope()) {
                Tensor in = Tensor.create(values, n);
                Tensor out = torch.zeros((long) n * world).to(torch.ScalarType.Long);
                run(what, () -> group._allgather_base(out, in, new AllgatherOptions()));
                out.data_ptr_long().get(flat);
            }
        }
        long[][] rows = new long[world][];
        for (int r = 0; r < world; r++) {
            rows[r] = java.util.Arrays.copyOfRange(flat, r * n, (r + 1) * n);
        }
        return rows;
    }

    /**
     * Waits until every rank has reached this point.
     *
     * @throws RankFailureException when a rank is lost or does not arrive within the timeout
     */
    public void barrier(String what) {
        requireOpen(what);
        try (PointerScope scope = new PointerScope()) {
            run(what, () -> group.barrier(new BarrierOptions()));
        }
    }

    /** Something only rank 0 does, such as writing an output file. */
    @FunctionalInterface
    public interface MainRankAction {
        /** Runs on rank 0. */
        void run() throws IOException;
    }

    /**
     * Runs {@code action} on rank 0 only (write output files through {@code AtomicFiles}/{@code SafeTensors.save},
     * so that a crash leaves the previous file), then tells every rank whether it succeeded: the others
     * write nothing and return when rank 0 is done.
     *
     * @throws IOException on rank 0, what {@code action} threw; on the others, an {@code IOException}
     *     saying rank 0 failed to do {@code what}
     * @throws RankFailureException when a rank is lost meanwhile
     */
    public void runOnMain(String what, MainRankAction action) throws IOException {
        Objects.requireNonNull(action, "action");
        Exception failure = null;
        if (isMain()) {
            try {
                action.run();
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
        }
        long[] status = allGather(new long[] {failure == null ? 0 : 1}, what + " (status)")[0];
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (status[0] != 0) {
            throw new IOException("rank 0 failed to " + what + "; see its log");
        }
    }

    /**
     * Marks the end of the distributed work: a barrier, after which {@link #close()} shuts down without
     * telling the others anything went wrong. Call it once, on every rank, at the end of a successful run.
     *
     * @throws RankFailureException when a rank is lost before it gets here
     */
    public void finish() {
        barrier("the final barrier");
        state = State.FINISHED;
    }

    /**
     * Stops this rank because of {@code cause}: leaves its first line in the store, so that the others'
     * next collective fails with a {@link RankFailureException} quoting it, and closes the context.
     * Call it when this rank cannot go on (an exception the others do not see, e.g. a NaN loss).
     */
    public void abort(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        if (state == State.CLOSED) {
            return;
        }
        leaveReason(firstLine(cause));
        close();
    }

    private void leaveReason(String reason) {
        if (aborted || worldSize() == 1) {
            return;
        }
        aborted = true;
        try {
            store.setTimeout(new Milliseconds(graceMillis()));
            store.set(ABORT_KEY + rank(), reason);
        } catch (RuntimeException e) {
            // the others then report this rank as lost without a reason; nothing else depends on it
            LOG.warn("rank {}: could not leave the reason for stopping ({}) in the store: {}", rank(), reason, firstLine(e));
        }
    }

    /**
     * Leaves the group: after {@link #finish()} or a failed collective, shuts the process group and the
     * store down; otherwise (an exception is on its way, or {@code finish()} was forgotten) first leaves
     * "closed before finish()" as this rank's reason, as {@link #abort} does, so the others fail at
     * their next collective instead of waiting for the timeout. Unless finished, rank 0 keeps the store
     * up for the grace period before closing it, so the others can still read why and who survived.
     * Idempotent.
     */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.OPEN) {
            leaveReason("closed before finish() (stopped by an exception on this rank?)");
        }
        boolean failing = state != State.FINISHED;
        state = State.CLOSED;
        group.shutdown();
        group.close();
        options.close();
        reduceOptions.values().forEach(AllreduceOptions::close);
        if (failing && isMain() && worldSize() > 1) {
            // the others may still be looking for reasons and survivors in the store this process hosts
            sleepQuietly(graceMillis());
        }
        store.close();
    }

    private long graceMillis() {
        return Math.max(100, Math.min(2000, settings.timeout().toMillis() / 5));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void requireOpen(String what) {
        if (state != State.OPEN) {
            throw new IllegalStateException(what + ": the distributed context of rank " + rank() + " is "
                    + state.name().toLowerCase(Locale.ROOT));
        }
    }

    private static void requireContiguous(Tensor tensor, String what) {
        Objects.requireNonNull(tensor, what);
        if (!tensor.defined() || !tensor.is_contiguous()) {
            throw new IllegalArgumentException(what + ": the tensor must be defined and contiguous");
        }
    }

    /** Starts an operation and waits for it; a failure becomes a {@link RankFailureException}. */
    private void run(String what, java.util.function.Supplier<Work> start) {
        try {
            start.get()._wait();
        } catch (RuntimeException e) {
            state = State.FAILED;
            throw failure(what, e);
        }
    }

    private RankFailureException failure(String what, RuntimeException e) {
        Map<Integer, String> reasons = new LinkedHashMap<>();
        List<Integer> lost = lostRanks(reasons);
        StringBuilder msg = new StringBuilder(what).append(" failed on rank ").append(rank()).append(": ");
        if (lost.isEmpty()) {
            msg.append("every rank answered afterwards, so the operation itself failed");
        } else {
            List<String> parts = new ArrayList<>();
            for (int r : lost) {
                parts.add(reasons.containsKey(r) ? "rank " + r + " stopped: " + reasons.get(r)
                        : "rank " + r + " is lost (killed, crashed or unreachable: no answer within "
                        + graceMillis() + " ms)");
            }
            msg.append(String.join("; ", parts));
        }
        msg.append(" [").append(firstLine(e)).append(']');
        return new RankFailureException(msg.toString(), lost, e);
    }

    /**
     * The ranks that do not announce themselves in the store within the grace period, with the reason
     * each left if it stopped through {@link #abort}; rank 0 when the store (which it hosts) is gone.
     */
    private List<Integer> lostRanks(Map<Integer, String> reasons) {
        try {
            store.setTimeout(new Milliseconds(graceMillis()));
            store.set(ALIVE_KEY + rank(), "1");
            long deadline = System.nanoTime() + graceMillis() * 1_000_000L;
            while (true) {
                List<Integer> missing = new ArrayList<>();
                for (int r = 0; r < worldSize(); r++) {
                    if (r != rank() && !has(ALIVE_KEY + r)) {
                        missing.add(r);
                        if (!reasons.containsKey(r) && has(ABORT_KEY + r)) {
                            reasons.put(r, store.get_to_str(ABORT_KEY + r));
                        }
                    }
                }
                // stop early once every missing rank has said why it stopped
                if (missing.isEmpty() || reasons.keySet().containsAll(missing) || System.nanoTime() > deadline) {
                    return missing;
                }
                sleepQuietly(50);
            }
        } catch (RuntimeException storeGone) {
            LOG.debug("rank {}: the store does not answer after the failure: {}", rank(), firstLine(storeGone));
            return rank() == 0 ? List.of() : List.of(0);
        }
    }

    private boolean has(String key) {
        try (PointerScope scope = new PointerScope()) {
            return store.check(new StringVector(key));
        }
    }

    /** The first line of a (possibly multi-line, C++-traced) exception message. */
    static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }
}
