package dev.shrink4j.samples;

import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.CosineAnnealingLr;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains LeNet-5 on Fashion-MNIST and reports the test accuracy after every epoch: the baseline
 * every compression experiment on this model starts from. Defaults (Adam, learning rate 2e-3 annealed
 * by a cosine schedule over the epochs, batch 32, 3 epochs) reach about 89–90% top-1.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.TrainLeNet5 [--data DIR] [--optimizer adam|sgd]
 *     [--epochs N] [--batch-size N] [--lr X] [--seed N] [--checkpoint FILE] [--no-progress]
 * </pre>
 *
 * <p>With {@code --optimizer sgd} the optimizer is SGD with momentum 0.9 (default rate 0.05). The
 * table goes to standard output; the progress bar and the log go to standard error.
 */
public final class TrainLeNet5 {

    /** The command-line options. */
    record Options(Path data, String optimizer, int epochs, int batchSize, double lr, long seed, Path checkpoint,
            boolean progress) {

        static Options parse(String[] args) {
            Path data = IdxDataset.FASHION_MNIST.defaultDirectory();
            String optimizer = "adam";
            int epochs = 3;
            int batchSize = 32;
            Double lr = null;
            long seed = 0;
            Path checkpoint = null;
            boolean progress = true;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--no-progress")) {
                    progress = false;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--data" -> data = Path.of(v);
                    case "--optimizer" -> optimizer = v;
                    case "--epochs" -> epochs = Integer.parseInt(v);
                    case "--batch-size" -> batchSize = Integer.parseInt(v);
                    case "--lr" -> lr = Double.parseDouble(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--checkpoint" -> checkpoint = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {
                throw new IllegalArgumentException("--optimizer must be adam or sgd, got " + optimizer);
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
            }
            double rate = lr != null ? lr : optimizer.equals("adam") ? 2e-3 : 0.05;
            return new Options(data, optimizer, epochs, batchSize, rate, seed, checkpoint, progress);
        }
    }

    private TrainLeNet5() {
    }

    /** Runs the sample; see the class documentation for the options. */
    public static void main(String[] args) throws IOException {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("TrainLeNet5: " + e.getMessage());
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        torch.manual_seed(o.seed());
        long t0 = System.nanoTime();
        try (Dataset train = IdxDataset.FASHION_MNIST.load(o.data(), Split.TRAIN); Dataset test = IdxDataset.FASHION_MNIST.load(o.data(), Split.TEST);
                LeNet5 model = new LeNet5();
                Optimizer optimizer = o.optimizer().equals("adam")
                        ? (Optimizer) Adam.builder().setLearningRate(o.lr()).build(model.parameters())
                        : (Optimizer) Sgd.builder().setLearningRate(o.lr()).optMomentum(0.9).build(model.parameters())) {
            out.printf(Locale.ROOT, "Fashion-MNIST from %s: %d training, %d test images (loaded in %.1f s)%n", o.data(),
                    train.size(), test.size(), (System.nanoTime() - t0) / 1e9);
            out.printf(Locale.ROOT, "LeNet-5 (%d parameters), %s lr %s with cosine annealing, batch %d, %d epochs, seed %d%n",
                    model.parameterCount(), o.optimizer(), o.lr(), o.batchSize(), o.epochs(), o.seed());
            DataLoader trainLoader = DataLoader.builder().setDataset(train).setBatchSize(o.batchSize()).optShuffle(o.seed()).build();
            DataLoader testLoader = DataLoader.builder().setDataset(test).setBatchSize(1000).build();
            Trainer.Builder builder = Trainer.builder().setModel(model).setOptimizer(optimizer)
                    .optLrScheduler(new CosineAnnealingLr(optimizer, o.epochs())).optValidation(testLoader)
                    .optProgressBar(o.progress());
            if (o.checkpoint() != null) {
                builder.optCheckpoint(o.checkpoint());
            }
            List<EpochResult> history = builder.build().fit(trainLoader, o.epochs());

            out.println();
            out.println("epoch      lr  train loss  train acc  test loss  test acc  seconds  samples/s  test ms/batch");
            for (EpochResult r : history) {
                Evaluation v = r.validation();
                out.printf(Locale.ROOT, "%5d  %.5f  %10.4f  %8.2f%%  %9.4f  %7.2f%%  %7.1f  %9.0f  %13.2f%n", r.epoch() + 1,
                        r.learningRate(), r.train().loss(), 100 * r.train().accuracy(), v.loss(), 100 * v.accuracy(),
                        r.seconds(), r.samplesPerSecond(), v.meanBatchMillis());
            }
            double seconds = history.stream().mapToDouble(EpochResult::seconds).sum();
            Evaluation last = history.get(history.size() - 1).validation();
            out.printf(Locale.ROOT, "%nfinal test accuracy %.2f%% after %d epochs (%.1f s training, %.1f s per epoch)%n",
                    100 * last.accuracy(), history.size(), seconds, seconds / history.size());
            if (o.checkpoint() != null) {
                out.println("checkpoint: " + o.checkpoint());
            }
        }
    }
}
