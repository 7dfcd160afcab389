package dev.shrink4j.onnx;

import dev.shrink4j.graph.GraphNode;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.OperatorSetIdProto;
import dev.shrink4j.onnx.proto.OnnxProtos.StringStringEntryProto;
import dev.shrink4j.quant.Quantizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a model as an ONNX file (opset {@value #OPSET}, IR version {@value #IR_VERSION}) that ONNX Runtime and
 * any other ONNX consumer run without shrink4j code.
 *
 * <pre>{@code
 * OnnxExporter.builder().setModel(model).setInputShape(1, 28, 28)
 *         .optMetadata(ModelMetadata.empty().withArch("lenet5").withNormalization(n))
 *         .build().export(Path.of("lenet5.onnx"));
 * }</pre>
 *
 * <p><b>What is exported.</b> Whatever {@link ModelGraph#trace} sees in one evaluation-mode forward pass of an
 * example input of the given shape (batch 1): every call of a leaf module becomes ONNX nodes in call order —
 * {@code Conv2d} → {@code Conv} (with {@code group}), {@code Linear} → {@code Gemm} (2-D inputs; else
 * {@code MatMul} + {@code Add}), {@code BatchNorm1d/2d} → {@code BatchNormalization} with the running statistics,
 * {@code ReLU} → {@code Relu}, {@code ReLU6} → {@code Clip(0, 6)}, {@code MaxPool2d} → {@code MaxPool},
 * {@code AvgPool2d} → {@code AveragePool}, {@code AdaptiveAvgPool2d} → {@code GlobalAveragePool} (output 1×1) or
 * {@code AveragePool} (input divisible by the output), {@code Flatten} → {@code Flatten}, {@code Add} →
 * {@code Add}, {@code Concat} → {@code Concat}, {@code ChannelPad} → {@code Slice} (subsampling) + {@code Pad}; the
 * importer's layers ({@code dev.shrink4j.onnx.layers}) {@code Clamp} → {@code Clip}, {@code Sigmoid},
 * {@code HardSigmoid}, {@code HardSwish} → themselves, {@code Elementwise} and {@code ConstantOperand} → {@code Add}
 * or {@code Mul}, {@code ChannelShuffle} → {@code Reshape} + {@code Transpose} + {@code Reshape}, {@code Pool2dFull}
 * → {@code MaxPool}/{@code AveragePool} with its ceil mode, dilations and {@code count_include_pad};
 * {@code Identity} and {@code Dropout} are elided. A subclass of these maps as its base unless it overrides
 * {@code forward}. Any other module is an {@link OnnxExportException} naming the module and its type.
 *
 * <p>Weights are those forward computes with: a pruned model's parameters through their masks
 * ({@code parametrized}), a shrunk model's smaller layers as they are. Initializers are named by their
 * state-dict keys ({@code layer1.0.conv1.weight}); the input is {@value #INPUT_NAME}, the output
 * {@value #OUTPUT_NAME}, and the first axis of both is the symbolic {@value #BATCH_AXIS}. {@code metadata_props}
 * holds the given {@link ModelMetadata} (architecture, input normalisation, algorithm, config), the shrink4j
 * version and what the weights are ({@value ModelMetadata#CONTENTS}).
 *
 * <p><b>Quantized models</b> ({@link Builder#optQuantizer}) export as QDQ, the form ONNX Runtime fuses into
 * integer kernels: weights on an affine integer grid are the int8/uint8 tensors of
 * {@link Quantizer#integerStateDict()} (the same integers as {@code model-int8.safetensors}, under the same keys
 * {@code <layer>.weight}, {@code .weight_scale}, {@code .weight_zero_point}) feeding a {@code DequantizeLinear},
 * per tensor or per channel (axis 0); quantized inputs and outputs get a {@code QuantizeLinear}/{@code
 * DequantizeLinear} pair with the quantizer's scale and zero point ({@link Quantizer#activationQParams}: QAT's EMA
 * ranges, the observer's min/max); QAT's folded batch norms are elided and the convolution gets the folded bias. A
 * batch norm right after a convolution with int8 weights is folded into that convolution's per-channel weight
 * scales and bias ({@link Builder#optFoldBatchNorms}): the same function up to float32 rounding, the same integers,
 * and the form ONNX Runtime runs in integers. A
 * bias whose layer has int8 weights and a per-tensor quantized input becomes int32 on the scale
 * {@code input_scale · weight_scale} (zero point 0), as ONNX Runtime's integer kernels need; that rounds it by at
 * most half a step of that scale ({@link Builder#optQuantizeBias}{@code (false)} keeps it float32, and the layer
 * then runs in float). Quantizers whose levels are no affine integer grid (DoReFa, BNN) export their
 * fake-quantized float32 weights (BNN's outputs as {@code sign}) and say so in the log and in the metadata entry
 * {@value #QUANTIZATION_NOTE}. The QDQ graph computes what the fake-quantized forward computes, except on exact
 * rounding ties: ONNX rounds {@code x / scale} before adding the zero point, shrink4j after.
 *
 * <p>The file is written atomically ({@link AtomicFiles}): a reader sees the old file or the complete new one.
 */
public final class OnnxExporter {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);

    /** The ONNX operator set version written. */
    public static final int OPSET = 17;
    /** The ONNX IR version written (ONNX 1.12 to 1.13; ONNX Runtime 1.23 reads it). */
    public static final int IR_VERSION = 8;
    /** The name of the graph input. */
    public static final String INPUT_NAME = "input";
    /** The name of the graph output. */
    public static final String OUTPUT_NAME = "logits";
    /** The symbolic name of the first (batch) axis of the input and output. */
    public static final String BATCH_AXIS = "batch";
    /** The producer name written. */
    public static final String PRODUCER = "shrink4j";
    /** Metadata key: why a quantized model's weights are float32 (DoReFa, BNN, quantizers without an integer grid). */
    public static final String QUANTIZATION_NOTE = "quantization_note";

    private final Module model;
    private final long[] inputShape;
    private final Quantizer quantizer;
    private final ModelMetadata metadata;
    private final boolean quantizeBias;
    private final boolean foldBatchNorms;
    private final boolean signedWeights;

    private OnnxExporter(Builder b) {
        this.model = b.model;
        this.inputShape = b.inputShape;
        this.quantizer = b.quantizer;
        this.metadata = b.metadata;
        this.quantizeBias = b.quantizeBias;
        this.foldBatchNorms = b.foldBatchNorms;
        this.signedWeights = b.signedWeights;
    }

    /** A builder: {@code setModel} and {@code setInputShape} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Traces the model and writes the ONNX file to {@code file} atomically (missing parent directories are
     * created).
     *
     * @throws OnnxExportException a module without ONNX mapping, or a quantizer state ONNX cannot express
     * @throws dev.shrink4j.graph.TraceException when the model cannot be traced
     * @throws IllegalStateException a quantizer that has not computed its qparams yet
     */
    public ExportedModel export(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        Built built = build();
        AtomicFiles.write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                built.proto().writeTo(out);
            }
        });
        LOG.info("wrote {} ({} ONNX nodes, {} initializers, contents {})", file, built.proto().getGraph().getNodeCount(),
                built.proto().getGraph().getInitializerCount(), built.metadata().contents().orElse("?"));
        return new ExportedModel(file, built.metadata(), built.proto().getGraph().getNodeCount());
    }

    /** The ONNX model's bytes (what {@link #export} writes). */
    public byte[] toByteArray() {
        return build().proto().toByteArray();
    }

    /** The ONNX model as protobuf (tests inspect it). */
    ModelProto toModelProto() {
        return build().proto();
    }

    private record Built(ModelProto proto, ModelMetadata metadata) {
    }

    private Built build() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            // the quantizer's state first: a trace in evaluation mode must not be what calibrates it
            QdqPlan plan = quantizer == null ? null : QdqPlan.of(quantizer);
            Tensor example = torch.zeros(LongStream.concat(LongStream.of(1), Arrays.stream(inputShape)).toArray());
            ModelGraph graph = ModelGraph.trace(model, example);
            warnAboutHooks(graph, plan);
            OnnxGraph onnx = new OnnxGraph(metadata.arch().orElse(model.typeName()));
            List<Long> in = graph.input().outputShape();
            onnx.input(INPUT_NAME, BATCH_AXIS, in);
            String result = new LayerTranslator(onnx, graph, plan, quantizeBias, foldBatchNorms, signedWeights)
                    .translate(INPUT_NAME);
            onnx.output(result, OUTPUT_NAME, BATCH_AXIS, graph.output().outputShape());

            ModelMetadata md = quantizer == null ? metadata : quantizer.exportMetadata(metadata);
            md = md.withContents(plan != null ? plan.contents() : parametrized() ? ModelMetadata.MASKED_WEIGHTS
                    : ModelMetadata.WEIGHTS);
            if (plan != null && plan.note().isPresent()) {
                md = md.with(QUANTIZATION_NOTE, plan.note().get());
                LOG.info("{}", plan.note().get());
            }
            ModelProto.Builder proto = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName(PRODUCER)
                    .setProducerVersion(ModelMetadata.shrink4jVersion())
                    .setDocString(model.typeName() + " exported by shrink4j")
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setGraph(onnx.build());
            for (Map.Entry<String, String> e : md.asMap().entrySet()) {
                proto.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
            }
            return new Built(proto.build(), md);
        }
    }

    /** Whether any parameter forward reads goes through a parametrization (a pruner's mask). */
    private boolean parametrized() {
        return model.namedModules().values().stream().anyMatch(m -> !m.parametrizedNames().isEmpty());
    }

    /** Hooks that change what a module computes are not in the ONNX graph; the quantizer's own are. */
    private void warnAboutHooks(ModelGraph graph, QdqPlan plan) {
        Set<String> explained = plan == null ? Set.of() : new HashSet<>(plan.hookedLayers());
        List<String> hooked = graph.moduleNodes().stream().map(GraphNode::module).distinct()
                .filter(m -> m.forwardHookCount() + m.forwardPreHookCount() > 0)
                .map(m -> graph.moduleNodes().stream().filter(n -> n.module() == m).findFirst().orElseThrow().moduleName())
                .filter(name -> !explained.contains(name)).collect(Collectors.toList());
        if (!hooked.isEmpty()) {
            LOG.warn("forward hooks on {} are not part of the ONNX graph: if they change what those modules compute,"
                    + " the exported model differs (pass the quantizer with optQuantizer to export its quantization)",
                    hooked);
        }
    }

    /** Builder of an {@link OnnxExporter}: {@code set…} required, {@code opt…} optional (DJL style). */
    public static final class Builder {
        private Module model;
        private long[] inputShape;
        private Quantizer quantizer;
        private ModelMetadata metadata = ModelMetadata.empty();
        private boolean quantizeBias = true;
        private boolean foldBatchNorms = true;
        private boolean signedWeights;

        private Builder() {
        }

        /** The model to export (required); traced in evaluation mode, its modes restored afterwards. */
        public Builder setModel(Module model) {
            this.model = model;
            return this;
        }

        /** The shape of one input sample without the batch axis, e.g. {@code 3, 32, 32} (required). */
        public Builder setInputShape(long... shape) {
            this.inputShape = shape == null ? null : shape.clone();
            return this;
        }

        /** The quantizer that compressed the model: exports QDQ (see the class documentation). */
        public Builder optQuantizer(Quantizer quantizer) {
            this.quantizer = quantizer;
            return this;
        }

        /** Metadata written into {@code metadata_props} (a quantizer completes algorithm and config). */
        public Builder optMetadata(ModelMetadata metadata) {
            this.metadata = Objects.requireNonNull(metadata, "metadata");
            return this;
        }

        /**
         * Whether biases of layers with int8 weights and a quantized input become int32 (default true: ONNX
         * Runtime's integer kernels need it); false keeps them float32 and exact, and ONNX Runtime runs those
         * layers in float.
         */
        public Builder optQuantizeBias(boolean quantizeBias) {
            this.quantizeBias = quantizeBias;
            return this;
        }

        /**
         * Whether a batch norm right after a convolution with int8 weights is folded into the weight scales and the
         * bias (default true): ONNX Runtime folds batch norms into float convolutions itself, but not into
         * quantized ones, and a float batch norm between a convolution and the next QuantizeLinear keeps it from
         * running the convolution in integers. The integers stay those of the int8 export; the scales become
         * per channel ({@code <conv>.weight_scale_folded}).
         */
        public Builder optFoldBatchNorms(boolean fold) {
            this.foldBatchNorms = fold;
            return this;
        }

        /**
         * Whether uint8 weights are written as int8 (default false: the integers of the int8 export, as they are).
         * The values stay the same, {@code scale·(q − z) = scale·((q − o) − (z − o))}: a symmetric uint8 grid
         * (zero point 127, {@code per_*_symmetric} with {@code quant_dtype uint}; its weights never reach 255) shifts
         * by {@code o = 127} to int8 with zero point 0, any other by {@code o = 128}. ONNX Runtime's integer
         * convolutions are fastest on x86 with int8 weights of zero point 0 and uint8 activations.
         */
        public Builder optSignedWeights(boolean signed) {
            this.signedWeights = signed;
            return this;
        }

        /**
         * The exporter.
         *
         * @throws IllegalArgumentException naming the setter that was not called, or a non-positive dimension
         */
        public OnnxExporter build() {
            if (model == null) {
                throw new IllegalArgumentException("OnnxExporter: setModel(...) was not called");
            }
            if (inputShape == null || inputShape.length == 0) {
                throw new IllegalArgumentException("OnnxExporter: setInputShape(...) was not called (the shape of one"
                        + " sample without the batch axis, e.g. 1, 28, 28)");
            }
            if (Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
                throw new IllegalArgumentException("OnnxExporter: the input shape must be positive, got "
                        + Arrays.toString(inputShape));
            }
            if (quantizer != null && quantizer.model() != model) {
                throw new IllegalArgumentException("OnnxExporter: the quantizer compressed another model ("
                        + quantizer.model().typeName() + ") than the one exported (" + model.typeName() + ")");
            }
            return new OnnxExporter(this);
        }
    }
}
