package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.workbench.zoo.ModelZoo;
import org.junit.jupiter.api.Test;

class CompressionConfigTest {

    private final AlgorithmRegistry registry = BuiltinAlgorithms.registry();

    private String error(String json) {
        return assertThrows(ConfigException.class, () -> CompressionConfig.parse("c.json", json, registry, null)).getMessage();
    }

    @Test
    void readsAlgorithmOptionsAndConfigList() {
        CompressionConfig c = CompressionConfig.parse("c.json", "{\"pruner\": \"taylor-fo\", \"statistics_batch_num\": 3, "
                + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", registry, AlgorithmKind.PRUNER);
        assertEquals("taylor-fo", c.spec().name());
        assertEquals(3, c.options().getInt("statistics_batch_num", 1));
        assertEquals(3, c.statisticsBatches());
        assertEquals(1, c.configList().size());
    }

    @Test
    void errorsNameTheCulprit() {
        assertEquals("config c.json: not valid JSON (End of input at line 1 column 2 path $.)", error("{"));
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

    @Test
    void theModelCheckLeavesTheSeededRandomStreamAsItWas() {
        // a seeded run must train and shuffle the same whether or not its config was checked first
        org.bytedeco.pytorch.global.torch.manual_seed(42);
        double expected = org.bytedeco.pytorch.global.torch.rand(16).sum().item_double();
        org.bytedeco.pytorch.global.torch.manual_seed(42);
        CompressionConfig.parse("c.json", "{\"pruner\": \"level\", \"config_list\": [{\"sparsity\": 0.5,"
                + " \"op_types\": [\"default\"]}]}", registry, null, lenet5Check(true));
        assertEquals(expected, org.bytedeco.pytorch.global.torch.rand(16).sum().item_double());
    }

    /** The check of a config against a fresh LeNet-5 for Fashion-MNIST, as {@code prune --arch lenet5} makes it. */
    private static CompressionConfig.ModelCheck lenet5Check(boolean finetunes) {
        return CompressorFactory.modelCheck(() -> ModelZoo.create("lenet5", 1, 10), new long[] {1, 1, 28, 28}, c -> finetunes);
    }

    private String errorOnLenet5(String json, boolean finetunes) {
        return assertThrows(ConfigException.class, () -> CompressionConfig.parse("c.json", json, registry, null,
                lenet5Check(finetunes))).getMessage();
    }

    @Test
    void onlyStrictJsonIsAccepted() {
        String hint = " (strict JSON: no comments, single quotes, unquoted names or values such as NaN or Infinity,"
                + " trailing commas or leading zeros))";
        String list = "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]";
        assertEquals("config c.json: not valid JSON (malformed JSON at line 1 column 2 path $" + hint,
                error("// level\n{\"pruner\": \"level\", " + list + "}"));
        assertEquals("config c.json: not valid JSON (malformed JSON at line 1 column 13 path $.pruner" + hint,
                error("{\"pruner\": 'level', " + list + "}"));
        assertEquals("config c.json: not valid JSON (malformed JSON at line 1 column 3 path $." + hint,
                error("{pruner: \"level\", " + list + "}"));
        assertEquals("config c.json: not valid JSON (Expected name at line 1 column 82 path $.config_list)",
                error("{\"pruner\": \"level\", " + list + ",}"));
        assertEquals("config c.json: not valid JSON (malformed JSON at line 1 column 81 path $.config_list[1]" + hint,
                error("{\"pruner\": \"level\", " + list.replace("]}]", "]},]") + "}"));
        assertEquals("config c.json: not valid JSON (malformed JSON at line 1 column 50 path $.config_list[0].sparsity" + hint,
                error("{\"pruner\": \"level\", " + list.replace("0.5", "NaN") + "}"));
        assertEquals("config c.json: not valid JSON (malformed JSON at line 1 column 50 path $.config_list[0].sparsity" + hint,
                error("{\"pruner\": \"level\", " + list.replace("0.5", "Infinity") + "}"));
        assertEquals("config c.json: not valid JSON (more than one top-level value at line 1 column 83 path $)",
                error("{\"pruner\": \"level\", " + list + "} {}"));
        assertEquals("config c.json: not valid JSON (duplicate key \"sparsity\" at line 1 column 56 path $.config_list[0].sparsity)",
                error("{\"pruner\": \"level\", " + list.replace("0.5,", "0.5, \"sparsity\": 0.6,") + "}"));
        assertEquals("config c.json: not valid JSON (the text is empty; expected a JSON value)", error(" \n"));
    }

    @Test
    void everyProblemOfTheFileIsReportedAtOnce() {
        // without a model: the algorithm's options, the finetune recipe and the shape of the file
        assertEquals("config c.json (4 errors):\n"
                + "  unknown option \"statistics_batch\" for pruner \"taylor-fo\"; known options: statistics_batch_num (an integer),"
                + " dependency_aware (true or false), global_sort (true or false)\n"
                + "  \"statistics_batch_num\" must be an integer, got 2.5\n"
                + "  \"global_sort\" must be true or false, got \"yes\"\n"
                + "  \"finetune\".\"batch_size\" must be a positive integer, got 0",
                error("{\"pruner\": \"taylor-fo\", \"statistics_batch\": 1, \"statistics_batch_num\": 2.5, \"global_sort\": \"yes\","
                        + " \"finetune\": {\"batch_size\": 0}, \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}"));
        assertEquals("config c.json (2 errors):\n  names no algorithm; add \"pruner\": NAME or \"quantizer\": NAME\n"
                + "  \"config_list\" is missing", error("{\"sparsity\": 0.5}"));
        // with the model: also the config list's entries and the layers they select, in the same message
        assertEquals("config c.json (5 errors):\n"
                + "  unknown option \"scale\" for pruner \"l1-filter\"; known options: dependency_aware (true or false),"
                + " global_sort (true or false)\n"
                + "  \"finetune\".\"lr\" must be positive, got -1\n"
                + "  config_list[0].sparsity: 1.5 is outside [0, 1)\n"
                + "  config_list[1].op_names: \"fc9\" matches no module in LeNet5\n"
                + "  config_list[2]: fc1 (Linear) is not a Conv2d; L1FilterPruner prunes Conv2d filters only",
                errorOnLenet5("{\"pruner\": \"l1-filter\", \"scale\": 2, \"finetune\": {\"lr\": -1}, \"config_list\": ["
                        + "{\"sparsity\": 1.5, \"op_names\": [\"conv1\"]}, {\"sparsity\": 0.5, \"op_names\": [\"conv2\", \"fc9\"]},"
                        + " {\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]}", true));
    }

    @Test
    void integerOptionsAreWholeNumbersWithinIntRange() {
        CompressionConfig c = CompressionConfig.parse("c.json", "{\"pruner\": \"apoz\", \"statistics_batch_num\": 3.0, "
                + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", registry, AlgorithmKind.PRUNER);
        assertEquals(3, c.options().getInt(BuiltinAlgorithms.STATISTICS_BATCH_NUM, 1));
        assertEquals("config c.json: \"statistics_batch_num\" must be an integer within [-2147483648, 2147483647], got 1e20",
                error("{\"pruner\": \"apoz\", \"config_list\": [], \"statistics_batch_num\": 1e20}"));
        assertEquals("config c.json: \"statistics_batch_num\" must be an integer, got 2.5",
                error("{\"pruner\": \"apoz\", \"config_list\": [], \"statistics_batch_num\": 2.5}"));
        // in range for the type, refused by the algorithm's builder: still a config error naming the option
        assertEquals("config c.json: ActivationApozRankFilterPruner: statistics_batch_num must be at least 1, got 0",
                errorOnLenet5("{\"pruner\": \"apoz\", \"statistics_batch_num\": 0, "
                        + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}", false));
    }

    @Test
    void bitWidthsThatCannotWorkFailTheCheckNamingEntryAndField() {
        // the config list's own problems first, then those of the layers valid entries select
        assertEquals("config c.json (2 errors):\n"
                + "  config_list[1].quant_start_step: 1e20 is outside [0, 2147483647]\n"
                + "  config_list[0].quant_bits: weight width 1 with quant_dtype int gives the grid [0, 0], a single value;"
                + " int needs at least 2 bits (uint has [0, 1] for 1 bit)",
                errorOnLenet5("{\"quantizer\": \"qat\", \"config_list\": ["
                        + "{\"quant_types\": [\"weight\"], \"quant_bits\": 1, \"quant_dtype\": \"int\", \"op_types\": [\"Conv2d\"]},"
                        + "{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"quant_start_step\": 1e20, \"op_types\": [\"Linear\"]}]}",
                        true));
        // LSQ without an optimizer is valid: its step sizes stay fixed (evaluate --config --calibration)
    }

    @Test
    void optionValuesTheAlgorithmRefusesAreConfigErrorsToo() {
        String conv = "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]";
        String weights = "\"config_list\": [{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Conv2d\"]}]";
        // builders refuse these (IllegalArgumentException, exit 1 before); each message names the option
        assertEquals("config c.json: QatQuantizer: ema_decay (the EMA decay of activation ranges) 1.5 is outside [0, 1)",
                errorOnLenet5("{\"quantizer\": \"qat\", \"ema_decay\": 1.5, " + weights + "}", true));
        assertEquals("config c.json: AgpPruner: initial_sparsity 1.5 is outside [0, 1)",
                errorOnLenet5("{\"pruner\": \"agp\", \"initial_sparsity\": 1.5, " + conv + "}", true));
        assertEquals("config c.json: AgpPruner: pruning_algorithm \"random\" is not supported; expected one of level, l1, l2",
                errorOnLenet5("{\"pruner\": \"agp\", \"pruning_algorithm\": \"random\", " + conv + "}", true));
        assertEquals("config c.json: activation \"tanh\" is not supported; expected one of relu, relu6, identity",
                errorOnLenet5("{\"pruner\": \"apoz\", \"activation\": \"tanh\", " + conv + "}", true));
        // the algorithm refuses its options: the config list is still checked, by the algorithm with default options
        assertEquals("config c.json (3 errors):\n"
                + "  SlimPruner scale must be a finite number ≥ 0, got -1.0\n"
                + "  config_list[0]: conv1 (Conv2d) is not a BatchNorm2d; SlimPruner prunes BatchNorm2d channels only\n"
                + "  config_list[0]: conv2 (Conv2d) is not a BatchNorm2d; SlimPruner prunes BatchNorm2d channels only",
                errorOnLenet5("{\"pruner\": \"slim\", \"scale\": -1, " + conv + "}", true));
    }
}
