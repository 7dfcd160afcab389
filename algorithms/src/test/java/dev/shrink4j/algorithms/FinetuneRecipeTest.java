package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;
import dev.shrink4j.compress.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FinetuneRecipeTest {

    private static FinetuneRecipe parse(String json) {
        return FinetuneRecipe.fromJson(JsonParser.parseString(json));
    }

    private static String error(String json) {
        return assertThrows(AlgorithmException.class, () -> parse(json)).getMessage();
    }

    @Test
    void readsLrAndBatchSize() {
        FinetuneRecipe r = parse("{\"lr\": 0.002, \"batch_size\": 32, \"epochs\": 0}");
        assertEquals(0.002, r.lr());
        assertEquals(32, r.batchSize());
        assertEquals(0, r.epochs());
        assertEquals("{\"lr\":0.002,\"batch_size\":32,\"epochs\":0}", r.toJson().toString());
        FinetuneRecipe lrOnly = parse("{\"lr\": 0.003}");
        assertNull(lrOnly.batchSize());
        assertSame(FinetuneRecipe.NONE, FinetuneRecipe.fromJson(null));
    }

    @Test
    void commandLineBeatsRecipeBeatsDefault() {
        FinetuneRecipe r = parse("{\"lr\": 0.002, \"batch_size\": 32}");
        assertEquals(0.005, r.lr(0.005, 0.001));
        assertEquals(0.002, r.lr(null, 0.001));
        assertEquals(0.001, FinetuneRecipe.NONE.lr(null, 0.001));
        assertEquals(128, r.batchSize(128, 64));
        assertEquals(32, r.batchSize(null, 64));
        assertEquals(64, FinetuneRecipe.NONE.batchSize(null, 64));
        FinetuneRecipe ptq = parse("{\"epochs\": 0}");
        assertEquals(3, ptq.epochs(3, 2));
        assertEquals(0, ptq.epochs(null, 2));
        assertEquals(2, FinetuneRecipe.NONE.epochs(null, 2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        3                                          | "finetune" must be an object such as {"lr": 0.002, "batch_size": 32}, got 3
        {"lr": -0.1}                               | "finetune"."lr" must be positive, got -0.1
        {"lr": "fast"}                             | "finetune"."lr" must be a number, got "fast"
        {"batch_size": 2.5}                        | "finetune"."batch_size" must be a positive integer, got 2.5
        {"batch_size": 0}                          | "finetune"."batch_size" must be a positive integer, got 0
        {"epochs": -1}                             | "finetune"."epochs" must be an integer ≥ 0, got -1
        {"optimizer": "sgd", "momentum": 0.9}      | "finetune": unknown keys "optimizer", "momentum"; known keys: lr, batch_size, epochs
        {"batch_size": 1e20}                       | "finetune"."batch_size" must be a positive integer, got 1e20
        {"lr": 1e999}                              | "finetune"."lr" must be positive, got 1e999
        """)
    void badRecipesNameTheKey(String json, String message) {
        assertEquals(message, error(json));
    }

    @Test
    void everyBadKeyIsReportedAtOnceAndWholeNumbersAreIntegers() {
        assertEquals("\"finetune\".\"lr\" must be positive, got 0; \"finetune\".\"epochs\" must be an integer ≥ 0, got 2.5; "
                + "\"finetune\": unknown key \"momentum\"; known keys: lr, batch_size, epochs",
                error("{\"lr\": 0, \"epochs\": 2.5, \"momentum\": 0.9}"));
        assertEquals(new FinetuneRecipe(null, 32, 2), parse("{\"batch_size\": 32.0, \"epochs\": 2e0}"));
    }

    @Test
    void configFilesCarryTheRecipeAndNameThemselvesInErrors() {
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        CompressionConfig c = CompressionConfig.parse("c.json", "{\"pruner\": \"level\", \"finetune\": {\"batch_size\": 16}, "
                + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]}", registry, null);
        assertEquals(new FinetuneRecipe(null, 16, null), c.finetune());
        assertEquals(new FinetuneRecipe(null, 16, null), c.withSparsity(0.7).finetune());
        assertEquals("config c.json: \"finetune\".\"lr\" must be positive, got 0",
                assertThrows(ConfigException.class, () -> CompressionConfig.parse("c.json", "{\"pruner\": \"level\", "
                        + "\"finetune\": {\"lr\": 0}, \"config_list\": []}", registry, null)).getMessage());
    }
}
