package dev.shrink4j.compress.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.shrink4j.nn.io.StrictJson;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

    /** Every error the pruner schema finds in {@code json}, in the order reported. */
    static List<String> prunerErrors(String json) {
        return assertThrows(ConfigException.class, () -> ConfigList.fromJson(json).validate(PRUNER, model)).errors();
    }

    @Nested
    class RejectsBadConfig {

        /**
         * Config lists with one kind of mistake each ({@code bad-config-lists.json} beside this class): the
         * schema they are checked against ({@code "pruner"} or {@code "quantizer"}) and the message.
         */
        static Stream<Arguments> badLists() throws IOException {
            try (InputStream in = ConfigListTest.class.getResourceAsStream("bad-config-lists.json")) {
                JsonArray cases = StrictJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonArray();
                List<Arguments> arguments = StreamSupport.stream(cases.spliterator(), false).map(JsonElement::getAsJsonObject)
                        .map(c -> Arguments.of(c.get("mistake").getAsString(),
                                c.get("schema").getAsString().equals("pruner") ? PRUNER : QUANTIZER,
                                c.get("config_list").toString(), c.get("message").getAsString()))
                        .toList();
                return arguments.stream();
            }
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("badLists")
        void eachMistakeIsReportedNamingTheEntryAndKey(String mistake, ConfigSchema schema, String json, String message) {
            assertEquals(message, error(schema, json));
        }

        @Test
        void entryThatIsNotAnObjectAndNotAList() {
            assertEquals("invalid config list: config_list[0]: expected an object, got number 3", error(PRUNER, "[3]"));
            assertEquals("invalid config list: config_list: expected a list of entries, got object {\"sparsity\":0.5}",
                    assertThrows(ConfigException.class, () -> ConfigList.fromJson("{\"sparsity\": 0.5}")).getMessage());
        }

        @Test
        void integersAreWholeNumbersComparedExactly() {
            ConfigSchema schema = ConfigSchema.builder("TestQuantizer").addAll(ConfigSchema.QUANTIZATION)
                    .key("prune_iterations", KeySpec.integer(1, Integer.MAX_VALUE)).build();
            String entry = "{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\"], ";
            assertEquals("invalid config list: config_list[0].quant_start_step: expected an integer, got number 2.5",
                    error(schema, "[" + entry + "\"quant_start_step\": 2.5}]"));
            assertEquals("invalid config list: config_list[0].quant_start_step: 1e20 is outside [0, 2147483647]",
                    error(schema, "[" + entry + "\"quant_start_step\": 1e20}]"));
            // 2^64 + 1 wraps to 1 as a long: compared exactly, it is out of range
            assertEquals("invalid config list: config_list[0].prune_iterations: 18446744073709551617 is outside [1, 2147483647]",
                    error(schema, "[" + entry + "\"prune_iterations\": 18446744073709551617}]"));
            assertEquals("invalid config list: config_list[0].quant_bits: 1e999 is outside [1, 32]",
                    error(schema, "[{\"quant_types\": [\"weight\"], \"quant_bits\": 1e999, \"op_types\": [\"Conv2d\"]}]"));
            assertEquals("invalid config list: config_list[0].sparsity: 1e999 is outside [0, 1)",
                    error(PRUNER, "[{\"sparsity\": 1e999, \"op_types\": [\"Conv2d\"]}]"));
            // a whole number written with a fraction or an exponent is that integer
            LayerConfig c = ConfigList.fromJson("[" + entry + "\"quant_start_step\": 2.0, \"prune_iterations\": 3e0}]")
                    .validate(schema, model).get(0);
            assertEquals(2, c.quantStartStep());
            assertEquals(3, c.getInt("prune_iterations", 0));
            assertEquals(8, ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 8.0, \"op_types\": [\"Conv2d\"]}]")
                    .validate(schema, model).get(0).getInt("quant_bits", 0));
        }

        @Test
        void selectionIsMatchedAgainstTheModelAlsoWhenAnotherKeyIsWrong() {
            assertEquals(List.of("config_list[0].sparsity: expected a number, got string \"0.5\"",
                    "config_list[0].op_names: \"conv9\" matches no module in LeNet5",
                    "config_list[1].op_types: expected a list of strings, got string \"Conv2d\""),
                    prunerErrors("[{\"sparsity\": \"0.5\", \"op_names\": [\"conv9\"]}, {\"sparsity\": 0.5, \"op_types\": \"Conv2d\"}]"));
        }

        @Test
        void textThatIsNotStrictJsonIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
            assertEquals("invalid config list: config_list: not valid JSON: malformed JSON at line 1 column 4 path $[0]. (strict"
                    + " JSON: no comments, single quotes, unquoted names or values such as NaN or Infinity, trailing commas or"
                    + " leading zeros)", assertThrows(ConfigException.class,
                            () -> ConfigList.fromJson("[{'sparsity': 0.5, 'op_types': ['default']}]")).getMessage());
            Path file = Files.writeString(dir.resolve("list.json"), "[{\"sparsity\": 0.5, \"sparsity\": 0.6, \"op_types\": [\"default\"]}]");
            assertEquals("invalid config list " + file + ": config_list: not valid JSON: duplicate key \"sparsity\" at line 1 column 21"
                    + " path $[0].sparsity", assertThrows(ConfigException.class, () -> ConfigList.fromFile(file)).getMessage());
        }

        @Test
        void nonFiniteNumbersFromJavaAreRefusedNamingTheKey() {
            assertEquals("invalid config list (2 errors):\n  config_list[1].quant_bits.weight: Infinity is not a number JSON can hold\n"
                    + "  config_list[1].sparsity: NaN is not a number JSON can hold",
                    assertThrows(ConfigException.class, () -> ConfigList.builder()
                            .add(Map.of("sparsity", 0.5, "op_types", List.of("default")))
                            .add(new java.util.TreeMap<>(Map.of("sparsity", Double.NaN, "quant_bits", Map.of("weight",
                                    Double.POSITIVE_INFINITY))))).getMessage());
        }

        @Test
        void everyErrorOfEveryEntryIsReportedAtOnce() {
            assertEquals(List.of("config_list[0].sparsity: 2 is outside [0, 1)",
                    "config_list[1].op_names: \"nope\" matches no module in LeNet5"),
                    prunerErrors("[{\"sparsity\": 2, \"op_types\": [\"default\"]}, {\"sparsity\": 0.1, \"op_names\": [\"nope\"]}]"));
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
        // the quantization settings as types: dev.shrink4j.quant.config.QuantConfigTest
        assertEquals(4, configs.get(1).raw().getAsJsonObject("quant_bits").get("weight").getAsInt());
        assertEquals("per_channel_symmetric", configs.get(1).getString("quant_scheme", null));
        assertEquals("int", configs.get(1).getString("quant_dtype", null));
        assertEquals(List.of("weight"), configs.get(1).getStrings("quant_types"));
        assertEquals(10, configs.get(1).quantStartStep());
    }
}
