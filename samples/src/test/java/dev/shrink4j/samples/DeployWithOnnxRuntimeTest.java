package dev.shrink4j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.onnx.OnnxModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class DeployWithOnnxRuntimeTest {

    @Test
    void onnxRuntimeComputesWhatLibtorchComputes(@TempDir Path out) throws Exception {
        DeployWithOnnxRuntime.Result r = DeployWithOnnxRuntime.run(SampleTesting.tiny(out));
        assertEquals(DeployWithOnnxRuntime.IMAGES * 10, r.onnxLogits().length);
        double diff = 0;
        for (int i = 0; i < r.onnxLogits().length; i++) {
            diff = Math.max(diff, Math.abs(r.libtorchLogits()[i] - r.onnxLogits()[i]));
        }
        assertTrue(diff < 1e-4, "max logit difference " + diff);
        assertEquals(SampleTesting.LIMIT, r.onnx().samples());
        assertEquals(r.libtorch().accuracy(), r.onnx().accuracy(), "the same predictions");
        try (OnnxModel model = OnnxModel.load(r.file())) {
            ModelMetadata md = model.metadata();
            assertEquals("lenet5", md.arch().orElseThrow());
            assertEquals(0.3530, md.normalization().orElseThrow().std(0), 1e-12);
        }
    }
}
