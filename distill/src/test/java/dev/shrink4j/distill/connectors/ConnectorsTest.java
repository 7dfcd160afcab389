package dev.shrink4j.distill.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ConnectorsTest {

    private static List<String> errors(String json) {
        List<String> errors = new ArrayList<>();
        assertNull(Connectors.build("connectors.c", JsonParser.parseString(json), errors));
        return errors;
    }

    @Test
    void aListIsASequenceCheckedElementByElement() {
        List<String> errors = new ArrayList<>();
        ConnectorSequence seq = assertInstanceOf(ConnectorSequence.class, Connectors.build("connectors.c", JsonParser.parseString(
                "[{\"type\": \"ConvModuleConnector\", \"in_channel\": 6, \"out_channel\": 16, \"act_cfg\": null},"
                        + " {\"type\": \"TorchFunctionalConnector\", \"function_name\": \"adaptive_avg_pool2d\","
                        + " \"func_args\": {\"output_size\": 7}}]"), errors));
        assertEquals(List.of(), errors);
        assertEquals(List.of("0.conv_module.conv.weight", "0.conv_module.conv.bias"), new ArrayList<>(seq.namedParameters().keySet()));
        assertEquals(2, seq.trainableParameters().size());
        List<String> problems = new ArrayList<>();
        Tensor y = seq.checkedCall(torch.zeros(2, 6, 14, 14), problems);
        assertEquals(List.of(), problems);
        assertEquals(List.of(2L, 16L, 7L, 7L), List.of(y.size(0), y.size(1), y.size(2), y.size(3)));
        assertNull(seq.checkedCall(torch.zeros(2, 16, 14, 14), problems));
        assertEquals(List.of("[0] ConvModuleConnector expects [N, 6, H, W] but got shape [2, 16, 14, 14]"), problems);
        problems.clear();
        assertNull(seq.checkedCall(torch.zeros(2, 6), problems));
        assertEquals(List.of("[0] ConvModuleConnector expects [N, 6, H, W] but got shape [2, 6]"), problems);
    }

    @Test
    void convModuleProblems() {
        assertEquals(List.of(
                "connectors.c: missing \"in_channel\"",
                "connectors.c.stride: [1, 2]: only the same value in both dimensions is supported",
                "connectors.c.norm_cfg.type: unsupported norm \"GN\"; supported: BN, BN2d",
                "connectors.c.norm_cfg: unknown key \"num_groups\" for norm_cfg GN; accepted keys: type, eps, momentum, requires_grad",
                "connectors.c.act_cfg.type: unsupported activation \"GELU\"; supported: ReLU, LeakyReLU, ReLU6",
                "connectors.c.with_spectral_norm: true is not supported",
                "connectors.c.order: expected a permutation of [\"conv\", \"norm\", \"act\"], got list [\"conv\",\"act\"]",
                "connectors.c: unknown key \"in_channels\" for ConvModuleConnector; accepted keys: type, in_channel, out_channel,"
                        + " kernel_size, stride, padding, dilation, groups, conv_cfg, norm_cfg, act_cfg, bias, inplace,"
                        + " with_spectral_norm, padding_mode, order"),
                errors("{\"type\": \"ConvModuleConnector\", \"in_channels\": 3, \"out_channel\": 4, \"stride\": [1, 2],"
                        + " \"norm_cfg\": {\"type\": \"GN\", \"num_groups\": 2}, \"act_cfg\": {\"type\": \"GELU\"},"
                        + " \"with_spectral_norm\": true, \"order\": [\"conv\", \"act\"]}"));
    }

    @Test
    void functionalProblems() {
        assertEquals(List.of("connectors.c.function_name: \"gelu\" is not one of adaptive_avg_pool2d, adaptive_max_pool2d,"
                + " avg_pool2d, max_pool2d, interpolate, normalize, relu, softmax, dropout, dropout2d, flatten"),
                errors("{\"type\": \"TorchFunctionalConnector\", \"function_name\": \"gelu\"}"));
        assertEquals(List.of("connectors.c.func_args: missing \"dim\" (softmax without a dim is deprecated in PyTorch)"),
                errors("{\"type\": \"TorchFunctionalConnector\", \"function_name\": \"softmax\"}"));
        assertEquals(List.of("connectors.c.func_args: give exactly one of size and scale_factor",
                "connectors.c.func_args.align_corners: can only be set with mode bilinear"),
                errors("{\"type\": \"TorchFunctionalConnector\", \"function_name\": \"interpolate\","
                        + " \"func_args\": {\"size\": 4, \"scale_factor\": 2, \"align_corners\": true}}"));
        assertEquals(List.of("connectors.c.func_args: missing \"kernel_size\"",
                "connectors.c.func_args: unknown key \"kernel\" for avg_pool2d; accepted keys: kernel_size, stride, padding,"
                        + " ceil_mode, count_include_pad, divisor_override"),
                errors("{\"type\": \"TorchFunctionalConnector\", \"function_name\": \"avg_pool2d\", \"func_args\": {\"kernel\": 2}}"));
        List<String> ok = new ArrayList<>();
        Connector interpolate = Connectors.build("c", JsonParser.parseString("{\"type\": \"TorchFunctionalConnector\","
                + " \"function_name\": \"interpolate\", \"func_args\": {\"size\": 8}}"), ok);
        assertEquals("TorchFunctionalConnector interpolate expects a 4-D input but got shape [2, 3]",
                interpolate.inputProblem(torch.zeros(2, 3)));
    }

    @Test
    void typesAndLists() {
        assertEquals(List.of("connectors.c.type: unknown connector \"SingleConvConnector\"; known connectors: ConvModuleConnector,"
                + " Translator, Paraphraser, OFDTeacherConnector, TorchFunctionalConnector"),
                errors("{\"type\": \"SingleConvConnector\", \"in_channel\": 3, \"out_channel\": 4}"));
        assertEquals(List.of("connectors.c: the list of connectors is empty"), errors("[]"));
        assertEquals(List.of("connectors.c[1]: OFDTeacherConnector must be a connector of its own (its margin comes from the"
                + " recorded batch norm), not part of a list"),
                errors("[{\"type\": \"TorchFunctionalConnector\", \"function_name\": \"relu\"}, {\"type\": \"OFDTeacherConnector\"}]"));
        assertEquals(List.of("connectors.c: expected an object, got number 3"), errors("3"));
        assertEquals(List.of("connectors.c.phase: \"finetune\" is not one of pretrain, train"),
                errors("{\"type\": \"Paraphraser\", \"in_channel\": 3, \"out_channel\": 4, \"phase\": \"finetune\"}"));
    }
}
