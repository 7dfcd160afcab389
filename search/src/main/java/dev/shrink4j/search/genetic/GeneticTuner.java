package dev.shrink4j.search.genetic;

import dev.shrink4j.search.scoring.CandidateLog;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.ReplayingScorer;
import dev.shrink4j.search.scoring.SearchBuilder;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.search.scoring.SearchProgress;
import dev.shrink4j.search.scoring.SearchSettings;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MetaPruning's evolutionary search ({@code search.py}) for per-layer keep ratios under a FLOPs budget.
 *
 * <p>A chromosome holds one gene per prunable layer, an index into a {@link RatioGrid} (0.10…1.00, step 0.03).
 * Generation 0 is {@code population} random chromosomes. Every later generation takes the {@code parents} best
 * chromosomes ever scored and breeds {@code mutations} mutants (a random parent, each gene redrawn with probability
 * {@code mutationProbability}) and {@code crossovers} children (two random parents, each gene from either with equal
 * chance), then tops the generation up with random chromosomes. A chromosome is rejected before it is scored when the
 * model it prunes to was scored before (in any generation) or exceeds the FLOPs budget; like MetaPruning, breeding
 * gives up after ten times the wanted number of attempts. The best chromosome ever scored is kept, so the best reward
 * never decreases.
 *
 * <p>"The model it prunes to" is {@link CandidateScorer#candidateKey}: MetaPruning's genes are channel counts, so
 * distinct genes are distinct models; here genes are ratios, and several round to the same channels (31 grid values
 * give six widths of a 6-filter layer; the gene of a layer reading the image changes nothing). Rejecting only equal
 * genes scored the same model again and again (26–34% of the candidates of three LeNet-5 searches) and let copies of one
 * model fill every parent place.
 *
 * <p>Seeded and reproducible: with the same seed, settings and scores it proposes the same chromosomes in the same
 * order, which is how it resumes from its {@link CandidateLog} (see {@link ReplayingScorer}).
 *
 * <pre>{@code
 * GeneticResult r = GeneticTuner.builder().setScorer(scorer).setFlopsBudget(0.5)
 *         .optGenerations(8).optPopulation(16).optLog(new JsonLinesCandidateLog(dir.resolve("genetic.jsonl")))
 *         .build().search();
 * }</pre>
 */
public final class GeneticTuner {

    /** The search's name in logs. */
    public static final String SEARCH = "genetic";

    private static final Logger LOG = LoggerFactory.getLogger(GeneticTuner.class);

    /** MetaPruning's limit: breeding stops after this many attempts per wanted chromosome. */
    private static final int ATTEMPTS_PER_CANDIDATE = 10;

    /** Random chromosomes are cheap to reject; this bounds the search for under-budget ones. */
    private static final int RANDOM_ATTEMPTS_PER_CANDIDATE = 1000;

    private final CandidateScorer scorer;
    private final double flopsBudget;
    private final int generations;
    private final int population;
    private final int parents;
    private final int mutations;
    private final int crossovers;
    private final double mutationProbability;
    private final long seed;
    private final CandidateLog log;
    private final PrintStream progressOut;
    private final RatioGrid grid;

    private GeneticTuner(Builder b) {
        this.scorer = b.scorer();
        this.flopsBudget = b.flopsBudget;
        this.generations = b.generations;
        this.population = b.population;
        this.parents = b.parents;
        this.mutations = b.mutations;
        this.crossovers = b.crossovers;
        this.mutationProbability = b.mutationProbability;
        this.seed = b.seed;
        this.log = b.log();
        this.progressOut = b.progressOut();
        this.grid = b.grid;
    }

    /** A builder: {@code setScorer} and {@code setFlopsBudget} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** One scored chromosome; {@code order} breaks reward ties by scoring order, so ranking is deterministic. */
    private record Scored(int[] genes, Score score, long order) {
    }

    /**
     * Runs the search: scores every generation, logs every candidate, prints a progress line per generation.
     *
     * @throws IllegalArgumentException when the budget cannot be met even with every layer at the smallest ratio
     * @throws IllegalStateException when the log is corrupt or belongs to another search or seed
     */
    public GeneticResult search() {
        int layers = scorer.layerCount();
        double[] smallest = new double[layers];
        Arrays.fill(smallest, grid.ratio(0));
        double floor = scorer.flopsRatio(smallest);
        if (floor > flopsBudget) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "flops budget: %s is infeasible: even every"
                    + " layer at keep ratio %s keeps %.4f of the FLOPs", flopsBudget, grid.ratio(0), floor));
        }
        ReplayingScorer replaying = new ReplayingScorer(SEARCH, scorer, log);
        Random rng = new Random(seed);
        Set<List<? extends Number>> seen = new HashSet<>(); // candidate keys scored: each pruned model once
        List<Scored> ranked = new ArrayList<>(); // every scored chromosome, best first
        double[] bestPerGeneration = new double[generations];
        SearchProgress progress = new SearchProgress(progressOut, SEARCH, generations);
        for (int g = 0; g < generations; g++) {
            int before = seen.size();
            if (g > 0) {
                // parents are chosen once per generation, before its children join the ranking (MetaPruning's update_top_k)
                List<Scored> top = List.copyOf(ranked.subList(0, Math.min(parents, ranked.size())));
                breed(top, mutations, rng, replaying, seen, ranked, true);
                breed(top, crossovers, rng, replaying, seen, ranked, false);
            }
            int bred = seen.size() - before;
            addRandom(population - bred, rng, replaying, seen, ranked);
            if (ranked.isEmpty()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "flops budget: %s: no random candidate"
                        + " within it was found in %d attempts", flopsBudget, RANDOM_ATTEMPTS_PER_CANDIDATE * population));
            }
            Scored best = ranked.get(0);
            bestPerGeneration[g] = best.score().reward();
            LOG.info("genetic generation {}/{}: {} new candidates, best reward {} at FLOPs {} ratios {}", g + 1, generations,
                    seen.size() - before, best.score().reward(), best.score().flopsRatio(),
                    Arrays.toString(grid.ratios(best.genes())));
            progress.step(g + 1, best.score().reward(), seen.size());
        }
        Scored best = ranked.get(0);
        return new GeneticResult(grid.ratios(best.genes()), best.score(), bestPerGeneration, replaying.scored(),
                replaying.replayed());
    }

    private void breed(List<Scored> top, int wanted, Random rng, ReplayingScorer replaying,
            Set<List<? extends Number>> seen, List<Scored> ranked, boolean mutate) {
        int made = 0;
        for (int attempt = 0; attempt < wanted * ATTEMPTS_PER_CANDIDATE && made < wanted; attempt++) {
            int[] child;
            if (mutate) {
                child = top.get(rng.nextInt(top.size())).genes().clone();
                for (int i = 0; i < child.length; i++) {
                    if (rng.nextDouble() < mutationProbability) {
                        child[i] = rng.nextInt(grid.size());
                    }
                }
            } else {
                int[] a = top.get(rng.nextInt(top.size())).genes();
                int[] b = top.get(rng.nextInt(top.size())).genes();
                child = new int[a.length];
                for (int i = 0; i < child.length; i++) {
                    child[i] = rng.nextBoolean() ? a[i] : b[i];
                }
            }
            if (tryScore(child, replaying, seen, ranked)) {
                made++;
            }
        }
        if (made < wanted) {
            LOG.debug("genetic: {} of {} {} found in {} attempts", made, wanted, mutate ? "mutations" : "crossovers",
                    wanted * ATTEMPTS_PER_CANDIDATE);
        }
    }

    private void addRandom(int wanted, Random rng, ReplayingScorer replaying, Set<List<? extends Number>> seen,
            List<Scored> ranked) {
        int made = 0;
        for (int attempt = 0; attempt < wanted * RANDOM_ATTEMPTS_PER_CANDIDATE && made < wanted; attempt++) {
            int[] genes = new int[scorer.layerCount()];
            for (int i = 0; i < genes.length; i++) {
                genes[i] = rng.nextInt(grid.size());
            }
            if (tryScore(genes, replaying, seen, ranked)) {
                made++;
            }
        }
    }

    /** Scores {@code genes} unless their pruned model was seen before or is over budget; says whether it was scored. */
    private boolean tryScore(int[] genes, ReplayingScorer replaying, Set<List<? extends Number>> seen, List<Scored> ranked) {
        double[] ratios = grid.ratios(genes);
        List<? extends Number> key = scorer.candidateKey(ratios);
        if (seen.contains(key)) {
            return false;
        }
        if (scorer.flopsRatio(ratios) > flopsBudget) {
            return false;
        }
        Scored s = new Scored(genes, replaying.score(ratios), seen.size());
        seen.add(key);
        int at = 0;
        Comparator<Scored> order = Comparator.comparingDouble((Scored x) -> -x.score().reward()).thenComparingLong(Scored::order);
        while (at < ranked.size() && order.compare(ranked.get(at), s) <= 0) {
            at++;
        }
        ranked.add(at, s);
        return true;
    }

    /** Settings of a {@link GeneticTuner}: {@code set…} required, {@code opt…} optional (MetaPruning's defaults). */
    public static final class Builder extends SearchBuilder<Builder> {
        private Double flopsBudgetSet;
        private double flopsBudget;
        private int generations = 20;
        private int population = 50;
        private int parents = 10;
        private int mutations = 25;
        private int crossovers = 25;
        private double mutationProbability = 0.1;
        private long seed;
        private RatioGrid grid = RatioGrid.metaPruning();

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }


        /** The largest share of the unpruned FLOPs a candidate may keep, in (0, 1) (required). */
        public Builder setFlopsBudget(double flopsBudget) {
            this.flopsBudgetSet = flopsBudget;
            return this;
        }

        /** Generations, including the random generation 0 (default 20). */
        public Builder optGenerations(int generations) {
            this.generations = generations;
            return this;
        }

        /** Chromosomes per generation (default 50). */
        public Builder optPopulation(int population) {
            this.population = population;
            return this;
        }

        /** How many of the best chromosomes ever breed (default 10). */
        public Builder optParents(int parents) {
            this.parents = parents;
            return this;
        }

        /** Mutants per generation (default 25). */
        public Builder optMutations(int mutations) {
            this.mutations = mutations;
            return this;
        }

        /** Crossover children per generation (default 25). */
        public Builder optCrossovers(int crossovers) {
            this.crossovers = crossovers;
            return this;
        }

        /** The chance that a mutant redraws each gene (default 0.1). */
        public Builder optMutationProbability(double mutationProbability) {
            this.mutationProbability = mutationProbability;
            return this;
        }

        /** The random seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }



        /** The ratios genes index (default {@link RatioGrid#metaPruning()}). */
        public Builder optGrid(RatioGrid grid) {
            this.grid = grid;
            return this;
        }

        /**
         * Checks the settings and builds the tuner.
         *
         * @throws IllegalStateException when a required setting is missing
         * @throws IllegalArgumentException naming the first setting out of range
         */
        public GeneticTuner build() {
            checkShared("GeneticTuner", SEARCH);
            flopsBudget = SearchSettings.checkOpenUnit("flops budget",
                    SearchSettings.required("GeneticTuner", "setFlopsBudget", flopsBudgetSet));
            SearchSettings.checkAtLeast("generations", generations, 1);
            SearchSettings.checkAtLeast("population", population, 1);
            SearchSettings.checkAtLeast("parents", parents, 1);
            SearchSettings.checkAtLeast("mutations", mutations, 0);
            SearchSettings.checkAtLeast("crossovers", crossovers, 0);
            if (!(mutationProbability >= 0 && mutationProbability <= 1)) {
                throw new IllegalArgumentException("mutation probability: " + mutationProbability + " is outside [0, 1]");
            }
            SearchSettings.required("GeneticTuner", "optGrid", grid);
            return new GeneticTuner(this);
        }
    }
}
