package dev.shrink4j.collect;

import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/** A model whose only layer passes its input through, so tests feed hand-built "activations". */
final class CollectorTestSupport {

    private CollectorTestSupport() {
    }

    /** Returns its input: its output is exactly the tensor a test feeds. */
    static final class Passthrough extends Module {
        @Override
        protected Tensor forward(Tensor input) {
            return input;
        }
    }

    /** A one-child model. */
    static final class Holder extends Module {
        final Module probe;

        Holder(Module child) {
            probe = registerModule("probe", child);
        }

        @Override
        protected Tensor forward(Tensor input) {
            return probe.call(input);
        }
    }

    /** A wrapper of {@code holder.probe} with a trivial config entry. */
    static ModuleWrapper wrapperOf(Holder holder) {
        LayerConfig config = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"probe\"]}]")
                .validate(ConfigSchema.builder("test").addAll(ConfigSchema.PRUNING).build(), holder).get(0);
        return new ModuleWrapper(LayerInfo.of("probe", holder.probe), config);
    }

    /** A float tensor of {@code shape} from row-major values. */
    static Tensor tensor(float[] values, long... shape) {
        return Tensor.create(values, shape);
    }
}
