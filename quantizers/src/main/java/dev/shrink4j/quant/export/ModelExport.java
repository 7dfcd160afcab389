package dev.shrink4j.quant.export;

import com.google.gson.JsonObject;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/** Writes a model file together with its calibration file, with nothing half-done. */
public final class ModelExport {

    private ModelExport() {
    }

    /**
     * Writes {@code stateDict} as safetensors to {@code modelPath} and, when {@code calibrationPath} is
     * not null, {@code calibration} as JSON to it. The model goes to a temporary file first; only when
     * it is complete is the calibration file written (atomically), and then the model's temporary file
     * is renamed into place. So a failure while writing either file leaves the model target as it was
     * and no temporary file behind, and a calibration file is only ever replaced by a complete one.
     */
    public static void writeModel(Map<String, Tensor> stateDict, Path modelPath, JsonObject calibration,
            Path calibrationPath) throws IOException {
        writeModel(stateDict, Map.of(), modelPath, calibration, calibrationPath);
    }

    /** As {@link #writeModel(Map, Path, JsonObject, Path)}, with {@code metadata} in the model file's header. */
    public static void writeModel(Map<String, Tensor> stateDict, Map<String, String> metadata, Path modelPath,
            JsonObject calibration, Path calibrationPath) throws IOException {
        Objects.requireNonNull(stateDict, "stateDict");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(modelPath, "modelPath");
        String json = calibrationPath == null ? null
                : CalibrationConfig.toJson(Objects.requireNonNull(calibration, "calibration"));
        AtomicFiles.write(modelPath, tmp -> {
            SafeTensors.save(stateDict, metadata, tmp);
            if (json != null) {
                AtomicFiles.writeString(calibrationPath, json);
            }
        });
    }
}
