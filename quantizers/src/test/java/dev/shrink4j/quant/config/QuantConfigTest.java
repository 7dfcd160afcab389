package dev.shrink4j.quant.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link QuantConfig} reads the quantization settings of validated entries as types. */
class QuantConfigTest {

    private static final ConfigSchema SCHEMA = ConfigSchema.builder("TestQuantizer").addAll(ConfigSchema.QUANTIZATION).build();

    @Test
    void settingsAreReadAsTypesWithTheirDefaults() {
        try (LeNet5 model = new LeNet5()) {
            List<LayerConfig> configs = ConfigList.builder()
                    .add(Map.of("quant_types", List.of("output", "weight"), "quant_bits", Map.of("weight", 4, "output", 6),
                            "op_names", List.of("fc1"), "quant_scheme", "per_channel_symmetric", "quant_dtype", "int"))
                    .add(Map.of("quant_types", List.of("input"), "quant_bits", 8.0, "op_names", List.of("fc2")))
                    .add(Map.of("exclude", true, "op_names", List.of("fc3")))
                    .build().validate(SCHEMA, model);
            // listed output first, read in the order quantizers apply them
            assertEquals(List.of(QuantType.WEIGHT, QuantType.OUTPUT), List.copyOf(QuantConfig.types(configs.get(0))));
            assertEquals(4, QuantConfig.bits(configs.get(0), QuantType.WEIGHT));
            assertEquals(6, QuantConfig.bits(configs.get(0), QuantType.OUTPUT));
            assertEquals(QuantScheme.PER_CHANNEL_SYMMETRIC, QuantConfig.scheme(configs.get(0)));
            assertEquals(QuantDtype.INT, QuantConfig.dtype(configs.get(0)));
            // one width for every type; a whole number written as 8.0 is 8
            assertEquals(Set.of(QuantType.INPUT), QuantConfig.types(configs.get(1)));
            assertEquals(8, QuantConfig.bits(configs.get(1), QuantType.INPUT));
            assertEquals(QuantScheme.PER_TENSOR_AFFINE, QuantConfig.scheme(configs.get(1)));
            assertEquals(QuantDtype.UINT, QuantConfig.dtype(configs.get(1)));
            assertEquals(Set.of(), QuantConfig.types(configs.get(2)));
        }
    }

    @Test
    void dtypeRanges() {
        assertEquals(-127, QuantDtype.INT.qmin(8));
        assertEquals(127, QuantDtype.INT.qmax(8));
        assertEquals(0, QuantDtype.UINT.qmin(8));
        assertEquals(255, QuantDtype.UINT.qmax(8));
    }
}
