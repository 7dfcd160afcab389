package dev.shrink4j.graph.speedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.RandomBatchNorms;
import dev.shrink4j.nn.TensorDifferences;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.MobileNetV2;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import dev.shrink4j.workbench.zoo.Vgg;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelSpeedupTest {

    // ---------------------------------------------------------------- parameter counts written out by hand

    /** LeNet-5 with half the channels of every prunable group: conv1 3, conv2 8, fc1 60, fc2 42 outputs. */
    static final long LENET5_HALF = (3 * 1 * 25 + 3) + (8 * 3 * 25 + 8) + (60 * (8 * 25) + 60) + (42 * 60 + 42) + (10 * 42 + 10);

    /** ResNet-20, option A, every width halved (stages 8, 16, 32), 3 inputs, 10 classes, written block by block. */
    static final long RESNET20_A_HALF = (9 * 3 * 8 + 2 * 8)
            + 3 * (2 * (9 * 8 * 8 + 2 * 8))
            + (9 * 8 * 16 + 2 * 16) + (9 * 16 * 16 + 2 * 16) + 2 * (2 * (9 * 16 * 16 + 2 * 16))
            + (9 * 16 * 32 + 2 * 32) + (9 * 32 * 32 + 2 * 32) + 2 * (2 * (9 * 32 * 32 + 2 * 32))
            + (32 * 10 + 10);

    /** A CIFAR ResNet with stage widths {@code w, 2w, 4w} (blocks' inner widths the same), as in ResNetTest. */
    static long resnetParams(int depth, long w, boolean optionB) {
        int n = (depth - 2) / 6;
        long[] widths = {w, 2 * w, 4 * w};
        long total = 9L * 3 * w + 2 * w;
        long in = w;
        for (long planes : widths) {
            for (int b = 0; b < n; b++) {
                total += 9 * in * planes + 2 * planes + 9 * planes * planes + 2 * planes;
                if (b == 0 && in != planes && optionB) {
                    total += in * planes + 2 * planes;
                }
                in = planes;
            }
        }
        return total + in * 10 + 10;
    }

    /** NNI's VGG: Σ(9·in·v + 2v) over the convs, then Linear(last, hidden), BatchNorm1d(hidden), Linear(hidden, 10). */
    static long vggParams(int[] cfg, long hidden) {
        long total = 0;
        long in = 3;
        for (int v : cfg) {
            if (v != Vgg.M) {
                total += 9 * in * v + 2L * v;
                in = v;
            }
        }
        return total + in * hidden + hidden + 2 * hidden + hidden * 10 + 10;
    }

    /** MobileNetV2 (3 inputs, 10 classes) with every channel count divided by {@code div}, block by block. */
    static long mobileNetParams(long div) {
        int[][] settings = {{1, 16, 1}, {6, 24, 2}, {6, 32, 3}, {6, 64, 4}, {6, 96, 3}, {6, 160, 3}, {6, 320, 1}};
        long in = 32 / div;
        long total = convBn(3, in, 3, 1);
        for (int[] s : settings) {
            long out = s[1] / div;
            for (int i = 0; i < s[2]; i++) {
                long hidden = in * s[0];
                total += (s[0] == 1 ? 0 : convBn(in, hidden, 1, 1)) + convBn(hidden, hidden, 3, hidden) + convBn(hidden, out, 1, 1);
                in = out;
            }
        }
        long last = 1280 / div;
        return total + convBn(in, last, 1, 1) + last * 10 + 10;
    }

    static long convBn(long in, long out, long k, long groups) {
        return in / groups * out * k * k + 2 * out;
    }

    // ---------------------------------------------------------------- helpers

    static Module zoo(String name) {
        return switch (name) {
            case "lenet5" -> new LeNet5();
            case "vgg" -> new Vgg();
            case "mobilenetv2" -> MobileNetV2.builder().optNumClasses(10).build();
            default -> new ResNet(Integer.parseInt(name.substring(6, 8)), ShortcutOption.valueOf(name.substring(8)), 3, 10);
        };
    }

    static long[] inputShape(String name, int batch) {
        return name.equals("lenet5") ? new long[] {batch, 1, 28, 28} : new long[] {batch, 3, 32, 32};
    }

    /** Multiplies each parameter by its mask, in place: the masked model. */
    static void applyMasks(Module model, Map<String, Tensor> masks) {
        Map<String, Tensor> params = model.namedParameters();
        try (NoGradGuard g = new NoGradGuard()) {
            masks.forEach((key, mask) -> params.get(key.substring(0, key.length() - "_mask".length())).mul_(mask));
        }
    }

    static double maxAbs(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    static Map<String, List<Long>> shapes(Module model) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> out.put(k, java.util.Arrays.stream(v.shape()).boxed().toList()));
        return out;
    }

    // ---------------------------------------------------------------- the zoo

    @ParameterizedTest(name = "{0}")
    @CsvSource({"lenet5", "vgg", "resnet20A", "resnet20B", "resnet32A", "resnet32B", "resnet56A", "resnet56B", "mobilenetv2"})
    void halfTheChannelsOfEveryGroupComputeWhatTheMaskedModelComputes(String name) {
        long expected = switch (name) {
            case "lenet5" -> LENET5_HALF;
            case "vgg" -> vggParams(new int[] {16, Vgg.M, 32, Vgg.M, 64, Vgg.M, 128, Vgg.M}, 256);
            case "resnet20A" -> RESNET20_A_HALF;
            case "mobilenetv2" -> mobileNetParams(2);
            default -> resnetParams(Integer.parseInt(name.substring(6, 8)), 8, name.endsWith("B"));
        };
        assertEquals(68_050L, RESNET20_A_HALF);
        assertEquals(RESNET20_A_HALF, resnetParams(20, 8, false));
        assertEquals(15_738L, LENET5_HALF);
        torch.manual_seed(13);
        try (Module model = zoo(name); PointerScope scope = new PointerScope()) {
            RandomBatchNorms.randomize(model, 0.5);
            model.eval();
            Map<String, Tensor> before = model.stateDict();
            DependencyGroups groups = DependencyGroups.trace(model, torch.zeros(inputShape(name, 1)));
            Map<ChannelGroup, int[]> chosen = ChannelMasks.randomChannels(groups, 0.5, 7);
            Map<String, Tensor> masks = ChannelMasks.of(groups, chosen);
            applyMasks(model, masks);
            Tensor x = torch.randn(inputShape(name, 4));
            Tensor masked;
            try (NoGradGuard g = new NoGradGuard()) {
                masked = model.call(x);
            }
            SpeedupResult result = ModelSpeedup.apply(groups, masks);
            Tensor shrunk;
            try (NoGradGuard g = new NoGradGuard()) {
                shrunk = model.call(x);
            }
            double diff = maxAbs(masked, shrunk);
            assertTrue(diff < 1e-4, name + ": max |masked - shrunk| = " + diff);
            assertEquals(expected, model.parameterCount(), name + "\n" + result.summary());
            assertEquals(expected, result.parametersAfter());
            assertEquals(before.keySet(), model.stateDict().keySet(), "state-dict keys unchanged");
            assertTrue(result.leftMasked().isEmpty());
            assertTrue(result.unmaskedRemovals().isEmpty(), result.unmaskedRemovals().toString());
        }
    }

    @Test
    void leNet5ShrinksLayerByLayer() {
        torch.manual_seed(1);
        try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope()) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 1, 28, 28));
            Map<ChannelGroup, int[]> chosen = new LinkedHashMap<>();
            chosen.put(groups.groupOf("conv1", ChannelDim.OUT), new int[] {0, 5});
            chosen.put(groups.groupOf("conv2", ChannelDim.OUT), new int[] {1, 2, 3});
            Tensor conv2Before = net.conv2.weight().detach().clone();
            Tensor fc1Before = net.fc1.weight().detach().clone();
            Tensor conv2Weight = net.conv2.weight();
            SpeedupResult r = ModelSpeedup.apply(net, torch.zeros(1, 1, 28, 28), ChannelMasks.of(groups, chosen));
            assertEquals(List.of("conv1 (Conv2d) [6, 1, 5, 5] -> [4, 1, 5, 5]", "conv2 (Conv2d) [16, 6, 5, 5] -> [13, 4, 5, 5]",
                    "fc1 (Linear) [120, 400] -> [120, 325]"), r.resized().stream().map(Object::toString).toList());
            assertSame(conv2Weight, net.conv2.weight(), "the parameter object is the same, with new values");
            // conv2 keeps filters 0, 4..15 and input channels 1..4; fc1 keeps input features 0..24 and 100..399.
            Tensor keptFilters = Tensor.create(new long[] {0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 13);
            Tensor expected = conv2Before.index_select(0, keptFilters).narrow(1, 1, 4);
            assertEquals(0.0, maxAbs(expected, net.conv2.weight()), 0.0);
            Tensor fc1Expected = torch.cat(new org.bytedeco.pytorch.TensorVector(fc1Before.narrow(1, 0, 25),
                    fc1Before.narrow(1, 100, 300)), 1);
            assertEquals(0.0, maxAbs(fc1Expected, net.fc1.weight()), 0.0);
            assertEquals(4, net.conv2.inChannels());
            assertEquals(325, net.fc1.inFeatures());
            assertEquals(61_706 - (2 * 26) - (3 * 151 + 13 * 2 * 25) - 120 * 75, net.parameterCount());
            assertTrue(r.summary().startsWith("speedup: 61,706 -> "), r.summary());
        }
    }

    @Test
    void theShrunkModelTrainsAndTracesAgain() {
        torch.manual_seed(2);
        try (ResNet net = new ResNet(20, ShortcutOption.A, 3, 10); PointerScope scope = new PointerScope()) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 3, 32, 32));
            ModelSpeedup.apply(groups, ChannelMasks.of(groups, ChannelMasks.randomChannels(groups, 0.5, 3)));
            net.train();
            Tensor loss = torch.cross_entropy(net.call(torch.randn(2, 3, 32, 32)), Tensor.create(new long[] {1, 2}, 2));
            loss.backward();
            assertArrayEquals(net.conv1.weight().shape(), net.conv1.weight().grad().shape());
            DependencyGroups again = DependencyGroups.trace(net, torch.zeros(1, 3, 32, 32));
            assertEquals(32, again.groupOf("linear", ChannelDim.IN).size());
            assertEquals(8, again.groupOf("layer1.0.conv1", ChannelDim.OUT).size());
            ChannelPad pad = (ChannelPad) net.layer2.get(0).getSubmodule("shortcut");
            assertEquals(8, pad.inChannels());
            assertEquals(16, pad.outChannels());
        }
    }

    @Nested
    class MasksThatStayMasks {

        @Test
        void unstructuredZerosAreMultipliedInAndTheLayerStillShrinksWithItsGroup() {
            torch.manual_seed(3);
            try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope()) {
                net.eval();
                DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 1, 28, 28));
                Map<String, Tensor> masks = new LinkedHashMap<>(ChannelMasks.of(groups,
                        Map.of(groups.groupOf("conv2", ChannelDim.OUT), new int[] {0, 1, 2, 3})));
                masks.put("fc1.weight_mask", torch.rand(120, 400).gt(new Scalar(0.5)).to(torch.ScalarType.Float));
                masks.put("fc2.bias_mask", torch.rand(84).gt(new Scalar(0.5)).to(torch.ScalarType.Float));
                applyMasks(net, masks);
                Tensor x = torch.randn(3, 1, 28, 28);
                Tensor masked = net.call(x).detach();
                SpeedupResult r = ModelSpeedup.apply(groups, masks);
                assertEquals(Map.of("fc1", "unstructured weight_mask", "fc2", "bias_mask without weight_mask"), r.leftMasked());
                assertEquals(List.of(120L, 300L), r.resized().get(1).after());
                assertTrue(maxAbs(masked, net.call(x)) < 1e-5);
                // fc1 keeps its zeros: 120 x 300 weights, about half of them zero
                double zeros = 1.0 - net.fc1.weight().count_nonzero().item_long() / 36_000.0;
                assertTrue(zeros > 0.4 && zeros < 0.6, "fc1 zero share " + zeros);
            }
        }

        @Test
        void filterMasksWithoutBatchNormMasksReportTheBatchNormsThatFollow() {
            torch.manual_seed(4);
            try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10); PointerScope scope = new PointerScope()) {
                Map<String, Tensor> masks = new LinkedHashMap<>();
                Tensor m = torch.ones(16, 16, 3, 3);
                m.narrow(0, 0, 4).zero_();
                masks.put("layer1.0.conv1.weight_mask", m);
                SpeedupResult r = ModelSpeedup.apply(net, torch.zeros(1, 3, 32, 32), masks);
                assertEquals(Map.of("layer1.0.bn1", 4), r.unmaskedRemovals());
                assertEquals(List.of("layer1.0.conv1 (Conv2d) [16, 16, 3, 3] -> [12, 16, 3, 3]",
                        "layer1.0.bn1 (BatchNorm2d) [16] -> [12]", "layer1.0.conv2 (Conv2d) [16, 16, 3, 3] -> [16, 12, 3, 3]"),
                        r.resized().stream().map(Object::toString).toList());
            }
        }

        @Test
        void slimBatchNormMasksRemoveTheirChannels() {
            torch.manual_seed(5);
            try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10); PointerScope scope = new PointerScope()) {
                RandomBatchNorms.randomize(net, 0.5);
                net.eval();
                Tensor keep = torch.ones(16);
                keep.narrow(0, 3, 5).zero_();
                Map<String, Tensor> masks = Map.of("layer1.1.bn1.weight_mask", keep, "layer1.1.bn1.bias_mask", keep.clone());
                applyMasks(net, masks);
                Tensor x = torch.randn(2, 3, 32, 32);
                Tensor masked = net.call(x).detach();
                SpeedupResult r = ModelSpeedup.apply(net, torch.zeros(1, 3, 32, 32), masks);
                assertEquals(Map.of("layer1.1.conv1", 5), r.unmaskedRemovals());
                assertEquals(11, ((BatchNorm) net.getSubmodule("layer1.1.bn1")).numFeatures());
                assertEquals(11, ((Conv2d) net.getSubmodule("layer1.1.conv2")).inChannels());
                assertTrue(maxAbs(masked, net.call(x)) < 1e-4);
            }
        }
    }

    @Nested
    class RejectsBadMasksAndLeavesTheModelAlone {

        /** Runs a speedup that must fail and checks that no parameter or buffer changed. */
        List<String> problems(Module model, long[] shape, Map<String, Tensor> masks) {
            Map<String, byte[]> before = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> before.put(k, TensorDifferences.rawBytes(v)));
            Map<String, List<Long>> shapesBefore = shapes(model);
            SpeedupException e = assertThrows(SpeedupException.class, () -> ModelSpeedup.apply(model, torch.zeros(shape), masks));
            assertEquals(shapesBefore, shapes(model));
            model.stateDict().forEach((k, v) -> assertArrayEquals(before.get(k), TensorDifferences.rawBytes(v), k));
            assertTrue(e.getMessage().startsWith("cannot speed up " + model.typeName() + " with these masks (the model is"
                    + " unchanged):\n  "), e.getMessage());
            return e.problems();
        }

        @Test
        void keysShapesDtypesAndValues() {
            try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope()) {
                Map<String, Tensor> masks = new LinkedHashMap<>();
                masks.put("conv1.weight", torch.ones(6, 1, 5, 5));
                masks.put("conv9.weight_mask", torch.ones(6));
                masks.put("relu1.weight_mask", torch.ones(6));
                masks.put("conv2.weight_mask", torch.ones(16, 6, 5));
                Tensor half = torch.ones(120, 400);
                half.get(0).get(3).fill_(new Scalar(0.5));
                masks.put("fc1.weight_mask", half);
                masks.put("fc2.weight_mask", torch.ones(84, 120).to(torch.ScalarType.Long));
                assertEquals(List.of("conv1.weight: not a <layer>.weight_mask or <layer>.bias_mask key",
                        "conv9.weight_mask: the model has no layer \"conv9\"",
                        "relu1.weight_mask: relu1 (ReLU) has no parameter \"weight\"",
                        "conv2.weight_mask: the mask has shape [16, 6, 5], conv2.weight has [16, 6, 5, 5]",
                        "fc1.weight_mask: element 3 is 0.5 (1 of 48000 values are neither 0 nor 1)",
                        "fc2.weight_mask: the mask has int64, fc2.weight has float32"), problems(net, new long[] {1, 1, 28, 28}, masks));
            }
        }

        @Test
        void aMaskThatEmptiesALayer() {
            try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope()) {
                Map<String, Tensor> masks = Map.of("conv1.weight_mask", torch.zeros(6, 1, 5, 5), "conv1.bias_mask", torch.zeros(6));
                assertEquals(List.of("the masks remove every output channel of conv1 (Conv2d, 6), which would leave it empty",
                        "the masks remove every input channel of conv2 (Conv2d, 6), which would leave it empty"),
                        problems(net, new long[] {1, 1, 28, 28}, masks));
            }
        }

        @Test
        void aChannelPrunedInOneMemberAndKeptInAnother() {
            try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10); PointerScope scope = new PointerScope()) {
                Tensor pruned = torch.ones(16, 16, 3, 3);
                pruned.narrow(0, 3, 2).zero_();
                Map<String, Tensor> masks = new LinkedHashMap<>();
                masks.put("layer1.0.conv2.weight_mask", pruned);
                masks.put("layer1.1.conv2.weight_mask", torch.ones(16, 16, 3, 3));
                assertEquals(List.of("layer1.0.conv2.weight_mask prunes filters [3, 4] that layer1.1.conv2.weight_mask keeps"
                        + " (filters [3, 4]); both are in group 1 (conv1 OUT, bn1 OUT, layer1.0.conv1 IN, layer1.0.conv2 OUT, …"
                        + " 13 layers), whose layers must remove the same channels"),
                        problems(net, new long[] {1, 3, 32, 32}, masks));
            }
        }

        @Test
        void aPinnedChannelABiasThatDisagreesAndAWrappedModel() {
            try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope();
                    HookHandle h = net.conv2.registerParametrization("weight", w -> w)) {
                Map<String, Tensor> masks = new LinkedHashMap<>();
                Tensor fc3 = torch.ones(10, 84);
                fc3.get(2).zero_();
                masks.put("fc3.weight_mask", fc3);
                Tensor conv1 = torch.ones(6, 1, 5, 5);
                conv1.get(1).zero_();
                masks.put("conv1.weight_mask", conv1);
                masks.put("conv1.bias_mask", torch.ones(6));
                assertEquals(List.of("conv2.weight: a parametrization is attached (a compressor still wraps the model); unwrap"
                        + " it before the speedup",
                        "conv1.bias_mask keeps filters [1] that conv1.weight_mask prunes: a removed filter takes its bias with it",
                        "fc3.weight_mask prunes output features [2], which cannot be removed: they reach the model output"),
                        problems(net, new long[] {1, 1, 28, 28}, masks));
            }
        }
    }

    @Test
    void staleGroupsAreRefused() {
        try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope()) {
            DependencyGroups groups = DependencyGroups.trace(net, torch.zeros(1, 1, 28, 28));
            ModelSpeedup.apply(groups, ChannelMasks.of(groups, Map.of(groups.groupOf("conv1", ChannelDim.OUT), new int[] {0})));
            SpeedupException e = assertThrows(SpeedupException.class, () -> ModelSpeedup.apply(groups, Map.of()));
            assertEquals(List.of("conv1 has 5 output channels but its group was traced with 6: trace the model again",
                    "conv2 has 5 input channels but its group was traced with 6: trace the model again"), e.problems());
        }
    }

    @Test
    void boolMasksAreAccepted() {
        try (LeNet5 net = new LeNet5(); PointerScope scope = new PointerScope()) {
            Tensor keep = torch.ones(6, 1, 5, 5).to(torch.ScalarType.Bool);
            keep.get(0).fill_(new Scalar(0));
            SpeedupResult r = ModelSpeedup.apply(net, torch.zeros(1, 1, 28, 28), Map.of("conv1.weight_mask", keep));
            assertEquals(5, net.conv1.outChannels());
            assertFalse(r.resized().isEmpty());
            assertTrue(r.unmaskedRemovals().isEmpty(), "conv1's own mask removed the filter");
            List<String> names = new ArrayList<>();
            r.resized().forEach(l -> names.add(l.layer()));
            assertEquals(List.of("conv1", "conv2"), names);
        }
    }
}
