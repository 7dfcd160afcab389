package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.options.CalibrationOptions;
import dev.shrink4j.cli.options.RecordedModelOptions;
import dev.shrink4j.cli.report.ResultsTable;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Messages;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.OnnxExports;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.graph.speedup.ShrunkModels;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.onnx.ExportedModel;
import dev.shrink4j.onnx.OnnxExportException;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.quant.Quantizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j export}: writes saved weights as one deployable file, atomically. {@code --format onnx}: an ONNX
 * file for ONNX Runtime ({@link dev.shrink4j.onnx.OnnxExporter}; QDQ int8 with {@code --config} naming a quantizer
 * and {@code --calibration} its calibration, as {@code evaluate} reloads them); {@code --format safetensors}: the
 * state dict (a shrunk model's with its layer widths; with a quantizer, its integer weights). The architecture,
 * dataset and input normalisation come from the weights file's metadata unless {@code --arch}/{@code --data} are
 * given, and go into the written file's metadata with the algorithm and config. {@code --model F.onnx} imports the
 * model from an ONNX file (its own weights unless {@code --weights} names some): {@code export --model in.onnx
 * --format onnx --out out.onnx} writes what {@code in.onnx} computes.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write saved weights as one deployable file: ONNX (for ONNX Runtime) or safetensors.")
public final class ExportCommand extends Subcommand {

    /** The formats {@code --format} takes. */
    enum Format { onnx, safetensors }

    @Mixin
    RecordedModelOptions model;

    @Option(names = "--weights", description = "weights (safetensors): trained, pruned (masked or shrunk), "
            + "or quantize's full-precision model.safetensors with --config and --calibration; optional with --model "
            + "(default: the ONNX file's own weights)")
    Path weights;

    /** With a quantizer: onnx writes QDQ int8, safetensors its integer weights. */
    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--format", required = true, description = "onnx or safetensors")
    Format format;

    @Option(names = "--out", required = true, description = "the file to write (atomically)")
    Path out;

    @Override
    int run() throws IOException {
        if (Files.isDirectory(out)) {
            throw new UsageException("--out " + out + " is a directory; export writes one file, e.g. " + out.resolve("model." + format));
        }
        RecordedModelOptions.Resolved resolved = model.resolve(weights);
        String archName = resolved.arch();
        DataSpec dataSpec = resolved.data();
        ModelMetadata recorded = resolved.recorded();
        CompressionConfig cfg = calibration.read(registry(), archName, dataSpec);
        ModelMetadata metadata = resolved.rewritten();
        if (cfg != null) {
            metadata = metadata.withAlgorithm(cfg.spec().name(), cfg.toJson());
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        String what;
        try (Module net = Models.load(archName, dataSpec, weights);
             Quantizer quantizer = cfg == null ? null : calibration.restore(net, cfg, dataSpec)) {
            what = format == Format.onnx ? exportOnnx(net, dataSpec, metadata, quantizer)
                    : exportSafeTensors(net, metadata, quantizer, recorded);
        }
        PrintWriter console = console();
        console.println("wrote " + out + " (" + what + ", " + ResultsTable.humanBytes(Files.size(out)) + ")");
        return ExitCodes.OK;
    }

    private String exportOnnx(Module net, DataSpec dataSpec, ModelMetadata metadata, Quantizer quantizer) throws IOException {
        ExportedModel m;
        try {
            m = OnnxExports.export(net, dataSpec, metadata, quantizer, out);
        } catch (OnnxExportException e) {
            throw new UsageException("--format onnx: " + (weights != null ? weights : "the imported model") + " cannot be written as ONNX: " + Messages.oneLine(e.getMessage()), e);
        }
        return "ONNX, " + m.nodeCount() + " nodes, " + m.metadata().contents().orElse("?")
                + m.metadata().get(OnnxExporter.QUANTIZATION_NOTE).map(n -> "; " + Messages.oneLine(n)).orElse("");
    }

    private String exportSafeTensors(Module net, ModelMetadata metadata, Quantizer quantizer, ModelMetadata recorded)
            throws IOException {
        if (quantizer != null) {
            try {
                quantizer.exportInt8(out, metadata);
            } catch (UnsupportedOperationException e) {
                throw new UsageException("--format safetensors: " + Messages.oneLine(e.getMessage())
                        + "; --format onnx writes its fake-quantized weights", e);
            }
            return "safetensors, " + ModelMetadata.INT8_WEIGHTS;
        }
        if (recorded.layerWidths().isPresent()) {
            try (PointerScope scope = new PointerScope()) {
                ShrunkModels.save(net, metadata, out);
            }
            return "safetensors, " + ModelMetadata.SHRUNK_WEIGHTS;
        }
        String contents = recorded.contents().orElse(ModelMetadata.WEIGHTS);
        try (PointerScope scope = new PointerScope()) {
            SafeTensors.save(net.stateDict(), metadata.withContents(contents).asMap(), out);
        }
        return "safetensors, " + contents;
    }
}
