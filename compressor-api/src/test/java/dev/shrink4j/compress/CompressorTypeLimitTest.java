package dev.shrink4j.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** {@link Compressor#validate()} and {@link Compressor#compress()} apply the schema's layer-type limit. */
class CompressorTypeLimitTest {

    /** Takes Conv2d layers only (declared on its schema); records which layers reach validateLayer. */
    static final class ConvOnlyCompressor extends Compressor {
        final List<String> validated = new ArrayList<>();

        ConvOnlyCompressor(Module model, ConfigList configList) {
            super(model, configList, null);
        }

        @Override
        protected ConfigSchema configSchema() {
            return ConfigSchema.builder("ConvOnlyCompressor").addAll(ConfigSchema.PRUNING).require(ConfigKeys.SPARSITY)
                    .allowTypes("masks Conv2d weights only", Conv2d.class).build();
        }

        @Override
        protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
            validated.add(layer.name());
            return layer.module().getParameter("weight") == null
                    ? List.of("config_list[" + config.index() + "]: " + layer.name() + " has no weight") : List.of();
        }

        @Override
        protected void wrap(ModuleWrapper w) {
            Tensor mask = w.registerBuffer("weight_mask", torch.ones_like(w.weight()));
            w.track(w.module().registerParametrization("weight", x -> x.mul(mask)));
        }
    }

    @Test
    void everySelectedLayerOfAnotherTypeIsReportedOnceAndNotValidatedFurther() {
        try (LeNet5 net = new LeNet5()) {
            ConvOnlyCompressor c = new ConvOnlyCompressor(net, ConfigList.fromJson("["
                    + "{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\", \"ReLU\"]},"
                    + "{\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]"));
            List<String> expected = List.of(
                    "config_list[0]: relu1 (ReLU) is not a Conv2d; ConvOnlyCompressor masks Conv2d weights only",
                    "config_list[0]: relu2 (ReLU) is not a Conv2d; ConvOnlyCompressor masks Conv2d weights only",
                    "config_list[1]: fc1 (Linear) is not a Conv2d; ConvOnlyCompressor masks Conv2d weights only",
                    "config_list[0]: relu3 (ReLU) is not a Conv2d; ConvOnlyCompressor masks Conv2d weights only",
                    "config_list[0]: relu4 (ReLU) is not a Conv2d; ConvOnlyCompressor masks Conv2d weights only");
            assertEquals(expected, assertThrows(ConfigException.class, c::validate).errors());
            // the ReLUs have no weight, but validateLayer only ever sees layers of an allowed type
            assertEquals(List.of("conv1", "conv2"), c.validated);
            assertEquals(expected, assertThrows(ConfigException.class, c::compress).errors());
            assertFalse(c.isCompressed());
            assertFalse(net.conv1.isParametrized("weight"));
        }
    }

    @Test
    void layersOfTheAllowedTypeAreWrapped() {
        try (LeNet5 net = new LeNet5();
                ConvOnlyCompressor c = new ConvOnlyCompressor(net, ConfigList.fromJson(
                        "[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))) {
            c.compress();
            assertEquals(List.of("conv1", "conv2"), c.getModulesWrapper().stream().map(ModuleWrapper::name).toList());
            assertEquals(true, net.conv2.isParametrized("weight"));
        }
    }
}
