package dev.shrink4j.onnx;

import dev.shrink4j.workbench.stats.ModelProfiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The numbers for the README: the shared {@code resnet18.onnx} (PyTorch's export) imported, L1-filter pruned at 50%
 * dependency-aware, shrunk and exported; parameters, FLOPs (one 3×32×32 sample) and ONNX Runtime latency (2 intra-op
 * threads) of the dense export and the shrunk one at batch 1 and 64. Blocks of runs alternate between the two files so
 * that load drifting over time hits both; the report is the median block and the median ratio of paired blocks. Not a test: runs only with
 * {@code -Dshrink4j.bench=true} ({@code mvn -o test -pl onnx -am -Dtest=ImportedResNet18Bench -Dshrink4j.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}).
 */
@EnabledIfSystemProperty(named = "shrink4j.bench", matches = "true")
class ImportedResNet18Bench {

    @TempDir
    Path dir;

    @Test
    void measure() throws IOException {
        Path models = SharedModels.require();
        Path dense = dir.resolve("resnet18-dense.onnx");
        Path shrunk = dir.resolve("resnet18-shrunk.onnx");
        long[] params = new long[2];
        long[] flops = new long[2];
        try (ImportedModel model = OnnxImporter.load(models.resolve("resnet18.onnx"))) {
            OnnxExporter.builder().setModel(model).setInputShape(model.inputShape()).build().export(dense);
            params[0] = model.parameterCount();
            flops[0] = ModelProfiler.profile(model, 1, 3, 32, 32).totalFlops();
            OnnxImporterTest.pruneHalfAndShrink(model, new LinkedHashMap<>());
            OnnxExporter.builder().setModel(model).setInputShape(model.inputShape()).build().export(shrunk);
            params[1] = model.parameterCount();
            flops[1] = ModelProfiler.profile(model, 1, 3, 32, 32).totalFlops();
        }
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "load before: %s%n", Files.readString(Path.of("/proc/loadavg")).trim()));
        report.append(String.format(Locale.ROOT, "params dense %d shrunk %d (%.3f); FLOPs dense %d shrunk %d (%.3f); file %d -> %d bytes%n",
                params[0], params[1], (double) params[1] / params[0], flops[0], flops[1], (double) flops[1] / flops[0],
                Files.size(dense), Files.size(shrunk)));
        try (OnnxModel d = OnnxModel.load(dense, 2); OnnxModel s = OnnxModel.load(shrunk, 2)) {
            for (int batch : new int[] {1, 64}) {
                int runs = batch == 1 ? 200 : 5;
                int blocks = 9;
                double[][] ms = new double[2][blocks];
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = torch.randn(batch, 3, 32, 32);
                    for (int b = -1; b < blocks; b++) {
                        double td = block(d, x, runs);
                        double ts = block(s, x, runs);
                        if (b >= 0) {
                            ms[0][b] = td;
                            ms[1][b] = ts;
                        }
                    }
                }
                double md = median(ms[0]);
                double msh = median(ms[1]);
                // each block of the shrunk model is timed right after one of the dense model: their ratio cancels slow drift
                double[] paired = new double[blocks];
                for (int b = 0; b < blocks; b++) {
                    paired[b] = ms[0][b] / ms[1][b];
                }
                report.append(String.format(Locale.ROOT, "batch %d: ORT dense %.3f ms, shrunk %.3f ms (medians of %d blocks of %d runs),"
                        + " speed-up %.2fx (median of paired blocks %.2fx)%n", batch, md, msh, blocks, runs, md / msh, median(paired)));
            }
        }
        report.append(String.format(Locale.ROOT, "load after: %s%n", Files.readString(Path.of("/proc/loadavg")).trim()));
        System.out.print(report);
        Files.writeString(Path.of("target/imported-resnet18-bench.txt"), report.toString());
    }

    private static double block(OnnxModel m, Tensor x, int runs) {
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            try (PointerScope s = new PointerScope()) {
                m.run(x);
            }
        }
        return (System.nanoTime() - t0) / 1e6 / runs;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
