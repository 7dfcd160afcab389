package dev.shrink4j.compress.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.nn.zoo.LeNet5;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConfigListTest {

    static final ConfigSchema PRUNER = ConfigSchema.builder("TestPruner").addAll(ConfigSchema.PRUNING)
            .require(ConfigKeys.SPARSITY, ConfigKeys.SPARSITY_PER_LAYER).build();
    static final ConfigSchema QUANTIZER = ConfigSchema.builder("TestQuantizer").addAll(ConfigSchema.QUANTIZATION)
            .require(ConfigKeys.QUANT_TYPES).require(ConfigKeys.QUANT_BITS).build();
    static LeNet5 model;

    @BeforeAll
    static void createModel() {
        model = new LeNet5();
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    static String error(ConfigSchema schema, String json) {
        return assertThrows(ConfigException.class, () -> ConfigList.fromJson(json).validate(schema, model)).getMessage();
    }

    @Nested
    class RejectsBadConfig {

        @Test
        void unknownKey() {
            assertEquals("invalid config list: config_list[0]: unknown key \"sparsty\"; accepted keys: exclude, op_names, "
                    + "op_types, sparsity, sparsity_per_layer",
                    error(PRUNER, "[{\"sparsity\": 0.5, \"sparsty\": 0.5, \"op_types\": [\"default\"]}]"));
        }

        @Test
        void keyTheAlgorithmDoesNotAccept() {
            assertEquals("invalid config list: config_list[0]: key \"quant_bits\" is not accepted by TestPruner; "
                    + "accepted keys: exclude, op_names, op_types, sparsity, sparsity_per_layer",
                    error(PRUNER, "[{\"sparsity\": 0.5, \"quant_bits\": 8, \"op_types\": [\"default\"]}]"));
        }

        @Test
        void numberGivenAsString() {
            assertEquals("invalid config list: config_list[0].sparsity: expected a number, got string \"0.2\"",
                    error(PRUNER, "[{\"sparsity\": \"0.2\", \"op_types\": [\"default\"]}]"));
        }

        @Test
        void sparsityOutsideItsRange() {
            assertEquals("invalid config list: config_list[0].sparsity: 1.2 is outside [0, 1)",
                    error(PRUNER, "[{\"sparsity\": 1.2, \"op_types\": [\"default\"]}]"));
            assertEquals("invalid config list: config_list[0].sparsity: 1.0 is outside [0, 1)",
                    error(PRUNER, "[{\"sparsity\": 1.0, \"op_types\": [\"default\"]}]"));
            assertEquals("invalid config list: config_list[0].sparsity_per_layer: -0.1 is outside [0, 1)",
                    error(PRUNER, "[{\"sparsity_per_layer\": -0.1, \"op_types\": [\"default\"]}]"));
        }

        @Test
        void bitsOutsideTheirRange() {
            assertEquals("invalid config list: config_list[0].quant_bits: 33 is outside [1, 32]",
                    error(QUANTIZER, "[{\"quant_types\": [\"weight\"], \"quant_bits\": 33, \"op_types\": [\"default\"]}]"));
            assertEquals("invalid config list: config_list[0].quant_bits.weight: 0 is outside [1, 32]",
                    error(QUANTIZER, "[{\"quant_types\": [\"weight\"], \"quant_bits\": {\"weight\": 0}, \"op_types\": [\"Conv2d\"]}]"));
            assertEquals("invalid config list: config_list[0].quant_bits: expected an integer or an object of integers "
                    + "per quant type, got number 7.5",
                    error(QUANTIZER, "[{\"quant_types\": [\"weight\"], \"quant_bits\": 7.5, \"op_types\": [\"Conv2d\"]}]"));
        }

        @Test
        void bitsMissingForAQuantType() {
            assertEquals("invalid config list: config_list[0].quant_bits: no bit width for quant type \"output\"",
                    error(QUANTIZER, "[{\"quant_types\": [\"weight\", \"output\"], \"quant_bits\": {\"weight\": 8}, "
                            + "\"op_types\": [\"Conv2d\"]}]"));
        }

        @Test
        void unknownSchemeAndQuantType() {
            assertEquals("invalid config list (2 errors):\n"
                    + "  config_list[0].quant_types[1]: \"bias\" is not one of weight, input, output\n"
                    + "  config_list[0].quant_scheme: \"per_layer\" is not one of per_tensor_affine, per_tensor_symmetric, "
                    + "per_channel_affine, per_channel_symmetric",
                    error(QUANTIZER, "[{\"quant_types\": [\"weight\", \"bias\"], \"quant_bits\": 8, "
                            + "\"quant_scheme\": \"per_layer\", \"op_types\": [\"Conv2d\"]}]"));
        }

        @Test
        void entryWithoutSelection() {
            assertEquals("invalid config list: config_list[1]: needs op_types or op_names to select layers",
                    error(PRUNER, "[{\"sparsity\": 0.5, \"op_types\": [\"default\"]}, {\"sparsity\": 0.5}]"));
        }

        @Test
        void missingSparsity() {
            assertEquals("invalid config list: config_list[0]: missing \"sparsity\" (or sparsity_per_layer), "
                    + "required by TestPruner", error(PRUNER, "[{\"op_types\": [\"default\"]}]"));
        }

        @Test
        void opNamesMatchingNothing() {
            assertEquals("invalid config list: config_list[0].op_names: \"fc9\" matches no module in LeNet5",
                    error(PRUNER, "[{\"sparsity\": 0.5, \"op_names\": [\"fc1\", \"fc9\"]}]"));
        }

        @Test
        void opTypesMatchingNothing() {
            assertEquals("invalid config list: config_list[0].op_types: \"Conv3d\" matches no module in LeNet5",
                    error(PRUNER, "[{\"sparsity\": 0.5, \"op_types\": [\"Conv3d\"]}]"));
        }

        @Test
        void wrongTypesForListsAndBooleans() {
            assertEquals("invalid config list (2 errors):\n"
                    + "  config_list[0].op_types: expected a list of strings, got string \"Conv2d\"\n"
                    + "  config_list[0].exclude: expected true or false, got string \"yes\"",
                    error(PRUNER, "[{\"sparsity\": 0.5, \"op_types\": \"Conv2d\", \"exclude\": \"yes\"}]"));
        }

        @Test
        void entryThatIsNotAnObjectAndNotAList() {
            assertEquals("invalid config list: config_list[0]: expected an object, got number 3", error(PRUNER, "[3]"));
            assertEquals("invalid config list: config_list: expected a list of entries, got object {\"sparsity\":0.5}",
                    assertThrows(ConfigException.class, () -> ConfigList.fromJson("{\"sparsity\": 0.5}")).getMessage());
        }

        @Test
        void everyErrorOfEveryEntryIsReportedAtOnce() {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigList.fromJson(
                    "[{\"sparsity\": 2, \"op_types\": [\"default\"]}, {\"sparsity\": 0.1, \"op_names\": [\"nope\"]}]")
                    .validate(PRUNER, model));
            assertEquals(List.of("config_list[0].sparsity: 2 is outside [0, 1)",
                    "config_list[1].op_names: \"nope\" matches no module in LeNet5"), e.errors());
        }
    }

    @Test
    void validEntriesBecomeTypedConfigs() {
        List<LayerConfig> configs = ConfigList.builder()
                .add(Map.of("sparsity", 0.25, "op_types", List.of("default")))
                .add(Map.of("quant_types", List.of("weight"), "quant_bits", Map.of("weight", 4), "op_names", List.of("fc1"),
                        "quant_scheme", "per_channel_symmetric", "quant_dtype", "int", "quant_start_step", 10))
                .build().validate(ConfigSchema.builder("Both").addAll(ConfigSchema.PRUNING)
                        .addAll(ConfigSchema.QUANTIZATION).build(), model);
        assertEquals(0.25, configs.get(0).sparsity());
        assertEquals(List.of("Conv2d", "Linear"), configs.get(0).opTypes());
        assertEquals(4, configs.get(1).quantBits(QuantType.WEIGHT));
        assertEquals(QuantScheme.PER_CHANNEL_SYMMETRIC, configs.get(1).quantScheme());
        assertEquals(QuantDtype.INT, configs.get(1).quantDtype());
        assertEquals(10, configs.get(1).quantStartStep());
        assertEquals(-127, QuantDtype.INT.qmin(8));
        assertEquals(255, QuantDtype.UINT.qmax(8));
    }
}
