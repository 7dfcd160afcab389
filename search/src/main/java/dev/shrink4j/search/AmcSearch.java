package dev.shrink4j.search;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.search.core.CandidateEvaluator;
import dev.shrink4j.search.ddpg.AmcDdpgSearch;
import dev.shrink4j.search.ddpg.SearchResult;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.env.PrunableLayer;
import dev.shrink4j.workbench.data.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AMC end to end: the {@link ChannelPruningEnv} of a trained model, {@link CandidateEvaluator} scores on a
 * held-out split of the training data, the {@link AmcDdpgSearch}, then the best ratios as a shrunk model and
 * as a {@code channel-pruning} config that {@code prune} accepts.
 * <pre>
 * AmcSearch.Result r = AmcSearch.builder().setModel(trained).setArchitecture(LeNet5::new).setInputShape(1, 1, 28, 28)
 *         .setTrainData(train).setBudget(0.5).optEpisodes(120).optWarmup(20).optSeed(1)
 *         .optLog(Path.of("runs/amc/search.jsonl")).optConfigOut(Path.of("runs/amc/best.json")).build().run();
 * </pre>
 */
public final class AmcSearch {

    private static final Logger LOG = LoggerFactory.getLogger(AmcSearch.class);

    private final Builder b;

    private AmcSearch(Builder b) {
        this.b = b;
    }

    /** A builder: {@code setModel}, {@code setArchitecture}, {@code setInputShape}, {@code setTrainData}, {@code setBudget} required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What the search found.
     *
     * @param search     every episode and the best one
     * @param layers     the prunable layers, in the order of the ratios
     * @param bestRatios the best episode's keep ratio per prunable layer
     * @param bestModel  the trained model shrunk to the best ratios, BatchNorm recalibrated (the caller closes it)
     */
    public record Result(SearchResult search, List<String> layers, double[] bestRatios, Module bestModel) {
    }

    /**
     * Runs the search, shrinks the best candidate and writes its config (when asked).
     *
     * @throws IllegalArgumentException naming the setting, the log file and line, as its parts do
     */
    public Result run() {
        ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(b.model).setInputShape(b.inputShape)
                .setBudget(b.budget).optLowerBound(b.lowerBound).build();
        CandidateEvaluator evaluator = CandidateEvaluator.builder().setModel(b.model).setArchitecture(b.architecture)
                .setEnvironment(env).setInputShape(b.inputShape).setTrainData(b.trainData)
                .optValidationSize(b.validationSize).optReward(b.reward).build();
        SearchResult found = AmcDdpgSearch.builder().setEnvironment(env).setScorer(evaluator).optEpisodes(b.episodes)
                .optWarmup(b.warmup).optSeed(b.seed).optLog(b.log).build().run();
        double[] best = found.best().ratios();
        if (b.configOut != null) {
            try {
                AtomicFiles.writeString(b.configOut, configJson(env, best));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the best config to " + b.configOut + ": " + e.getMessage(), e);
            }
            LOG.info("best ratios written to {} (pruner channel-pruning)", b.configOut);
        }
        return new Result(found, env.prunableLayerNames(), best, evaluator.prunedCopy(best));
    }

    /**
     * The {@code channel-pruning} config for {@code ratios}: one entry per prunable layer with its
     * {@code compress_ratio} (the kept share of its input channels, so of its FLOPs, as AMC defines the
     * preserve ratio), and one entry without a ratio selecting the other Conv2d/Linear layers so that every
     * producer of removed channels has masks. No layer is in two entries.
     */
    static String configJson(ChannelPruningEnv env, double[] ratios) {
        JsonArray list = new JsonArray();
        List<String> names = env.prunableLayerNames();
        for (int i = 0; i < names.size(); i++) {
            JsonObject entry = new JsonObject();
            JsonArray op = new JsonArray();
            op.add(names.get(i));
            entry.add("op_names", op);
            entry.addProperty("compress_ratio", ratios[i]);
            list.add(entry);
        }
        List<String> others = new ArrayList<>();
        for (PrunableLayer l : env.layers()) {
            if (!names.contains(l.name())) {
                others.add(l.name());
            }
        }
        if (!others.isEmpty()) {
            JsonObject entry = new JsonObject();
            JsonArray op = new JsonArray();
            others.forEach(op::add);
            entry.add("op_names", op);
            list.add(entry);
        }
        JsonObject root = new JsonObject();
        root.addProperty("pruner", "channel-pruning");
        root.addProperty("selection", "l1");
        root.add("config_list", list);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
    }

    /** Builder for {@link AmcSearch}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Module model;
        private Supplier<Module> architecture;
        private long[] inputShape;
        private Dataset trainData;
        private Double budget;
        private double lowerBound = 0.2;
        private int episodes = 800;
        private int warmup = 100;
        private long seed;
        private Path log;
        private Path configOut;
        private int validationSize = 1000;
        private CandidateEvaluator.Reward reward = CandidateEvaluator.Reward.ACC;

        private Builder() {
        }

        /** The trained model (not changed). */
        public Builder setModel(Module model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Makes a fresh model of the same architecture, for the pruned copies. */
        public Builder setArchitecture(Supplier<Module> architecture) {
            this.architecture = Objects.requireNonNull(architecture, "architecture");
            return this;
        }

        /** The input shape with a batch of 1. */
        public Builder setInputShape(long... inputShape) {
            this.inputShape = inputShape.clone();
            return this;
        }

        /** The training set (its last {@code validationSize} samples score candidates). */
        public Builder setTrainData(Dataset trainData) {
            this.trainData = Objects.requireNonNull(trainData, "trainData");
            return this;
        }

        /** The FLOPs to keep, in (0, 1). */
        public Builder setBudget(double budget) {
            this.budget = budget;
            return this;
        }

        /** The smallest preserve ratio (default 0.2). */
        public Builder optLowerBound(double lowerBound) {
            this.lowerBound = lowerBound;
            return this;
        }

        /** Episodes in all (default 800). */
        public Builder optEpisodes(int episodes) {
            this.episodes = episodes;
            return this;
        }

        /** Random warm-up episodes (default 100). */
        public Builder optWarmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /** The agent's seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The JSON-lines log, resumed from when it exists. */
        public Builder optLog(Path log) {
            this.log = log;
            return this;
        }

        /** Where to write the best ratios as a {@code channel-pruning} config (atomically). */
        public Builder optConfigOut(Path configOut) {
            this.configOut = configOut;
            return this;
        }

        /** Held-out training samples for scoring (default 1000). */
        public Builder optValidationSize(int validationSize) {
            this.validationSize = validationSize;
            return this;
        }

        /** The reward (default accuracy). */
        public Builder optReward(CandidateEvaluator.Reward reward) {
            this.reward = Objects.requireNonNull(reward, "reward");
            return this;
        }

        /**
         * Checks that the required settings are there (their values are checked by the parts).
         *
         * @throws IllegalArgumentException naming what is missing
         */
        public AmcSearch build() {
            List<String> missing = new ArrayList<>();
            if (model == null) {
                missing.add("setModel");
            }
            if (architecture == null) {
                missing.add("setArchitecture");
            }
            if (inputShape == null) {
                missing.add("setInputShape");
            }
            if (trainData == null) {
                missing.add("setTrainData");
            }
            if (budget == null) {
                missing.add("setBudget");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("AmcSearch needs " + String.join(", ", missing));
            }
            return new AmcSearch(this);
        }
    }
}
