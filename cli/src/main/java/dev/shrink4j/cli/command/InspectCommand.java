package dev.shrink4j.cli.command;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.cli.options.InputAdaptOptions;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.LayerSelection;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.stats.LayerProfile;
import dev.shrink4j.workbench.stats.ModelProfile;
import dev.shrink4j.workbench.stats.ModelProfiler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shrink4j inspect}: a model's layers with types, output shapes, parameters and FLOPs, its
 * state-dict keys with shapes, and with {@code --config} which config entry each layer gets. With
 * {@code --graph}, {@code --groups} or {@code --graph-dot F} it shows the model's traced graph instead
 * ({@link ModelGraph}: one line per leaf-module call with the shapes of its inputs and output), its channel
 * dependency groups ({@link DependencyGroups}: which layers must remove the same channels, and which channels are
 * pinned), and writes the graph as Graphviz DOT. {@code --weights} may be a shrunk model's file. {@code --model F.onnx}
 * shows the same for a model imported from an ONNX file (with the file's weights unless {@code --weights} is given).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's layers, shapes, parameters, FLOPs and state-dict keys.")
public final class InspectCommand extends Subcommand {

    @Option(names = "--arch", description = "model architecture: lenet5, vgg, resnet20, resnet32, resnet56, mobilenetv2; "
            + "this or --model is needed")
    String arch;

    @Option(names = "--model", paramLabel = "F.onnx", description = "import the model from an ONNX file (e.g. one "
            + "torch.onnx.export wrote) instead of --arch; its input shape and class count must fit --data")
    Path model;

    @Option(names = "--data", defaultValue = "fashion-mnist",
            description = "dataset the model is sized for (input channels, image size, classes): fashion-mnist, mnist, cifar10 (default: ${DEFAULT-VALUE})")
    String data;

    @Mixin
    InputAdaptOptions adaptation;

    @Option(names = "--weights", description = "safetensors state dict to load (checked against the model)")
    Path weights;

    @Option(names = "--config", description = "config file: also show which config entry each layer gets")
    Path config;

    @Option(names = "--json", description = "print JSON instead of tables")
    boolean json;

    @Option(names = "--graph", description = "print the traced graph instead of the layer table: one line per module call, "
            + "with the shapes of its inputs and output")
    boolean graph;

    @Option(names = "--groups", description = "print the channel dependency groups instead of the layer table: the layers "
            + "that must remove the same channels, and the channels that cannot be removed")
    boolean groups;

    @Option(names = "--graph-dot", paramLabel = "FILE", description = "write the traced graph as Graphviz DOT to FILE "
            + "(render with: dot -Tsvg FILE)")
    Path graphDot;

    @Override
    int run() throws IOException {
        DataSpec dataSpec = adaptation.adapt(DataSpec.of(data));
        String arch = Models.archOrModel(this.arch, this.model);
        if (arch == null) {
            throw new UsageException("--arch (a zoo model) or --model F.onnx (an imported model) is needed");
        }
        boolean showGraph = graph || groups || graphDot != null;
        if (showGraph && (json || config != null)) {
            throw new UsageException((json ? "--json" : "--config") + " shows the layer table; it does not go with --graph, "
                    + "--groups or --graph-dot");
        }
        CompressionConfig cfg = config == null ? null : CompressionConfig.read(config, registry(), null,
                Models.configCheck(arch, dataSpec, c -> true));
        try (Module model = weights == null ? Models.create(arch, dataSpec) : Models.load(arch, dataSpec, weights)) {
            if (showGraph) {
                showGraph(model, dataSpec);
                return ExitCodes.OK;
            }
            ModelProfile profile = ModelProfiler.profile(model, dataSpec.inputShape(1));
            PrintWriter out = console();
            Map<String, Tensor> stateDict = model.stateDict();
            if (json) {
                JsonObject root = new JsonObject();
                root.addProperty("arch", arch);
                root.addProperty("data", dataSpec.cliName());
                root.add("input_shape", longs(profile.inputShape()));
                root.add("output_shape", longs(profile.outputShape()));
                JsonArray layers = new JsonArray();
                for (LayerProfile l : profile.layers()) {
                    JsonObject o = new JsonObject();
                    o.addProperty("name", l.name());
                    o.addProperty("type", l.type());
                    o.add("output_shape", longs(l.outputShape()));
                    o.addProperty("params", l.params());
                    o.addProperty("flops", l.flops());
                    layers.add(o);
                }
                root.add("layers", layers);
                root.addProperty("total_params", profile.totalParams());
                root.addProperty("total_flops", profile.totalFlops());
                JsonObject keys = new JsonObject();
                stateDict.forEach((k, t) -> keys.add(k, longs(Arrays.stream(t.shape()).boxed().toList())));
                root.add("state_dict", keys);
                if (cfg != null) {
                    root.add("config", assignment(model, cfg, dataSpec));
                }
                out.println(new GsonBuilder().setPrettyPrinting().create().toJson(root));
            } else {
                out.printf("%s for %s, input %s%n%n", arch, dataSpec.cliName(), profile.inputShape());
                out.print(profile.toTable());
                out.println();
                out.println("state dict:");
                int width = stateDict.keySet().stream().mapToInt(String::length).max().orElse(0);
                stateDict.forEach((k, t) -> out.printf("  %-" + width + "s  %s%n", k, Arrays.toString(t.shape())));
                if (cfg != null) {
                    out.println();
                    out.printf("config %s (%s \"%s\"):%n", cfg.source(), cfg.spec().kind().key(), cfg.spec().name());
                    out.print(withCompressor(model, cfg, dataSpec, Compressor::describe));
                }
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** {@code --graph}, {@code --groups}, {@code --graph-dot}: the model traced on one zero sample of the dataset. */
    private void showGraph(Module model, DataSpec dataSpec) throws IOException {
        PrintWriter out = console();
        try (PointerScope scope = new PointerScope()) {
            ModelGraph traced = ModelGraph.trace(model, torch.zeros(dataSpec.inputShape(1)));
            if (graph) {
                out.print(traced);
            }
            if (groups) {
                DependencyGroups g = DependencyGroups.of(traced);
                out.printf("%d dependency groups, %d prunable%n", g.groups().size(), g.prunableGroups().size());
                out.print(g);
            }
            if (graphDot != null) {
                AtomicFiles.writeString(graphDot, traced.toDot());
                out.printf("wrote %s (%d nodes, %d edges)%n", graphDot, traced.nodes().size(), traced.edges().size());
            }
        }
        out.flush();
    }

    private static JsonObject assignment(Module model, CompressionConfig cfg, DataSpec dataSpec) {
        JsonObject out = new JsonObject();
        out.addProperty("file", cfg.source());
        out.addProperty(cfg.spec().kind().key(), cfg.spec().name());
        out.add("layers", withCompressor(model, cfg, dataSpec, c -> {
            JsonObject layers = new JsonObject();
            for (LayerSelection s : c.getModulesToCompress()) {
                layers.addProperty(s.layer().name(), "config_list[" + s.config().index() + "]");
            }
            return layers;
        }));
        return out;
    }

    /** What {@code f} reads off the config's compressor over {@code model}; the compressor is closed after. */
    private static <T> T withCompressor(Module model, CompressionConfig cfg, DataSpec dataSpec, Function<Compressor, T> f) {
        // An optimizer as training would have one: some algorithms (LSQ) refuse to work without.
        try (Sgd sgd = Sgd.builder().setLearningRate(0.01).build(model.parameters());
             Compressor c = CompressorFactory.create(cfg, model, sgd, dataSpec.inputShape(1), Compressor.class)) {
            return f.apply(c);
        }
    }

    private static JsonArray longs(java.util.List<Long> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }
}
