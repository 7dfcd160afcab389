package dev.shrink4j.search;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.io.StrictJson;
import dev.shrink4j.search.core.CandidateEvaluator;
import dev.shrink4j.search.ddpg.AmcDdpgSearch;
import dev.shrink4j.search.ddpg.SearchResult;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.genetic.GeneticResult;
import dev.shrink4j.search.genetic.GeneticTuner;
import dev.shrink4j.search.nni.FilterCriterion;
import dev.shrink4j.search.nni.NetAdapt;
import dev.shrink4j.search.nni.NetAdaptResult;
import dev.shrink4j.search.nni.SensitivityAllocation;
import dev.shrink4j.search.nni.SensitivityAnalysis;
import dev.shrink4j.search.nni.SensitivityResult;
import dev.shrink4j.search.nni.SimulatedAnnealing;
import dev.shrink4j.search.nni.SimulatedAnnealingResult;
import dev.shrink4j.search.scoring.CandidateRecord;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.Finalists;
import dev.shrink4j.search.scoring.JsonLinesCandidateLog;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.stats.ModelProfiler;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One automatic search chosen by a JSON config file, end to end: the {@link ChannelPruningEnv} of a trained model,
 * a {@link CandidateEvaluator} scoring candidates on a held-out split of the training data, the search, then the
 * best candidate's log, config and shrunk model. It is what the command line's {@code search} calls, so that the
 * command line only parses and prints.
 * <pre>
 * {"search": "genetic", "seed": 1, "generations": 8, "population": 16}
 * </pre>
 * Keys: {@code search} ({@value #AMC_DDPG}, {@value #GENETIC}, {@value #SIMULATED_ANNEALING}, {@value #SENSITIVITY},
 * {@value #NETADAPT}, {@value #AUTOCOMPRESS} or the baseline {@value #UNIFORM}, required),
 * {@code seed}, {@code lower_bound} (smallest keep ratio, default 0.2), {@code validation_size} (held-out training
 * samples, default 1000), {@code reward} ({@code acc}; {@code acc_flops} or {@code neg_loss} for the searches
 * without thresholds in accuracy units), {@code fine_tune_steps} (Adam steps on the training part before each
 * candidate is scored, the same batches for all, default 0: AMC's scoring without fine-tune), {@code fine_tune_lr}
 * (default 1e-3), {@code fine_tune_batch_size} (default 100; 64 is what {@code prune --epochs} trains with) and
 * {@code reconstruct} ({@code true}: prune each candidate as mit-han-lab/amc's environment does, L1 channel
 * selection in the reading layer and a least-squares refit, the pruning {@code prune} applies to the best config;
 * default {@code false}, filters of least L1 norm removed),
 * {@code finalists} and {@code finalist_seeds} (for {@value #AMC_DDPG}, {@value #GENETIC} and
 * {@value #SIMULATED_ANNEALING} with a fine-tune: the {@code finalists} best distinct candidates scored on
 * {@code finalist_seeds} fine-tune seeds in all, default 3, and the best mean chosen, {@link Finalists}); for
 * {@value #AMC_DDPG}
 * {@code episodes} and {@code warmup}; for {@value #GENETIC} {@code generations}, {@code population}, {@code parents}, {@code mutations} and
 * {@code crossovers}; for
 * {@value #SIMULATED_ANNEALING} {@code start_temperature}, {@code stop_temperature} and {@code cool_down_rate}; for
 * {@value #SENSITIVITY} {@code max_drop} (the held-out reward a layer may lose, default 0.02); for {@value #NETADAPT}
 * {@code step_fraction} (weights removed per iteration, default 0.05); for {@value #AUTOCOMPRESS} {@code rounds}
 * (default 2), {@code rho} (1e-4), {@code admm_iterations} (3), {@code admm_epochs} (1) and {@code base_algo}
 * ({@code l1}, {@code l2} or {@code fpgm}) and the annealing temperatures.
 *
 * <p>Output directory: {@value #LOG_FILE} (every candidate as a {@link JsonLinesCandidateLog} record, the
 * format every search writes), {@value #BEST_CONFIG} (a {@code channel-pruning} config list that
 * {@code prune --config} accepts) and, with finalists, {@value #FINALISTS_FILE} — written here; the caller saves
 * {@link Outcome#bestModel()}.
 *
 * <p>Simulated annealing searches weight sparsities with a fixed weighted total: the total is the largest uniform
 * sparsity whose channel rounding meets the FLOPs budget, and a perturbed candidate over the budget is rejected
 * with reward {@value #OVER_BUDGET_REWARD} without being evaluated (logged like any other, so a resume replays it).
 * Sensitivity analysis scores each layer alone at 0.1…0.9, then scales the passing sparsities by the one factor that
 * meets the budget. NetAdapt removes a step of weights from the best layer per iteration until the budget is met;
 * its short fine-tune per candidate is {@code fine_tune_steps} (scored as the others are: pruned, recalibrated,
 * fine-tuned when set).
 */
public final class SearchRunner {

    private static final Logger LOG = LoggerFactory.getLogger(SearchRunner.class);

    /** The AMC DDPG agent ({@link AmcDdpgSearch}). */
    public static final String AMC_DDPG = "amc-ddpg";
    /** MetaPruning's genetic tuner ({@link GeneticTuner}). */
    public static final String GENETIC = "genetic";
    /** NNI's simulated annealing ({@link SimulatedAnnealing}). */
    public static final String SIMULATED_ANNEALING = "simulated-annealing";
    /** NNI's sensitivity analysis ({@link SensitivityAnalysis}), scaled to the budget ({@link SensitivityAllocation}). */
    public static final String SENSITIVITY = "sensitivity";
    /** NNI's NetAdapt ({@link NetAdapt}), stopped once the budget is met. */
    public static final String NETADAPT = "netadapt";
    /** NNI's AutoCompress ({@link AutoCompressSearch}): annealing, structured ADMM and speedup in rounds. */
    public static final String AUTOCOMPRESS = AutoCompressSearch.SEARCH;
    /** The baseline: the same keep ratio for every prunable layer, the largest that meets the budget. */
    public static final String UNIFORM = "uniform";
    /** The candidate log in the output directory. */
    public static final String LOG_FILE = "search.jsonl";
    /** The best candidate's config list in the output directory. */
    public static final String BEST_CONFIG = "best-config.json";
    /** The finalists' scores in the output directory, when {@code finalists} is set: one JSON object per line. */
    public static final String FINALISTS_FILE = "finalists.jsonl";
    /** The reward of a simulated-annealing candidate over the FLOPs budget (below any accuracy). */
    public static final double OVER_BUDGET_REWARD = -1.0;

    private static final Map<String, Set<String>> KEYS = Map.of(
            AMC_DDPG, Set.of("episodes", "warmup"),
            GENETIC, Set.of("generations", "population", "parents", "mutations", "crossovers"),
            SIMULATED_ANNEALING, Set.of("start_temperature", "stop_temperature", "cool_down_rate"),
            SENSITIVITY, Set.of("max_drop"),
            NETADAPT, Set.of("step_fraction"),
            AUTOCOMPRESS, Set.of("rounds", "rho", "admm_iterations", "admm_epochs", "base_algo", "start_temperature",
                    "stop_temperature", "cool_down_rate"),
            UNIFORM, Set.of());
    private static final Set<String> SHARED = Set.of("search", "seed", "lower_bound", "validation_size", "reward",
            "fine_tune_steps", "fine_tune_lr", "fine_tune_batch_size", "reconstruct", "finalists", "finalist_seeds");
    /** The searches whose best is their best-scored logged candidate, so that finalists can replace it. */
    private static final Set<String> FINALIST_SEARCHES = Set.of(AMC_DDPG, GENETIC, SIMULATED_ANNEALING);
    /** The searches that compare rewards with thresholds in accuracy units, so only the {@code acc} reward fits them. */
    private static final Set<String> ACCURACY_UNIT_SEARCHES = Set.of(SIMULATED_ANNEALING, SENSITIVITY, AUTOCOMPRESS);

    private final Path config;
    private final JsonObject settings;
    private final String search;

    private SearchRunner(Path config, JsonObject settings, String search) {
        this.config = config;
        this.settings = settings;
        this.search = search;
    }

    /**
     * Reads a search config.
     *
     * @throws IllegalArgumentException naming the file and the key when it cannot be read, is not a JSON object,
     *     names no known search, has an unknown key or a value of the wrong kind
     */
    public static SearchRunner fromConfig(Path config) {
        String text;
        try {
            text = Files.readString(config);
        } catch (IOException e) {
            throw new IllegalArgumentException("search config " + config + ": cannot be read (" + e.getMessage() + ")", e);
        }
        JsonElement root;
        try {
            root = StrictJson.parse(text);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("search config " + config + ": not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("search config " + config + ": expected an object, found " + StrictJson.describe(root));
        }
        JsonObject o = root.getAsJsonObject();
        JsonElement name = o.get("search");
        if (name == null || !name.isJsonPrimitive() || !KEYS.containsKey(name.getAsString())) {
            throw new IllegalArgumentException("search config " + config + ": \"search\" must be one of "
                    + KEYS.keySet().stream().sorted().toList() + ", found " + (name == null ? "nothing" : name));
        }
        String search = name.getAsString();
        for (String key : o.keySet()) {
            if (!SHARED.contains(key) && !KEYS.get(search).contains(key)) {
                throw new IllegalArgumentException("search config " + config + ": unknown key \"" + key + "\" for "
                        + search + "; expected " + KEYS.get(search).stream().sorted().toList() + " or "
                        + SHARED.stream().sorted().toList());
            }
        }
        SearchRunner runner = new SearchRunner(config, o, search);
        runner.reward(); // checks the values now, not after loading the data
        runner.whole("fine_tune_steps", 0, 0);
        runner.positive("fine_tune_lr", 1e-3);
        runner.whole("fine_tune_batch_size", 100, 1);
        runner.flag("reconstruct");
        runner.checkFinalists();
        return runner;
    }

    /**
     * {@code finalists} (default 0: the search's best stands) and {@code finalist_seeds} (default 3, at least 2) need a
     * search whose best is a logged candidate and a score with a random part (a fine-tune) that more seeds average.
     */
    private void checkFinalists() {
        int finalists = whole("finalists", 0, 0);
        whole("finalist_seeds", 3, 2);
        if (finalists == 0) {
            if (settings.has("finalist_seeds")) {
                throw new IllegalArgumentException("search config " + config + ": \"finalist_seeds\" is set but"
                        + " \"finalists\" is not: set \"finalists\" to the number of candidates to score again");
            }
            return;
        }
        if (!FINALIST_SEARCHES.contains(search)) {
            throw new IllegalArgumentException("search config " + config + ": \"finalists\" applies to "
                    + FINALIST_SEARCHES.stream().sorted().toList() + ", whose best is their best-scored candidate, not to "
                    + search);
        }
        if (whole("fine_tune_steps", 0, 0) == 0) {
            throw new IllegalArgumentException("search config " + config + ": \"finalists\" needs \"fine_tune_steps\""
                    + " above 0: without the short fine-tune a candidate's score does not depend on a seed");
        }
    }

    /** The search the config chooses. */
    public String search() {
        return search;
    }

    /**
     * What to search.
     *
     * @param model        the trained model (read, never changed)
     * @param architecture makes a fresh model of the same architecture (the pruned copies)
     * @param inputShape   one sample's input shape with a batch of 1
     * @param trainData    the training set; its last {@code validation_size} samples score candidates
     * @param flopsBudget  the share of the model's FLOPs to keep, in (0, 1)
     * @param outDir       where {@value #LOG_FILE} and {@value #BEST_CONFIG} go (created)
     * @param resume       continue from {@code outDir}'s log; without it an existing log is an error
     * @param progress     where progress lines go (null for none)
     */
    public record Request(Module model, Supplier<Module> architecture, long[] inputShape, Dataset trainData,
            double flopsBudget, Path outDir, boolean resume, PrintStream progress) {
        /** Checks that nothing required is missing. */
        public Request {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(architecture, "architecture");
            Objects.requireNonNull(inputShape, "inputShape");
            Objects.requireNonNull(trainData, "trainData");
            Objects.requireNonNull(outDir, "outDir");
        }
    }

    /**
     * What the search found.
     *
     * @param search     the search's name
     * @param layers     the prunable layers, in the order of the ratios
     * @param bestRatios the best candidate's keep ratio per prunable layer
     * @param bestReward its reward
     * @param accuracy   its accuracy on the held-out split, BatchNorm recalibrated, after the short fine-tune when
     *                   {@code fine_tune_steps} is set
     * @param flopsShare its real FLOPs ({@link ModelProfiler}) over the trained model's
     * @param candidates candidates scored, replayed ones included
     * @param resumed    candidates answered from the log of an earlier run
     * @param seconds    wall time of the search and the final evaluation
     * @param rewards    the reward of every logged candidate, in log order (over-budget rejections included)
     * @param finalists  with {@code finalists} set, the candidates scored again and their rewards per seed, best
     *                   single score first; the best of them by mean reward is the best candidate (else empty)
     * @param bestModel  the trained model shrunk to the best ratios, as it was scored (short fine-tune included;
     *                   the caller closes it)
     */
    public record Outcome(String search, List<String> layers, double[] bestRatios, double bestReward, double accuracy,
            double flopsShare, long candidates, long resumed, double seconds, double[] rewards,
            List<Finalists.Finalist> finalists, Module bestModel) {
    }

    /**
     * Runs the search, writes the log and the best config, and shrinks the best candidate.
     *
     * @throws IllegalArgumentException on bad input, naming it: a budget outside (0, 1) or infeasible, a model with
     *     no prunable layer, a log present without {@code resume}, a config value of the wrong kind
     * @throws IllegalStateException naming the log file and line when the log is corrupt or from another search
     */
    public Outcome run(Request r) {
        if (!(r.flopsBudget() > 0 && r.flopsBudget() < 1)) {
            throw new IllegalArgumentException("flops budget must be in (0, 1), got " + r.flopsBudget());
        }
        Path log = r.outDir().resolve(LOG_FILE);
        if (Files.exists(log) && !r.resume()) {
            throw new IllegalArgumentException("search log " + log + " exists: resume from it or choose another output directory");
        }
        try {
            Files.createDirectories(r.outDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + r.outDir() + ": " + e.getMessage(), e);
        }
        long seed = (long) number("seed", 0);
        ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(r.model()).setInputShape(r.inputShape())
                .setBudget(r.flopsBudget()).optLowerBound(number("lower_bound", 0.2)).build();
        CandidateEvaluator evaluator = evaluator(r.model(), r.architecture(), env, r);
        long start = System.nanoTime();
        double[] best;
        Module searched = null; // the model a search prunes itself (AutoCompress), else null: prune the trained one
        long candidates;
        long resumed;
        switch (search) {
            case AMC_DDPG -> {
                SearchResult found = AmcDdpgSearch.builder().setEnvironment(env).setScorer(evaluator)
                        .optEpisodes((int) number("episodes", 120)).optWarmup((int) number("warmup", 20)).optSeed(seed)
                        .optLog(log).optProgress(r.progress()).build().run();
                best = found.best().ratios();
                candidates = found.history().size();
                resumed = found.resumed();
            }
            case GENETIC -> {
                // MetaPruning's proportions (population 50: 10 parents, 25 mutations, 25 crossovers) by default
                int population = (int) number("population", 16);
                GeneticResult found = GeneticTuner.builder().setScorer(evaluator).setFlopsBudget(r.flopsBudget())
                        .optGenerations((int) number("generations", 8)).optPopulation(population)
                        .optParents((int) number("parents", Math.max(2, population / 5)))
                        .optMutations((int) number("mutations", population / 2))
                        .optCrossovers((int) number("crossovers", population / 2))
                        .optSeed(seed).optLog(new JsonLinesCandidateLog(log)).optProgress(r.progress()).build().search();
                best = found.bestKeepRatios();
                candidates = found.candidatesScored();
                resumed = found.candidatesReplayed();
            }
            case SIMULATED_ANNEALING -> {
                long[] weights = evaluator.weightCounts();
                double target = uniformSparsity(evaluator, r.flopsBudget());
                long before = lines(log);
                SimulatedAnnealingResult found = temperatures(SimulatedAnnealing.builder()).setScorer(withinBudget(evaluator, r.flopsBudget()))
                        .setTargetSparsity(target).setLayerWeightCounts(weights).optSeed(seed)
                        .optLog(new JsonLinesCandidateLog(log))
                        .optProgress(r.progress()).build().search();
                best = Arrays.stream(found.bestSparsities()).map(s -> 1 - s).toArray();
                candidates = found.candidatesScored();
                resumed = Math.min(before, candidates);
            }
            case SENSITIVITY -> {
                long before = lines(log);
                SensitivityResult found = SensitivityAnalysis.builder().setScorer(evaluator)
                        .setMaxDrop(number("max_drop", 0.02)).optLog(new JsonLinesCandidateLog(log))
                        .optProgress(r.progress()).build().analyze();
                best = SensitivityAllocation.keepRatios(found.passingSparsities(), evaluator, r.flopsBudget(),
                        1 - env.lowerBound());
                candidates = Arrays.stream(found.rewards()).mapToLong(t -> t.length).sum() + 1;
                resumed = Math.min(before, candidates);
            }
            case NETADAPT -> {
                long before = lines(log);
                NetAdaptResult found = netAdapt(env, evaluator, r.flopsBudget(), log, r.progress());
                best = Arrays.stream(found.sparsities()).map(s -> 1 - s).toArray();
                candidates = lines(log);
                resumed = Math.min(before, candidates);
                if (evaluator.flopsRatio(best) > r.flopsBudget()) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "netadapt: stopped at a FLOPs share of"
                            + " %.4f, over the budget %s, when no layer could take a step of %d weights; lower"
                            + " step_fraction", evaluator.flopsRatio(best), r.flopsBudget(), found.finalStep()));
                }
            }
            case AUTOCOMPRESS -> {
                if (Files.exists(log)) {
                    throw new IllegalArgumentException("autocompress cannot resume from " + log + ": ADMM's training is"
                            + " not in the log; choose another output directory");
                }
                AutoCompressSearch.Found found = new AutoCompressSearch(r, autoCompressSettings(seed), env,
                        (m, e) -> evaluator(m, AutoCompressSearch.sameWidths(r.architecture(), m), e, r),
                        new JsonLinesCandidateLog(log)).run(r.flopsBudget(), env.lowerBound());
                best = found.keepRatios();
                searched = found.model();
                candidates = lines(log);
                resumed = 0;
            }
            case UNIFORM -> {
                best = new double[evaluator.layerCount()];
                Arrays.fill(best, 1 - uniformSparsity(evaluator, r.flopsBudget()));
                JsonLinesCandidateLog candidates0 = new JsonLinesCandidateLog(log);
                resumed = candidates0.read().size();
                if (resumed == 0) {
                    Score s = evaluator.score(best);
                    candidates0.append(new CandidateRecord(UNIFORM, 0, best, s.flopsRatio(), s.reward()));
                }
                candidates = 1;
            }
            default -> throw new IllegalStateException("unreachable: " + search);
        }
        List<CandidateRecord> logged = new JsonLinesCandidateLog(log).read();
        List<Finalists.Finalist> finalists = List.of();
        int finalistCount = whole("finalists", 0, 0);
        if (finalistCount > 0) {
            Finalists stage = new Finalists(finalistCount, whole("finalist_seeds", 3, 2));
            List<CandidateRecord> picked = stage.pick(logged, evaluator, r.flopsBudget());
            finalists = stage.rescore(picked, (keep, s) -> evaluator.evaluate(keep, s).reward(), seed, r.progress());
            writeFinalists(r.outDir().resolve(FINALISTS_FILE), finalists);
            Finalists.Finalist chosen = Finalists.best(finalists);
            best = chosen.keepRatios();
            LOG.info("{}: {} finalists scored on {} seeds; chosen by mean reward: {}", search, finalists.size(),
                    stage.seeds(), chosen);
        }
        best = env.effectiveRatios(best);   // as they take effect; the log keeps the search's own
        // the model the best candidate was scored as, scored once more (pruned and, with fine_tune_steps, fine-tuned once)
        Module bestModel = searched != null ? searched : evaluator.candidate(best);
        try {
            CandidateEvaluator.Evaluation e = evaluator.evaluateModel(bestModel);
            double seconds = (System.nanoTime() - start) / 1e9;
            long fullFlops = ModelProfiler.profile(r.model(), r.inputShape()).totalFlops();
            try {
                AtomicFiles.writeString(r.outDir().resolve(BEST_CONFIG), BestConfig.channelPruning(env, best));
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot write " + r.outDir().resolve(BEST_CONFIG) + ": " + ex.getMessage(), ex);
            }
            LOG.info("{}: best reward {} accuracy {} FLOPs share {} ratios {}", search, e.reward(), e.accuracy(),
                    (double) e.flops() / fullFlops, Arrays.toString(best));
            return new Outcome(search, env.prunableLayerNames(), best, e.reward(), e.accuracy(),
                    (double) e.flops() / fullFlops, candidates, resumed, seconds,
                    logged.stream().mapToDouble(CandidateRecord::reward).toArray(), finalists, bestModel);
        } catch (RuntimeException ex) {
            bestModel.close();
            throw ex;
        }
    }

    /** Writes the finalists as JSON lines (keep ratios, FLOPs share, reward per seed, mean), atomically. */
    private static void writeFinalists(Path file, List<Finalists.Finalist> finalists) {
        StringBuilder text = new StringBuilder();
        for (Finalists.Finalist f : finalists) {
            JsonObject o = new JsonObject();
            JsonArray ratios = new JsonArray();
            Arrays.stream(f.keepRatios()).forEach(ratios::add);
            JsonArray rewards = new JsonArray();
            Arrays.stream(f.rewards()).forEach(rewards::add);
            o.add("keep_ratios", ratios);
            o.addProperty("flops_ratio", f.flopsRatio());
            o.add("rewards", rewards);
            o.addProperty("mean_reward", f.meanReward());
            text.append(o).append('\n');
        }
        try {
            AtomicFiles.writeString(file, text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The evaluator of {@code model} (read, not changed) in {@code env}, with the config's validation size and reward. */
    private CandidateEvaluator evaluator(Module model, Supplier<Module> architecture, ChannelPruningEnv env, Request r) {
        return CandidateEvaluator.builder().setModel(model).setArchitecture(architecture).setEnvironment(env)
                .setInputShape(r.inputShape()).setTrainData(r.trainData())
                .optValidationSize((int) number("validation_size", Math.min(1000, r.trainData().size() / 5)))
                .optReward(reward()).optFineTune(whole("fine_tune_steps", 0, 0), positive("fine_tune_lr", 1e-3),
                        (long) number("seed", 0)).optFineTuneBatchSize(whole("fine_tune_batch_size", 100, 1))
                .optReconstruction(flag("reconstruct")).build();
    }

    /** A true/false setting of the config, false when absent. */
    private boolean flag(String key) {
        JsonElement e = settings.get(key);
        if (e == null) {
            return false;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("search config " + config + ": \"" + key + "\" must be true or false, found "
                    + StrictJson.describe(e));
        }
        return e.getAsBoolean();
    }

    /** A positive finite number from the config. */
    private double positive(String key, double fallback) {
        double v = number(key, fallback);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("search config " + config + ": \"" + key + "\" must be a positive number,"
                    + " found " + settings.get(key));
        }
        return v;
    }

    /** AutoCompress's settings: NNI's ρ (1e-4) and l1 filters by default; rounds and ADMM sizes small for a CPU. */
    private AutoCompressSearch.Settings autoCompressSettings(long seed) {
        JsonElement algo = settings.get("base_algo");
        String name = algo == null ? "l1" : algo.isJsonPrimitive() ? algo.getAsString() : "";
        FilterCriterion criterion = switch (name) {
            case "l1" -> FilterCriterion.L1;
            case "l2" -> FilterCriterion.L2;
            case "fpgm" -> FilterCriterion.FPGM;
            default -> throw new IllegalArgumentException("search config " + config + ": \"base_algo\" must be \"l1\","
                    + " \"l2\" or \"fpgm\", found " + algo);
        };
        return new AutoCompressSearch.Settings(whole("rounds", 2, 1), number("rho", 1e-4), whole("admm_iterations", 3, 1),
                whole("admm_epochs", 1, 1), criterion, seed, this::temperatures);
    }

    /** The config's annealing temperatures (NNI's 100 → 20, × 0.9 by default) set on {@code b}. */
    private SimulatedAnnealing.Builder temperatures(SimulatedAnnealing.Builder b) {
        return b.optStartTemperature(number("start_temperature", 100)).optStopTemperature(number("stop_temperature", 20))
                .optCoolDownRate(number("cool_down_rate", 0.9));
    }

    /** A whole number ≥ {@code least} from the config. */
    private int whole(String key, int fallback, int least) {
        double v = number(key, fallback);
        if (v < least || v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("search config " + config + ": \"" + key + "\" must be a whole number"
                    + " ≥ " + least + ", found " + settings.get(key));
        }
        return (int) v;
    }

    /**
     * NetAdapt over the layers whose ratio takes effect ({@link ChannelPruningEnv#decidingLayers()}; the others may not
     * be pruned), each down to the lower bound, stopped as soon as the kept candidate meets the FLOPs budget.
     */
    private NetAdaptResult netAdapt(ChannelPruningEnv env, CandidateEvaluator evaluator, double budget, Path log,
            PrintStream progress) {
        long[] weights = evaluator.weightCounts();
        boolean[] deciding = env.decidingLayers();
        double most = 1 - env.lowerBound();
        double[] max = new double[weights.length];
        long all = 0;
        long prunable = 0;
        for (int i = 0; i < weights.length; i++) {
            max[i] = deciding[i] ? most : 0;
            all += weights[i];
            prunable += deciding[i] ? weights[i] : 0;
        }
        return NetAdapt.builder().setScorer(evaluator).setTargetSparsity(most * prunable / all)
                .setLayerWeightCounts(weights).optLayerMaxSparsities(max)
                .optStepFraction(number("step_fraction", 0.05)).optStopWhen(k -> evaluator.flopsRatio(k) <= budget)
                .optLog(new JsonLinesCandidateLog(log)).optProgress(progress).build().search();
    }

    /**
     * The largest uniform weight sparsity (step 0.005) whose keep ratios meet {@code budget} after channel rounding:
     * the total sparsity simulated annealing redistributes.
     */
    static double uniformSparsity(CandidateScorer scorer, double budget) {
        double[] keep = new double[scorer.layerCount()];
        for (int step = 1; step < 200; step++) {
            Arrays.fill(keep, 1 - step * 0.005);
            if (scorer.flopsRatio(keep) <= budget) {
                return step * 0.005;
            }
        }
        throw new IllegalArgumentException("flops budget " + budget + " is infeasible: even keeping 0.5% of every"
                + " prunable layer keeps more");
    }

    /** {@code scorer} with candidates over {@code budget} rejected unevaluated ({@value #OVER_BUDGET_REWARD}). */
    static CandidateScorer withinBudget(CandidateScorer scorer, double budget) {
        return new CandidateScorer() {
            @Override
            public int layerCount() {
                return scorer.layerCount();
            }

            @Override
            public Score score(double[] keepRatios) {
                double flops = scorer.flopsRatio(keepRatios);
                return flops > budget ? new Score(OVER_BUDGET_REWARD, flops) : scorer.score(keepRatios);
            }

            @Override
            public double flopsRatio(double[] keepRatios) {
                return scorer.flopsRatio(keepRatios);
            }
        };
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("search log " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private CandidateEvaluator.Reward reward() {
        JsonElement e = settings.get("reward");
        if (e == null) {
            return CandidateEvaluator.Reward.ACC;
        }
        String v = e.isJsonPrimitive() ? e.getAsString() : "";
        CandidateEvaluator.Reward reward = switch (v) {
            case "acc" -> CandidateEvaluator.Reward.ACC;
            case "acc_flops" -> CandidateEvaluator.Reward.ACC_FLOPS;
            case "neg_loss" -> CandidateEvaluator.Reward.NEG_LOSS;
            default -> throw new IllegalArgumentException("search config " + config + ": \"reward\" must be \"acc\","
                    + " \"acc_flops\" or \"neg_loss\", found " + e);
        };
        // These compare rewards with numbers in accuracy units: the over-budget reward (−1, which an acc_flops reward
        // of −1.3 would lose to), the annealing's acceptance scale (hundredths of a point), sensitivity's max_drop.
        if (reward != CandidateEvaluator.Reward.ACC && ACCURACY_UNIT_SEARCHES.contains(search)) {
            throw new IllegalArgumentException("search config " + config + ": \"reward\" \"" + v + "\" does not apply to "
                    + search + ", whose thresholds are in accuracy units; use \"acc\"");
        }
        return reward;
    }

    private double number(String key, double fallback) {
        JsonElement e = settings.get(key);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("search config " + config + ": \"" + key + "\" must be a number, found "
                    + StrictJson.describe(e));
        }
        return e.getAsDouble();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SearchRunner[%s from %s]", search, config);
    }
}
