package dev.shrink4j.onnx;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Helpers of the ONNX tests. */
final class OnnxTesting {

    private OnnxTesting() {
    }

    /**
     * Gives every batch norm random affine parameters, γ ~ U(0.5, 1.5) and β ~ N(0, 0.2), and running statistics
     * of the model's own activations (20 training-mode forwards of random batches shaped like {@code x}): a fresh
     * model's batch norms are an identity up to eps, which would hide a wrong mapping, and random statistics make a
     * deep network's outputs explode.
     */
    static void randomizeBatchNorms(Module model, Tensor x) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Module m : model.namedModules().values()) {
                if (m instanceof BatchNorm bn && bn.affine()) {
                    bn.weight().uniform_(0.5, 1.5, new GeneratorOptional());
                    bn.bias().normal_(0, 0.2, new GeneratorOptional());
                }
            }
            boolean training = model.isTraining();
            model.train();
            for (int i = 0; i < 20; i++) {
                try (PointerScope step = new PointerScope()) {
                    model.call(torch.randn_like(x));
                }
            }
            model.train(training);
        }
    }

    /** The eval-mode output of {@code model} on {@code x}, as floats. */
    static float[] evalOutput(Module model, Tensor x) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            boolean training = model.isTraining();
            model.eval();
            try {
                return values(model.call(x));
            } finally {
                model.train(training);
            }
        }
    }

    static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    static ModelProto read(Path file) throws IOException {
        return ModelProto.parseFrom(Files.readAllBytes(file));
    }

    /** The initializers by name. */
    static Map<String, TensorProto> initializers(ModelProto model) {
        Map<String, TensorProto> out = new LinkedHashMap<>();
        model.getGraph().getInitializerList().forEach(t -> out.put(t.getName(), t));
        return out;
    }

    /** The metadata_props as a map. */
    static Map<String, String> metadata(ModelProto model) {
        Map<String, String> out = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
