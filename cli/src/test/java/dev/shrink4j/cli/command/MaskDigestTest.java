package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code prune --epochs 0} with every pruner's example config ({@code configs/<name>.json}) on fixed weights
 * and fixed data gives exactly the masks it gave before the algorithms moved out of the command line: the
 * SHA-256 of the masks (name, shape and values of each, in file order) is checked in
 * ({@code mask-digests.properties}, recorded with the code before the move and equal after it). A change
 * in any pruner's ranking, tie-breaking or statistics pass changes a digest.
 *
 * <p>Fixed inputs: LeNet-5 (ResNet-20 for {@code slim}, which needs batch norm) initialised under seed 7,
 * batch-norm scales drawn uniformly under the same seed so that slimming has no ties; {@link TinyIdx}'s 40
 * training images in batches of 8. The digests hold for one libtorch build on one kind of CPU: the data-driven
 * pruners rank sums of floating-point products. After an intended change, or on another CPU, the digests of
 * this run are in {@code target/mask-digests.actual.properties}.
 */
class MaskDigestTest {

    private static final Path CONFIGS = Path.of("..", "configs");
    private static final Path ACTUAL = Path.of("target", "mask-digests.actual.properties");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"level", "l1-filter", "l2-filter", "fpgm", "slim", "taylor-fo", "apoz", "mean-activation",
            "agp", "lottery-ticket"})
    void masksOfEveryPrunerAreUnchanged(String pruner) throws Exception {
        String arch = pruner.equals("slim") ? "resnet20" : "lenet5";
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path out = dir.resolve("run");
        CliTests.Result r = CliTests.run("prune", "--arch", arch, "--weights", weights(arch).toString(), "--config",
                CONFIGS.resolve(pruner + ".json").toString(), "--data-dir", data.toString(), "--batch-size", "8",
                "--epochs", "0", "--out", out.toString());
        r.assertSucceeded();
        String digest = digest(out.resolve("masks.safetensors"));
        record(pruner, digest);
        String expected = expected().getProperty(pruner);
        assertNotNull(expected, "no checked-in digest for " + pruner);
        assertEquals(expected, digest, pruner + ": the masks changed (this run's digests: " + ACTUAL + ")");
    }

    /** A fresh model of {@code arch} under seed 7, batch-norm scales uniform in [0, 1), saved to a file. */
    private Path weights(String arch) throws IOException {
        Path w = dir.resolve(arch + ".safetensors");
        torch.manual_seed(7);
        try (PointerScope s = new PointerScope(); Module m = ModelZoo.create(arch, 1, 10)) {
            Map<String, Tensor> state = m.stateDict();
            try (NoGradGuard g = new NoGradGuard()) {
                state.forEach((name, t) -> {
                    if (name.endsWith(".weight") && t.dim() == 1) {
                        t.copy_(torch.rand_like(t));
                    }
                });
            }
            SafeTensors.save(state, w);
        }
        return w;
    }

    /** SHA-256 over each mask's name, shape and float32 values (little-endian), in file order. */
    static String digest(Path masks) throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (PointerScope s = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : SafeTensors.load(masks).entrySet()) {
                Tensor t = e.getValue().to(torch.ScalarType.Float).contiguous();
                sha.update((e.getKey() + java.util.Arrays.toString(t.shape()) + "\n").getBytes(StandardCharsets.UTF_8));
                float[] values = new float[(int) t.numel()];
                t.data_ptr_float().get(values);
                ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                sha.update(bytes.array());
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static Properties expected() throws IOException {
        Properties p = new Properties();
        try (InputStream in = MaskDigestTest.class.getResourceAsStream("/mask-digests.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return p;
    }

    /** Appends this run's digest to {@link #ACTUAL}, so that intended changes can be recorded. */
    private static synchronized void record(String pruner, String digest) throws IOException {
        Files.createDirectories(ACTUAL.getParent());
        try (Writer w = Files.newBufferedWriter(ACTUAL, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(pruner + "=" + digest + "\n");
        }
    }
}
