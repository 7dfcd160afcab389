package dev.shrink4j.search.ddpg;

import dev.shrink4j.search.core.SearchRecord;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.scoring.CandidateRecord;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.JsonLinesCandidateLog;
import dev.shrink4j.workbench.train.ProgressBar;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AMC's search loop (mit-han-lab/amc {@code amc_search.py}, {@code train}): each episode walks the
 * {@link ChannelPruningEnv} with the {@link DdpgAgent}, scores the resulting per-layer keep ratios with a
 * {@link CandidateScorer}, stores every transition with that final reward, and after warm-up runs one agent
 * update per transition.
 * <pre>
 * SearchResult r = AmcDdpgSearch.builder().setEnvironment(env).setScorer(evaluator)
 *         .optEpisodes(120).optWarmup(20).optSeed(1).optLog(Path.of("runs/amc.jsonl")).build().run();
 * </pre>
 *
 * <p>Resume. With a log, the episodes it already holds are not scored again: the agent replays them with
 * their logged rewards (same seed, same actions, same updates) and the search continues from the first
 * missing episode, ending exactly where an uninterrupted search would. A logged episode whose ratios differ
 * from what this search chooses is an error naming the log and line (the log is from another seed or setting).
 */
public final class AmcDdpgSearch {

    private static final Logger LOG = LoggerFactory.getLogger(AmcDdpgSearch.class);

    /** The search's name in its {@link CandidateRecord}s. */
    public static final String SEARCH = "amc-ddpg";

    private final ChannelPruningEnv env;
    private final CandidateScorer scorer;
    private final int episodes;
    private final int warmup;
    private final long seed;
    private final Path log;
    private final DdpgOptions options;
    private final PrintStream progress;

    private AmcDdpgSearch(Builder b) {
        this.env = b.env;
        this.scorer = b.scorer;
        this.episodes = b.episodes;
        this.warmup = b.warmup;
        this.seed = b.seed;
        this.log = b.log;
        this.options = b.options;
        this.progress = b.progress;
    }

    /** A builder: {@code setEnvironment} and {@code setScorer} required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the search (resuming from the log when it has episodes).
     *
     * @throws IllegalArgumentException naming the log file and line when the log is from another search
     * @throws IllegalStateException naming the log file and line when the log is corrupt
     */
    public SearchResult run() {
        JsonLinesCandidateLog candidateLog = log == null ? null : new JsonLinesCandidateLog(log);
        List<CandidateRecord> logged = candidateLog == null ? List.of() : candidateLog.read();
        for (CandidateRecord c : logged) {
            if (!c.search().equals(SEARCH)) {
                throw new IllegalArgumentException("search log " + log + ":" + (c.index() + 1) + ": written by search \""
                        + c.search() + "\", cannot resume " + SEARCH + " from it");
            }
        }
        if (logged.size() > episodes) {
            throw new IllegalArgumentException("search log " + log + " holds " + logged.size() + " episodes, more than"
                    + " the " + episodes + " asked for");
        }
        if (!logged.isEmpty()) {
            LOG.info("resuming from {}: {} of {} episodes logged", log, logged.size(), episodes);
        }
        List<SearchRecord> history = new ArrayList<>();
        SearchRecord best = null;
        long start = System.nanoTime();
        int capacity = options.bufferPerLayer() * env.layerCount();
        try (DdpgAgent agent = new DdpgAgent(ChannelPruningEnv.STATE_SIZE, capacity, env.lowerBound(), warmup, options, seed)) {
            for (int e = 0; e < episodes; e++) {
                List<DdpgAgent.Transition> transitions = new ArrayList<>();
                double[] state = env.reset();
                while (state != null) {
                    double action = agent.act(state, e);
                    double[] nextState = env.step(action).nextState();
                    transitions.add(new DdpgAgent.Transition(state, action, nextState));
                    state = nextState;
                }
                double[] ratios = env.keepRatios();
                long flops = env.flops();
                double flopsRatio = (double) flops / env.fullFlops();
                SearchRecord record;
                if (e < logged.size()) {
                    CandidateRecord c = logged.get(e);
                    if (!Arrays.equals(c.keepRatios(), ratios) || c.flopsRatio() != flopsRatio) {
                        throw new IllegalArgumentException("search log " + log + ":" + (e + 1) + ": episode " + e
                                + " has ratios " + Arrays.toString(c.keepRatios()) + " (FLOPs share " + c.flopsRatio()
                                + ") but this search (seed " + seed + ") chooses " + Arrays.toString(ratios) + " (FLOPs share "
                                + flopsRatio + "): the log is from another search; delete it or use its settings");
                    }
                    record = new SearchRecord(e, ratios, flops, c.reward());
                } else {
                    double reward = scorer.score(ratios).reward();
                    record = new SearchRecord(e, ratios, flops, reward);
                    if (candidateLog != null) {
                        candidateLog.append(new CandidateRecord(SEARCH, e, ratios, flopsRatio, reward));
                    }
                }
                history.add(record);
                if (best == null || record.reward() > best.reward()) {
                    best = record;
                    LOG.info("episode {}: new best reward {} at {} of the FLOPs, ratios {}", e, record.reward(),
                            String.format(Locale.ROOT, "%.4f", (double) flops / env.fullFlops()), Arrays.toString(ratios));
                }
                agent.remember(transitions, record.reward());
                if (e >= warmup) {
                    for (int t = 0; t < transitions.size(); t++) {
                        agent.update();
                    }
                }
                report(e, record, best, start);
            }
        }
        return new SearchResult(best, history, logged.size());
    }

