package dev.shrink4j.cli.options;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.quant.Quantizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --config} and {@code --calibration} of {@code evaluate} and {@code export}: the quantizer a config file
 * names, re-created on {@code quantize}'s full-precision weights with the calibration it wrote, so that the
 * quantized model is evaluated or exported as {@code quantize} left it.
 */
public final class CalibrationOptions {

    @Option(names = "--config", description = "config file naming the quantizer the calibration belongs to (with --calibration)")
    Path config;

    @Option(names = "--calibration", description = "calibration config written by 'quantize' (calibration.json; with --config)")
    Path calibration;

    /** Whether either option was given. */
    public boolean anyGiven() {
        return config != null || calibration != null;
    }

    /**
     * The quantizer's config, checked against {@code arch} for {@code data}, or null when neither option was given.
     *
     * @throws UsageException when only one of the two is given, or the config is invalid or names no quantizer
     */
    public CompressionConfig read(AlgorithmRegistry registry, String arch, DataSpec data) {
        if ((config == null) != (calibration == null)) {
            throw new UsageException(config == null ? "--calibration needs --config naming the quantizer it belongs to"
                    : "--config needs --calibration (the calibration.json that 'quantize' wrote with it)");
        }
        return config == null ? null : CompressionConfig.read(config, registry, AlgorithmKind.QUANTIZER,
                Models.configCheck(arch, data, c -> false));
    }

    /**
     * {@code cfg}'s quantizer over {@code model}, compressed, with the calibration file loaded; the caller closes it.
     *
     * @throws UsageException when the calibration file is missing or does not fit the quantizer
     */
    public Quantizer restore(Module model, CompressionConfig cfg, DataSpec data) throws IOException {
        if (!Files.isRegularFile(calibration)) {
            throw new UsageException("calibration file " + calibration + " does not exist");
        }
        Quantizer q = CompressorFactory.create(cfg, model, null, data.inputShape(1), Quantizer.class);
        try {
            try {
                q.loadCalibrationConfig(calibration);
            } catch (IllegalArgumentException e) {
                throw new UsageException(Messages.oneLine(e.getMessage()), e);
            }
            return q;
        } catch (RuntimeException | IOException e) {
            q.close();
            throw e;
        }
    }
}
