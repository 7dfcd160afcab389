package dev.shrink4j.samples;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.prune.LevelPruner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Config lists from JSON: reads an NNI config list from a file ({@link ConfigList#fromFile}), applies it
 * to LeNet-5 with a {@link LevelPruner} and prints {@code describe()}, the table of which entry
 * each layer got; then applies a broken list and prints the {@link ConfigException}, which names every
 * problem at once. No data and no training.
 *
 * <pre>
 * OPENBLAS_NUM_THREADS=1 java -cp … dev.shrink4j.samples.ConfigListFromJson [--config FILE] [--out DIR]
 * </pre>
 * Without {@code --config} it writes {@link #EXAMPLE} to {@code DIR/prune-config.json} (default
 * {@code ./shrink4j-out}) and reads that.
 */
public final class ConfigListFromJson {

    /**
     * Half of each convolution's weights, 80% of the Linear layers', except the classifier {@code fc3},
     * which a later {@code exclude} entry takes out.
     */
    public static final String EXAMPLE = """
            [
              {"sparsity": 0.5, "op_types": ["Conv2d"]},
              {"sparsity": 0.8, "op_types": ["Linear"]},
              {"exclude": true, "op_names": ["fc3"]}
            ]
            """;

    /** A list with two mistakes: a sparsity outside [0, 1) and a layer name LeNet-5 does not have. */
    public static final String BROKEN = """
            [
              {"sparsity": 1.2, "op_types": ["Conv2d"]},
              {"sparsity": 0.5, "op_names": ["fc9"]}
            ]
            """;

    private ConfigListFromJson() {
    }

    /** The table of which config entry each LeNet-5 layer gets from the list in {@code file}. */
    public static String describe(Path file) throws IOException {
        ConfigList configList = ConfigList.fromFile(file);
        try (LeNet5 model = new LeNet5();
                LevelPruner pruner = new LevelPruner(model, configList)) {
            pruner.compress();
            return pruner.describe();
        }
    }

    /** The message of the {@link ConfigException} that {@code json} raises on LeNet-5. */
    public static String problems(String json) {
        try (LeNet5 model = new LeNet5();
                LevelPruner pruner = new LevelPruner(model, ConfigList.fromJson(json))) {
            pruner.compress();
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new IllegalStateException("the config list was accepted: " + json);
    }

    /** Prints the table for the example (or {@code --config}) list, then the broken list's error. */
    public static void main(String[] args) throws IOException {
        Path config = null;
        Path out = Path.of("shrink4j-out");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--config" -> config = Path.of(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> {
                    System.err.println("ConfigListFromJson: unknown option " + args[i] + "; known: --config FILE, --out DIR");
                    System.exit(2);
                }
            }
        }
        if (args.length % 2 != 0) {
            System.err.println("ConfigListFromJson: option " + args[args.length - 1] + " needs a value");
            System.exit(2);
        }
        if (config == null) {
            Files.createDirectories(out);
            config = Files.writeString(out.resolve("prune-config.json"), EXAMPLE);
        }
        System.out.println("config list " + config + ":");
        System.out.println(Files.readString(config));
        System.out.println(describe(config));
        System.out.println("a broken list:");
        System.out.println(BROKEN);
        System.out.println(problems(BROKEN));
    }
}
