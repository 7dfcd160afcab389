package dev.shrink4j.onnx;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.shrink4j.nn.io.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;

/**
 * The ONNX files exported by real PyTorch in the shared models folder ({@code make_models.py} there) and their
 * {@code expected.json}. CI may lack the folder: {@link #require()} then skips the test.
 */
final class SharedModels {

    private SharedModels() {
    }

    /** The folder: /work/shared/models, or ../shared/models or ../../shared/models from the module directory. */
    static Optional<Path> find() {
        for (String candidate : List.of("/work/shared/models", "../shared/models", "../../shared/models")) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p.resolve("expected.json"))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The folder, or a skipped test when it is absent. */
    static Path require() {
        Optional<Path> dir = find();
        Assumptions.assumeTrue(dir.isPresent(), "the shared models folder (../shared/models) is absent");
        return dir.get();
    }

    /** expected.json's entry for {@code model}. */
    static JsonObject expected(Path dir, String model) throws IOException {
        return StrictJson.parse(Files.readString(dir.resolve("expected.json"))).getAsJsonObject().getAsJsonObject(model);
    }

    /** {@code torch.linspace(-1, 1, N).reshape(shape)} for the entry's input shape. */
    static Tensor input(JsonObject entry) {
        JsonArray s = entry.getAsJsonArray("input_shape");
        long[] shape = new long[s.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).getAsLong();
            n *= shape[i];
        }
        return torch.linspace(new Scalar(-1.0), new Scalar(1.0), n).reshape(shape);
    }

    /** The entry's logits, flattened row by row. */
    static float[] logits(JsonObject entry) {
        JsonArray rows = entry.getAsJsonArray("logits");
        int width = rows.get(0).getAsJsonArray().size();
        float[] out = new float[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < width; c++) {
                out[r * width + c] = rows.get(r).getAsJsonArray().get(c).getAsFloat();
            }
        }
        return out;
    }
}
