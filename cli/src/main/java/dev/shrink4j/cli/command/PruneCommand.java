package dev.shrink4j.cli.command;

import dev.shrink4j.cli.CommonOptions;
import dev.shrink4j.cli.DataSpec;
import dev.shrink4j.cli.Measurements;
import dev.shrink4j.cli.Models;
import dev.shrink4j.cli.Shrink4j;
import dev.shrink4j.cli.UsageException;
import dev.shrink4j.cli.algo.AlgorithmContext;
import dev.shrink4j.cli.algo.AlgorithmKind;
import dev.shrink4j.cli.algo.CompressionConfig;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.nn.Module;
import dev.shrink4j.prune.Pruner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code shrink4j prune}: runs a pruner from a config file on trained weights and writes the masked
 * weights ({@code model.safetensors}), the masks ({@code masks.safetensors}: {@code <layer>.weight_mask},
 * {@code <layer>.bias_mask}) and {@code report.json}/{@code report.html} with per-layer sparsity.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Prune a trained model with the pruner a config file names.")
public final class PruneCommand implements Callable<Integer> {

    @ParentCommand
    Shrink4j parent;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--arch", required = true, description = "model architecture (see 'inspect')")
    String arch;

    @Option(names = "--data", defaultValue = "fashion-mnist", description = "dataset: fashion-mnist, mnist, cifar10 (default: ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--weights", required = true, description = "trained weights (safetensors)")
    Path weights;

    @Option(names = "--config", required = true, description = "config file naming a pruner, e.g. configs/level.json")
    Path config;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Override
    public Integer call() throws IOException {
        common.apply();
        DataSpec dataSpec = DataSpec.of(data);
        CompressionConfig cfg = CompressionConfig.read(config, parent.registry(), AlgorithmKind.PRUNER);
        int statistics = cfg.spec().driver().statisticsBatches(cfg.options());
        if (statistics > 0) {
            throw new UsageException("pruner \"" + cfg.spec().name() + "\" collects statistics on " + statistics
                    + " training batches, which needs a dataset");
        }
        PrintWriter console = spec.commandLine().getOut();
        try (Module model = Models.create(arch, dataSpec)) {
            Models.loadWeights(model, weights, arch);
            Files.createDirectories(out);
            RunReport report = new RunReport("prune " + arch + " with " + cfg.spec().name(), commandLine())
                    .setModel(arch, dataSpec.cliName());
            report.setting("config", cfg.source()).setting("pruner", cfg.spec().name())
                    .setting("config_list", cfg.configList().toJson()).setting("seed", common.seed());
            try (Compressor c = cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), null, cfg.options(),
                    dataSpec.inputShape(1)))) {
                c.compress();
                Pruner pruner = (Pruner) c;
                Map<String, Double> sparsity = pruner.layerSparsity();
                report.setLayerSparsity(sparsity);
                long[] nz = Measurements.nonzeroParams(model);
                long flops = Measurements.effectiveFlops(model, dataSpec.inputShape(1));
                pruner.exportModel(out.resolve("model.safetensors"), out.resolve("masks.safetensors"));
                report.setting("nonzero_params", nz[0]).setting("total_params", nz[1]).setting("effective_flops", flops);
                console.println("per-layer sparsity:");
                int width = sparsity.keySet().stream().mapToInt(String::length).max().orElse(0);
                sparsity.forEach((layer, s) -> console.printf(Locale.ROOT, "  %-" + width + "s  %6.2f%%%n", layer, 100 * s));
                console.printf(Locale.ROOT, "nonzero parameters: %,d of %,d (%.1f%%); effective FLOPs: %,d%n", nz[0], nz[1],
                        100.0 * nz[0] / nz[1], flops);
            }
            report.write(out);
            console.println("wrote " + out.resolve("model.safetensors") + ", " + out.resolve("masks.safetensors") + ", "
                    + out.resolve("report.html"));
        }
        return Shrink4j.EXIT_OK;
    }

    private String commandLine() {
        return "shrink4j " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }
}
