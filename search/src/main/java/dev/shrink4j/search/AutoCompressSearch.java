package dev.shrink4j.search;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.LayerWidths;
import dev.shrink4j.search.core.CandidateEvaluator;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.env.PrunableLayer;
import dev.shrink4j.search.nni.AutoCompress;
import dev.shrink4j.search.nni.FilterCriterion;
import dev.shrink4j.search.nni.FilterSpeedup;
import dev.shrink4j.search.nni.SimulatedAnnealing;
import dev.shrink4j.search.scoring.CandidateLog;
import dev.shrink4j.search.scoring.CandidateRecord;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.train.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line's AutoCompress: NNI's {@link AutoCompress} on a copy of the trained model under a FLOPs budget
 * instead of a weight sparsity. The pruned parameters are the filters of the one {@code Conv2d}/{@code Linear} that
 * produces the channels each deciding layer of the {@link ChannelPruningEnv} reads (so a filter kept is a channel
 * kept). Round r of R keeps (budget · F₀ / F_r)^(1/(R − r)) of the current model's FLOPs, so the rounds compound to
 * the budget whatever the earlier rounds' rounding did. Annealing weighs each layer by the FLOPs its filters control
 * ({@code AutoCompress.Builder#optSparsityWeights}), and its candidates over the round's budget are rejected
 * unevaluated ({@link SearchRunner#withinBudget}), the others scored by a {@link CandidateEvaluator} on the current
 * (already shrunk) model, relative to it. ADMM trains on the training part of the data, never the held-out split.
 *
 * <p>Every annealing candidate of every round is appended to the search log; a resume cannot replay ADMM's training,
 * so this search does not resume.
 */
final class AutoCompressSearch {

    private static final Logger LOG = LoggerFactory.getLogger(AutoCompressSearch.class);

    /** The search's name in configs and logs. */
    static final String SEARCH = "autocompress";

    /**
     * What it found.
     *
     * @param keepRatios per prunable layer of the original environment, the share of its input channels kept
     * @param model      the pruned, shrunk and ADMM-trained model (the caller closes it)
     */
    record Found(double[] keepRatios, Module model) {
    }

    /**
     * Settings from the config.
     *
     * @param rounds      AutoCompress rounds
     * @param rho         ADMM's ρ
     * @param iterations  ADMM's Z/U updates per round
     * @param epochs      ADMM's training epochs per update
     * @param criterion   the filter ranking (NNI's base_algo)
     * @param seed        annealing's seed of round 0 and the shuffling seed
     * @param annealing   each round's simulated-annealing settings (temperatures) besides scorer, target and log
     */
    record Settings(int rounds, double rho, int iterations, int epochs, FilterCriterion criterion, long seed,
            UnaryOperator<SimulatedAnnealing.Builder> annealing) {
    }

    private final SearchRunner.Request request;
    private final Settings settings;
    private final BiFunction<Module, ChannelPruningEnv, CandidateEvaluator> evaluators;
    private final CandidateLog log;
    private final List<String> producers = new ArrayList<>();

    /**
     * @param original   the environment of the trained model (which layers decide, which produce)
     * @param evaluators makes the evaluator of a model (read, not changed) and its environment (the runner's
     *     validation size and reward)
     * @param log        where every annealing candidate of every round is appended, numbered on (never read back)
     */
    AutoCompressSearch(SearchRunner.Request request, Settings settings, ChannelPruningEnv original,
            BiFunction<Module, ChannelPruningEnv, CandidateEvaluator> evaluators, CandidateLog log) {
        this.request = request;
        this.settings = settings;
        this.evaluators = evaluators;
        this.log = new AppendOnly(log);
        boolean[] deciding = original.decidingLayers();
        List<PrunableLayer> steps = original.layers().stream().filter(l -> !l.depthwise()).toList();
        for (int t = 0; t < steps.size(); t++) {
            if (deciding[t]) {
                producers.add(producerOf(original, steps.get(t).inGroup()));
            }
        }
    }

    /** Runs the rounds on a copy of the trained model. */
    Found run(double budget, double lowerBound) {
        Module model = request.architecture().get();
        try {
            model.loadStateDict(request.model().stateDict(), true);
            ChannelPruningEnv original = env(model, budget, lowerBound);
            long fullFlops = original.fullFlops();
            CandidateEvaluator first = evaluators.apply(model, original);
            DataLoader training = first.trainingLoader(settings.seed());
            double firstBudget = Math.pow(budget, 1.0 / settings.rounds());
            CandidateScorer firstScorer = roundScorer(original, first, firstBudget);
            // the weight sparsity whose R-th power-compounding matches a uniform split meeting round 0's FLOPs share
            double perRound = SearchRunner.uniformSparsity(firstScorer, firstBudget);
            AutoCompress.builder().setModel(model).setParameters(producers.stream().map(p -> p + ".weight").toList())
                    .setTargetSparsity(1 - Math.pow(1 - perRound, settings.rounds()))
                    .setScorerFactory((round, masks) -> {
                        if (round == 0) {
                            return firstScorer;
                        }
                        long now = env(model, 0.999, lowerBound).fullFlops(); // any budget: only its full FLOPs are read
                        double share = Math.pow(budget * fullFlops / now, 1.0 / (settings.rounds() - round));
                        if (share >= 1) {
                            // an earlier round already went below the budget: this one may keep everything but must
                            // still prune a little, since annealing spreads a positive sparsity
                            LOG.info("autocompress round {}: the budget is met already ({} of the FLOPs); keeping 0.999",
                                    round + 1, (double) now / fullFlops);
                            share = 0.999;
                        }
                        ChannelPruningEnv env = env(model, share, lowerBound);
                        return roundScorer(env, evaluators.apply(model, env), share);
                    })
                    .setEpochTrainer((m, optimizer, epoch) -> Trainer.builder().setModel(m).setOptimizer(optimizer)
                            .optProgressBar(request.progress() != null).build().trainEpoch(training))
                    .optRounds(settings.rounds()).optSeed(settings.seed()).optRho(settings.rho())
                    .optAdmmIterations(settings.iterations()).optAdmmEpochsPerIteration(settings.epochs())
                    .optFilterCriterion(settings.criterion()).optSpeedup(new FilterSpeedup(request.inputShape()))
                    .optSparsityWeights((round, remaining) -> controlledFlops(env(model, 0.999, lowerBound)))
                    .optAnnealing(b -> settings.annealing().apply(b).optLog(log).optProgress(request.progress())).build().run();
            double[] keep = keepRatios(original, model);
            double share = (double) original.flopsOf(keep) / fullFlops;
            if (share > budget) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "autocompress: ended at a FLOPs share of"
                        + " %.4f, over the budget %s: the last round's annealing found no candidate within it", share, budget));
            }
            return new Found(keep, model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Producer keep ratios mapped onto {@code env}'s layers, over the {@code share} budget rejected unevaluated. */
    private CandidateScorer roundScorer(ChannelPruningEnv env, CandidateEvaluator evaluator, double share) {
        int[] producerOfStep = producerOfStep(env);
        CandidateScorer byProducer = new CandidateScorer() {
            @Override
            public int layerCount() {
                return producers.size();
            }

            @Override
            public Score score(double[] keepRatios) {
                return evaluator.score(layerRatios(keepRatios));
            }

            @Override
            public double flopsRatio(double[] keepRatios) {
                return evaluator.flopsRatio(layerRatios(keepRatios));
            }

            private double[] layerRatios(double[] keepRatios) {
                double[] out = new double[producerOfStep.length];
                for (int t = 0; t < out.length; t++) {
                    out[t] = producerOfStep[t] < 0 ? 1 : keepRatios[producerOfStep[t]];
                }
                return out;
            }
        };
        return SearchRunner.withinBudget(byProducer, share);
    }

    /** Per step of {@code env}, the index of the producer whose channels it decides, −1 when it decides none. */
    private int[] producerOfStep(ChannelPruningEnv env) {
        boolean[] deciding = env.decidingLayers();
        List<PrunableLayer> steps = env.layers().stream().filter(l -> !l.depthwise()).toList();
        int[] out = new int[steps.size()];
        for (int t = 0; t < out.length; t++) {
            out[t] = deciding[t] ? producers.indexOf(producerOf(env, steps.get(t).inGroup())) : -1;
        }
        return out;
    }

    /**
     * Per producer, the FLOPs its filters scale in {@code env}'s model: every layer whose input or output channels are
     * the producer's group. Weighing a round's sparsity by them makes annealing's fixed weighted total a first-order
     * FLOPs share, where NNI's weight counts would let the weight-heavy, FLOPs-light Linear layers take it.
     */
    private long[] controlledFlops(ChannelPruningEnv env) {
        long[] out = new long[producers.size()];
        for (int p = 0; p < out.length; p++) {
            String producer = producers.get(p);
            int g = env.layers().stream().filter(l -> l.name().equals(producer)).findFirst().orElseThrow().outGroup();
            out[p] = env.layers().stream().filter(l -> l.outGroup() == g || l.inGroup() == g)
                    .mapToLong(PrunableLayer::fullFlops).sum();
        }
        return out;
    }

    /** The one non-depthwise Conv2d/Linear whose output channels are env group {@code g}. */
    private static String producerOf(ChannelPruningEnv env, int g) {
        List<String> found = env.layers().stream().filter(l -> !l.depthwise() && l.outGroup() == g).map(PrunableLayer::name)
                .toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException("autocompress: channel group " + env.groupName(g) + " is produced by "
                    + found.size() + " layers " + found + "; filter pruning needs exactly one per group");
        }
        return found.get(0);
    }

    /** The original environment's per-layer keep ratios of the shrunk {@code model}: kept producer width / original. */
    private double[] keepRatios(ChannelPruningEnv original, Module model) {
        Map<String, Map<String, Long>> widths = LayerWidths.of(model);
        int[] producerOfStep = producerOfStep(original);
        List<PrunableLayer> steps = original.layers().stream().filter(l -> !l.depthwise()).toList();
        double[] keep = new double[producerOfStep.length];
        for (int t = 0; t < keep.length; t++) {
            if (producerOfStep[t] < 0) {
                keep[t] = 1;
                continue;
            }
            String producer = producers.get(producerOfStep[t]);
            PrunableLayer full = original.layers().stream().filter(l -> l.name().equals(producer)).findFirst().orElseThrow();
            Map<String, Long> w = widths.get(producer);
            long now = w.containsKey(LayerWidths.OUT_CHANNELS) ? w.get(LayerWidths.OUT_CHANNELS) : w.get(LayerWidths.OUT_FEATURES);
            keep[t] = (double) now / full.outUnits();
        }
        return keep;
    }

    private ChannelPruningEnv env(Module model, double budget, double lowerBound) {
        return ChannelPruningEnv.builder().setModel(model).setInputShape(request.inputShape()).setBudget(budget)
                .optLowerBound(lowerBound).build();
    }

    /** A log that every round's annealing appends to, numbered on across rounds, and that each round reads as empty. */
    private static final class AppendOnly implements CandidateLog {
        private final CandidateLog file;
        private long next;

        AppendOnly(CandidateLog file) {
            this.file = file;
        }

        @Override
        public List<CandidateRecord> read() {
            return List.of();
        }

        @Override
        public void append(CandidateRecord r) {
            file.append(new CandidateRecord(SEARCH, next++, r.keepRatios(), r.flopsRatio(), r.reward()));
        }

        @Override
        public String describe() {
            return file.describe();
        }
    }

    /** A fresh module of {@code model}'s architecture at its current widths (the evaluators' copies). */
    static Supplier<Module> sameWidths(Supplier<Module> architecture, Module model) {
        Map<String, Map<String, Long>> widths = LayerWidths.of(model);
        return () -> {
            Module m = architecture.get();
            LayerWidths.apply(m, widths);
            return m;
        };
    }
}
