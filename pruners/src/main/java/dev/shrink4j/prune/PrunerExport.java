package dev.shrink4j.prune;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.TensorChecks;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes a pruner's result and re-applies it. Both files are safetensors with PyTorch's names and
 * are written atomically (temp file + rename), so a crash never leaves a half-written model:
 * <ul>
 *   <li>the model file holds the state dict with every pruned weight and bias multiplied by its
 *       mask, under the original keys ({@code conv1.weight}), loadable by plain PyTorch;</li>
 *   <li>the mask file holds {@code <layer>.weight_mask} and {@code <layer>.bias_mask}.</li>
 * </ul>
 * Both carry {@link ModelMetadata} ({@code __metadata__}): the version, the algorithm and its config,
 * what the caller adds (architecture, input normalisation) and their {@code contents}
 * ({@value ModelMetadata#MASKED_WEIGHTS}, {@value ModelMetadata#MASKS}).
 *
 * <p>Reloading: the model file alone, loaded strictly into a fresh model of the same architecture,
 * computes exactly what the pruned model computes (its masked values are what the masked forward
 * multiplied in); {@link #applyCompressionResults} with the mask file on top changes nothing
 * (masks are 0/1), and is how masks are applied to other weights of that architecture.
 */
public final class PrunerExport {

    private PrunerExport() {
    }

    /** Writes the masked weights to {@code modelPath} and the masks to {@code maskPath} (NNI's {@code export_model}). */
    public static void exportModel(Pruner pruner, Path modelPath, Path maskPath) throws IOException {
        exportModel(pruner, modelPath, maskPath, ModelMetadata.empty());
    }

    /**
     * Writes the masked weights to {@code modelPath} and the masks to {@code maskPath} (skipped when
     * null), each with {@code metadata} completed by {@link Pruner#exportMetadata} and its contents.
     */
    public static void exportModel(Pruner pruner, Path modelPath, Path maskPath, ModelMetadata metadata) throws IOException {
        ModelMetadata meta = pruner.exportMetadata(metadata);
        try (PointerScope scope = new PointerScope()) {
            SafeTensors.save(pruner.maskedStateDict(), meta.withContents(ModelMetadata.MASKED_WEIGHTS).asMap(), modelPath);
            if (maskPath != null) {
                SafeTensors.save(pruner.masks(), meta.withContents(ModelMetadata.MASKS).asMap(), maskPath);
            }
        }
    }

    /**
     * Multiplies the weights (and biases) of a fresh {@code model} by the masks in {@code maskPath}, in
     * place (NNI's {@code apply_compression_results}). Every mask must name a layer of the model with
     * a parameter of the mask's shape and dtype (no silent cast) and hold only 0 and 1; all problems
     * are reported in one exception, and then no weight changes.
     *
     * @return the number of masks applied
     * @throws IllegalArgumentException naming the file and, per problem, the mask key (and an offending value)
     * @throws dev.shrink4j.nn.io.SafeTensorsException naming the file when it is not a valid safetensors file
     */
    public static int applyCompressionResults(Module model, Path maskPath) throws IOException {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Map<String, Tensor> masks = SafeTensors.load(maskPath);
            Map<String, Tensor> params = model.namedParameters();
            List<String> errors = new ArrayList<>();
            Map<Tensor, Tensor> toApply = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : masks.entrySet()) {
                String key = e.getKey();
                String paramKey = key.endsWith("." + Pruner.WEIGHT_MASK) ? key.substring(0, key.length() - 5)
                        : key.endsWith("." + Pruner.BIAS_MASK) ? key.substring(0, key.length() - 5) : null;
                Tensor param = paramKey == null ? null : params.get(paramKey);
                if (paramKey == null) {
                    errors.add(key + ": not a weight_mask or bias_mask key");
                } else if (param == null) {
                    errors.add(key + ": the model has no parameter \"" + paramKey + "\"");
                } else if (!Arrays.equals(param.shape(), e.getValue().shape())) {
                    errors.add(key + ": mask has shape " + Arrays.toString(e.getValue().shape()) + ", "
                            + paramKey + " has " + Arrays.toString(param.shape()));
                } else {
                    String dtype = TensorChecks.dtypeMismatch(e.getValue(), "mask", param, paramKey);
                    String values = TensorChecks.nonBinary(e.getValue());
                    if (dtype != null) {
                        errors.add(key + ": " + dtype);
                    }
                    if (values != null) {
                        errors.add(key + ": " + values);
                    }
                    if (dtype == null && values == null) {
                        toApply.put(param, e.getValue());
                    }
                }
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException(maskPath + " does not fit " + model.typeName() + ":\n  "
                        + String.join("\n  ", errors));
            }
            toApply.forEach(Tensor::mul_);
            return toApply.size();
        }
    }
}