    /** One progress line per tenth of the search (and the last episode), as the training progress bar prints in logs. */
    private void report(int e, SearchRecord record, SearchRecord best, long start) {
        int done = e + 1;
        if (progress == null || (10L * done / episodes == 10L * e / episodes && done != episodes)) {
            return;
        }
        progress.println(String.format(Locale.ROOT, "amc-ddpg %3d%% [%s] %d/%d  reward %.4f  best %.4f  %.1f s",
                100 * done / episodes, ProgressBar.cells(done, episodes, 20, ' '), done, episodes, record.reward(),
                best.reward(), (System.nanoTime() - start) / 1e9));
        progress.flush();
    }

    /** Builder for {@link AmcDdpgSearch}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private ChannelPruningEnv env;
        private CandidateScorer scorer;
        private int episodes = 800;
        private int warmup = 100;
        private long seed;
        private Path log;
        private DdpgOptions options = DdpgOptions.amc();
        private PrintStream progress = System.err;

        private Builder() {
        }

        /** The environment (model, budget, lower bound). */
        public Builder setEnvironment(ChannelPruningEnv env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        /** Scores each episode's keep ratios. */
        public Builder setScorer(CandidateScorer scorer) {
            this.scorer = Objects.requireNonNull(scorer, "scorer");
            return this;
        }

        /** Episodes in all, warm-up included (default 800, the reference's). */
        public Builder optEpisodes(int episodes) {
            this.episodes = episodes;
            return this;
        }

        /** Episodes of uniform random actions first (default 100). */
        public Builder optWarmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /** The seed of the agent's networks and draws (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * A JSON-lines log of every episode ({@link JsonLinesCandidateLog} records of search {@value #SEARCH}, the
         * format every search writes), appended to and resumed from (default none).
         */
        public Builder optLog(Path log) {
            this.log = log;
            return this;
        }

        /** The agent's hyper-parameters (default {@link DdpgOptions#amc()}). */
        public Builder optOptions(DdpgOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Where progress lines go (default standard error; {@code null} for none). */
        public Builder optProgress(PrintStream progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException naming a missing environment or scorer, episodes below 1, or a warm-up
         *     outside [0, episodes]
         */
        public AmcDdpgSearch build() {
            if (env == null || scorer == null) {
                throw new IllegalArgumentException("AmcDdpgSearch needs setEnvironment and setScorer");
            }
            if (episodes < 1) {
                throw new IllegalArgumentException("episodes must be at least 1, got " + episodes);
            }
            if (warmup < 0 || warmup > episodes) {
                throw new IllegalArgumentException("warmup must be in [0, episodes = " + episodes + "], got " + warmup);
            }
            return new AmcDdpgSearch(this);
        }
    }
}
