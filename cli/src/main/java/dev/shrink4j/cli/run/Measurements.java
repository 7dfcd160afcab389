package dev.shrink4j.cli.run;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.stats.FlopCounter;
import dev.shrink4j.workbench.stats.ModelProfiler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** What the results table measures of a model: nonzero parameters, effective FLOPs, compressed size. */
public final class Measurements {

    private Measurements() {
    }

    /**
     * Parameters as forward sees them (parametrizations such as pruning masks applied): how many
     * scalars are nonzero, and how many there are.
     *
     * @return {@code {nonzero, total}}
     */
    public static long[] nonzeroParams(Module model) {
        long nonzero = 0;
        long total = 0;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Module m : model.namedModules().values()) {
                for (String name : m.namedParameters().keySet()) {
                    if (name.contains(".")) {
                        continue; // a child's parameter, counted with the child
                    }
                    Tensor value = m.isParametrized(name) ? m.parametrized(name) : m.getParameter(name);
                    nonzero += value.count_nonzero().item_long();
                    total += value.numel();
                }
            }
        }
        return new long[] {nonzero, total};
    }

    /**
     * Per convolution and linear layer, in model order: the share of its weight elements that are zero
     * as forward computes with them (pruning masks and quantization applied). The same measure for
     * every method, so that a pruner's masks and a quantizer's rounding to zero compare on one chart. A layer
     * without a weight of its own (a low-rank pair standing in a Conv2d's place) is left out; its children count.
     */
    public static Map<String, Double> layerZeroShare(Module model) {
        Map<String, Double> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            model.namedModules().forEach((name, m) -> {
                if (m instanceof Conv2d || m instanceof Linear) {
                    Tensor w = m.isParametrized("weight") ? m.parametrized("weight") : m.getParameter("weight");
                    if (w != null) { // a composite in a layer's place (a low-rank pair): its children are listed
                        out.put(name, 1.0 - w.count_nonzero().item_long() / (double) w.numel());
                    }
                }
            });
        }
        return out;
    }

    /**
     * Multiply-accumulates of one forward of one sample ({@link ModelProfiler}'s conventions), with
     * each convolution and linear layer counted at the share of its weights that are nonzero: a layer
     * with 90% of its weights masked costs 10% of its dense MACs (filters removed whole, likewise).
     */
    public static long effectiveFlops(Module model, long[] inputShape) {
        Map<Class<? extends Module>, FlopCounter> dense = ModelProfiler.defaultCounters();
        ModelProfiler profiler = new ModelProfiler();
        for (Class<? extends Module> type : java.util.List.of(Conv2d.class, Linear.class)) {
            FlopCounter base = dense.get(type);
            profiler.withCounter(type, (module, x, y) -> {
                Tensor w = module.parametrized("weight");
                double share = w.count_nonzero().item_long() / (double) w.numel();
                return Math.round(base.count(module, x, y) * share);
            });
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return profiler.run(model, inputShape).totalFlops();
        }
    }

    /** The dense FLOPs of one forward of one sample. */
    public static long denseFlops(Module model, long[] inputShape) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return ModelProfiler.profile(model, inputShape).totalFlops();
        }
    }

    /** The size of {@code file} after gzip (default level): what it costs to store or ship. */
    public static long gzipSize(Path file) {
        CountingStream counter = new CountingStream();
        try (InputStream in = Files.newInputStream(file); GZIPOutputStream gz = new GZIPOutputStream(counter, 1 << 16)) {
            in.transferTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException("could not compress " + file, e);
        }
        return counter.count;
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
