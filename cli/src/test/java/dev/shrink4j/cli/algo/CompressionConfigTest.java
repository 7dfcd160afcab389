package dev.shrink4j.cli.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.cli.UsageException;
import org.junit.jupiter.api.Test;

class CompressionConfigTest {

    private final AlgorithmRegistry registry = BuiltinAlgorithms.registry();

    private String error(String json) {
        return assertThrows(UsageException.class, () -> CompressionConfig.parse("c.json", json, registry, null)).getMessage();
    }

    @Test
    void readsAlgorithmOptionsAndConfigList() {
        CompressionConfig c = CompressionConfig.parse("c.json", "{\"pruner\": \"taylor-fo\", \"statistics_batch_num\": 3, "
                + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", registry, AlgorithmKind.PRUNER);
        assertEquals("taylor-fo", c.spec().name());
        assertEquals(3, c.options().getInt("statistics_batch_num", 1));
        assertEquals(3, c.driver().statisticsBatches(c.options()));
        assertEquals(1, c.configList().size());
    }

    @Test
    void errorsNameTheCulprit() {
        assertEquals("config c.json: not valid JSON (java.io.EOFException: End of input at line 1 column 2 path $.)", error("{"));
        assertEquals("config c.json: names no algorithm; add \"pruner\": NAME or \"quantizer\": NAME", error("{\"config_list\": []}"));
        assertEquals("config c.json: names both a pruner and a quantizer; give one",
                error("{\"pruner\": \"agp\", \"quantizer\": \"qat\", \"config_list\": []}"));
        assertEquals("config c.json: \"config_list\" is missing", error("{\"pruner\": \"agp\"}"));
        assertEquals("config c.json: \"config_list\" must be a list of entries, got {}", error("{\"pruner\": \"agp\", \"config_list\": {}}"));
        assertEquals("config c.json: unknown options \"x\", \"y\" for quantizer \"dorefa\"; it takes no options",
                error("{\"quantizer\": \"dorefa\", \"config_list\": [], \"x\": 1, \"y\": 2}"));
        assertEquals("config c.json: \"end_epoch\" must be a number, got \"2\"",
                error("{\"pruner\": \"agp\", \"config_list\": [], \"end_epoch\": \"2\"}"));
        assertEquals("config c.json: \"statistics_batch_num\" must be an integer, got 2.5",
                error("{\"pruner\": \"taylor-fo\", \"config_list\": [], \"statistics_batch_num\": 2.5}"));
        assertEquals("config c.json: agp option \"end_epoch\" must be a whole number of epochs when \"frequency\" is, got 2.5",
                error("{\"pruner\": \"agp\", \"config_list\": [], \"end_epoch\": 2.5}"));
        assertEquals("config c.json: unknown quantizer \"int4\"; known quantizers: naive, qat, dorefa, bnn, lsq, observer",
                error("{\"quantizer\": \"int4\", \"config_list\": []}"));
    }

    @Test
    void withSparsityReplacesEverySparsityButExclusions() {
        CompressionConfig c = CompressionConfig.parse("c.json", "{\"pruner\": \"agp\", \"config_list\": ["
                + "{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}, {\"sparsity_per_layer\": 0.2, \"op_names\": [\"fc1\"]},"
                + "{\"exclude\": true, \"op_names\": [\"fc3\"]}]}", registry, null);
        assertEquals("[{\"sparsity\":0.9,\"op_types\":[\"Conv2d\"]},{\"sparsity_per_layer\":0.9,\"op_names\":[\"fc1\"]},"
                + "{\"exclude\":true,\"op_names\":[\"fc3\"]}]", c.withSparsity(0.9).configList().toJson());
    }
}
