package dev.shrink4j.prune;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import dev.shrink4j.prune.TestConvs.AddedConvs;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.importance.ImportanceInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FilterPrunerTest {

    /** One convolution (and a Linear, to check that only Conv2d may be selected). */
    static final class OneConv extends Module {
        final Conv2d conv1;
        final Linear fc = registerModule("fc", new Linear(2, 2));

        OneConv(long in, long out, long k, boolean bias) {
            conv1 = registerModule("conv1", Conv2d.builder().setInChannels(in).setOutChannels(out).setKernelSize(k)
                    .optBias(bias).build());
        }

        @Override
        protected Tensor forward(Tensor x) {
            return conv1.call(x);
        }
    }

    static final String ALL_CONV = "[{\"sparsity\": %s, \"op_types\": [\"Conv2d\"]}]";

    static ConfigList conv(double s) {
        return ConfigList.fromJson(String.format(ALL_CONV, s));
    }

    /** Per-filter sums of a weight mask. */
    static float[] filterSums(Tensor mask) {
        return values(mask.flatten(1, -1).sum(1));
    }

    /** Filter i of {@code w} set to {@code scale[i]} times ones. */
    static void fillFilters(Tensor w, float... scale) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (int i = 0; i < scale.length; i++) {
                w.select(0, i).fill_(new org.bytedeco.pytorch.Scalar(scale[i]));
            }
        }
    }

    @Test
    void l1PrunesTheFilterWithTheSmallestNormNniCase() {
        // NNI test_torch_l1filter_pruner: filter i = i·ones(1, 5, 5), sparsity 0.2 → filter 0 pruned.
        try (OneConv m = new OneConv(1, 5, 5, true); L1FilterPruner p = new L1FilterPruner(m, conv(0.2))) {
            fillFilters(m.conv1.weight(), 0, 1, 2, 3, 4);
            p.compress();
            assertArrayEquals(new float[] {0, 25, 25, 25, 25}, filterSums(p.weightMask("conv1")));
            assertArrayEquals(new float[] {0, 1, 1, 1, 1}, values(p.getWrapper("conv1").getBuffer(Pruner.BIAS_MASK)),
                    "the bias mask follows the filter mask");
            assertEquals(0.2, p.layerSparsity().get("conv1"), 1e-12, "actual sparsity = target");
        }
    }

    @Test
    void l1AndL2DifferWhenOneFilterIsSpikyAndTheOtherFlat() {
        // filter 0: one weight 3, rest 0 → L1 3, L2 3; filter 1: four weights 1 → L1 4, L2 2.
        try (OneConv l1Model = new OneConv(1, 2, 2, false); OneConv l2Model = new OneConv(1, 2, 2, false);
                L1FilterPruner l1 = new L1FilterPruner(l1Model, conv(0.5));
                L2FilterPruner l2 = new L2FilterPruner(l2Model, conv(0.5))) {
            float[] w = {3, 0, 0, 0, 1, 1, 1, 1};
            set(l1Model.conv1.weight(), w);
            set(l2Model.conv1.weight(), w);
            l1.compress();
            l2.compress();
            assertArrayEquals(new float[] {0, 4}, filterSums(l1.weightMask("conv1")), "L1 3 < 4 prunes filter 0");
            assertArrayEquals(new float[] {4, 0}, filterSums(l2.weightMask("conv1")), "L2 2 < 3 prunes filter 1");
            assertArrayEquals(new float[] {0, 4}, values(l1.importance().scores(ImportanceInput.of(l1.getWrapper("conv1")))),
                    "importance is measured on the masked weight");
        }
    }

    @Test
    void fpgmPrunesTheFiltersNearestTheGeometricMedianNniCase() {
        // NNI test_torch_fpgm_pruner: filter i = (i+1)·ones(5, 5, 5), 10 filters. ‖W_i − W_j‖ = |i − j|·√125,
        // so filter i scores √125·Σ_j |i − j|: 45 37 31 27 25 25 27 31 37 45 (×√125).
        try (OneConv m = new OneConv(5, 10, 5, false); FpgmPruner p = new FpgmPruner(m, conv(0.2))) {
            fillFilters(m.conv1.weight(), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            p.compress();
            assertArrayEquals(new float[] {125, 125, 125, 125, 0, 0, 125, 125, 125, 125},
                    filterSums(p.weightMask("conv1")), "floor(10·0.2) = 2: the two middle filters");
            float[] scores = values(p.importance().scores(ImportanceInput.of(p.getWrapper("conv1"))));
            float[] expected = {45, 37, 31, 27, 25, 25, 27, 31, 37, 45};
            for (int i = 0; i < 10; i++) {
                assertEquals(expected[i] * Math.sqrt(125), scores[i], 1e-3, "score of filter " + i);
            }
        }
        // NNI's second case: sparsity 0.6 on the same weights → floor(6) lowest: 4, 5 (25), 3, 6 (27), 2, 7 (31).
        assertArrayEquals(new float[] {125, 125, 0, 0, 0, 0, 0, 0, 125, 125},
                fpgmFilterSums(0.6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    }

    @Test
    void fpgmWithFiveFiltersPrunesTheMiddleOne() {
        // Σ_j |i − j| over 5 filters: 10 7 6 7 10 → floor(5·0.2) = 1: filter 2.
        assertArrayEquals(new float[] {125, 125, 0, 125, 125}, fpgmFilterSums(0.2, 1, 2, 3, 4, 5));
    }

    /** conv1's per-filter mask sums after FPGM pruned a 5 → n 5×5 convolution whose filter i is {@code scale[i]}·ones. */
    static float[] fpgmFilterSums(double sparsity, float... scale) {
        try (OneConv m = new OneConv(5, scale.length, 5, false); FpgmPruner p = new FpgmPruner(m, conv(sparsity))) {
            fillFilters(m.conv1.weight(), scale);
            p.compress();
            assertEquals(Math.floor(scale.length * sparsity) / scale.length, p.layerSparsity().get("conv1"), 1e-12);
            return filterSums(p.weightMask("conv1"));
        }
    }

    @Test
    void recomputingAtHigherSparsityKeepsPrunedFiltersPruned() {
        try (OneConv m = new OneConv(1, 4, 1, false);
                TestablePruner p = new TestablePruner(m, conv(0.25))) {
            fillFilters(m.conv1.weight(), 4, 1, 3, 2);
            p.compress();
            assertArrayEquals(new float[] {1, 0, 1, 1}, filterSums(p.weightMask("conv1")));
            // the stored weight of the pruned filter grows (e.g. weight decay elsewhere): it must stay pruned
            fillFilters(m.conv1.weight(), 4, 9, 3, 2);
            p.sparsity = 0.5;
            p.updateMask();
            assertArrayEquals(new float[] {1, 0, 1, 0}, filterSums(p.weightMask("conv1")));
        }
    }

    /** An L1 filter pruner whose target sparsity the test changes. */
    static final class TestablePruner extends L1FilterPruner {
        double sparsity = -1;

        TestablePruner(Module m, ConfigList c) {
            super(m, c);
        }

        @Override
        protected double targetSparsity(dev.shrink4j.compress.ModuleWrapper wrapper) {
            return sparsity < 0 ? super.targetSparsity(wrapper) : sparsity;
        }
    }

    @Test
    void layersWithFewerThanTwoFiltersAreSkipped() {
        try (OneConv m = new OneConv(1, 1, 3, true); L1FilterPruner p = new L1FilterPruner(m, conv(0.9))) {
            p.compress();
            assertArrayEquals(new float[] {9}, filterSums(p.weightMask("conv1")));
            assertArrayEquals(new float[] {1}, values(p.getWrapper("conv1").getBuffer(Pruner.BIAS_MASK)));
        }
    }

    @Test
    void selectingANonConvolutionIsAConfigError() {
        try (OneConv m = new OneConv(1, 2, 1, false); L2FilterPruner p = new L2FilterPruner(m,
                ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"fc\"]}]"))) {
            ConfigException e = assertThrows(ConfigException.class, p::compress);
            assertTrue(e.getMessage().contains(
                    "config_list[0]: fc (Linear) is not a Conv2d; L2FilterPruner prunes Conv2d filters only"),
                    e.getMessage());
        }
    }

    @Test
    void dependencyAwarePrunesAddedConvolutionsOnTheSameChannelsBySummedImportance() {
        // L1 norms: a = 1 5 3 2, b = 4 1 1 1 → sums 5 6 4 3. Alone, a would prune {0, 3} and b {1, 2}; together
        // floor(4·0.5) = 2 channels with the lowest sums, {3, 2}, in both.
        try (AddedConvs m = new AddedConvs(4, true);
                L1FilterPruner alone = new L1FilterPruner(new AddedConvs(4, true), ConfigList.fromJson(
                        "[{\"sparsity\": 0.5, \"op_names\": [\"a\", \"b\"]}]"));
                L1FilterPruner aware = L1FilterPruner.builder().setModel(m).setConfigList(ConfigList.fromJson(
                        "[{\"sparsity\": 0.5, \"op_names\": [\"a\", \"b\"]}]")).optDependencyAware(1, 1, 2, 2).build()) {
            for (Module model : List.of(m, alone.model())) {
                fillFilters(((AddedConvs) model).a.weight(), 1, 5, 3, 2);
                fillFilters(((AddedConvs) model).b.weight(), 4, 1, 1, 1);
            }
            alone.compress();
            aware.compress();
            assertArrayEquals(new float[] {0, 1, 1, 0}, filterSums(alone.weightMask("a")));
            assertArrayEquals(new float[] {1, 0, 0, 1}, filterSums(alone.weightMask("b")));
            assertEquals(List.of(List.of("a", "b")), aware.dependencyGroups());
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(aware.weightMask("a")));
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(aware.weightMask("b")));
            assertArrayEquals(new float[] {1, 1, 0, 0}, values(aware.getWrapper("b").getBuffer(Pruner.BIAS_MASK)));
            // recomputing one layer alone still honours the group
            aware.calcMask(aware.getWrapper("a"));
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(aware.weightMask("a")));
        }
    }

    @Test
    void globalSortRanksTheFiltersOfAllLayersTogether() {
        // L1 norms a = 1 5 3 2, b = 4 1 1 1: floor(8·0.5) = 4 lowest across both layers, all tied at 1: a0, then
        // b1, b2, b3 in layer order. Per layer each would lose two.
        try (AddedConvs m = new AddedConvs(4, false); L1FilterPruner p = L1FilterPruner.builder().setModel(m)
                .setConfigList(conv(0.5)).optGlobalSort(true).build()) {
            fillFilters(m.a.weight(), 1, 5, 3, 2);
            fillFilters(m.b.weight(), 4, 1, 1, 1);
            p.compress();
            assertTrue(p.globalSort());
            assertArrayEquals(new float[] {0, 1, 1, 1}, filterSums(p.weightMask("a")));
            assertArrayEquals(new float[] {1, 0, 0, 0}, filterSums(p.weightMask("b")));
            assertArrayEquals(new float[] {1, 0, 0, 0}, values(p.getWrapper("b").getBuffer(Pruner.BIAS_MASK)));
            assertEquals(Map.of("a", 0.25, "b", 0.75), p.layerSparsity());
            // recomputing one layer keeps it at its share of the global ranking
            p.calcMask(p.getWrapper("b"));
            assertArrayEquals(new float[] {1, 0, 0, 0}, filterSums(p.weightMask("b")));
        }
    }

    @Test
    void globalSortNeedsOneSparsity() {
        try (AddedConvs m = new AddedConvs(4, false); L2FilterPruner p = L2FilterPruner.builder().setModel(m)
                .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"a\"]},"
                        + " {\"sparsity\": 0.25, \"op_names\": [\"b\"]}]")).optGlobalSort(true).build()) {
            ConfigException e = assertThrows(ConfigException.class, p::compress);
            assertEquals(List.of("config_list[1]: b has sparsity 0.25 but global_sort needs one sparsity for all layers"
                    + " (the first selected layer has 0.5)"), e.errors());
        }
    }

    @Test
    void dependencyAwareGlobalSortRanksEachSharedChannelOnceByItsMeanImportance() {
        // a + b feed c, so {a, b} is a group and c stands alone. L1 norms a = 1 5 3 2, b = 4 1 1 1 (means 2.5 3 2 1.5),
        // c = 4·(.25 .125 2 .75) = 1 .5 8 3. Units: 4 shared channels + 4 filters of c; floor(8·0.5) = 4 lowest:
        // c1 (.5), c0 (1), channel 3 (1.5), channel 2 (2).
        try (AddedConvs m = new AddedConvs(4, true);
                L1FilterPruner p = L1FilterPruner.builder().setModel(m).setConfigList(conv(0.5))
                        .optDependencyAware(1, 1, 2, 2).optGlobalSort(true).build()) {
            fillFilters(m.a.weight(), 1, 5, 3, 2);
            fillFilters(m.b.weight(), 4, 1, 1, 1);
            fillFilters(m.c.weight(), 0.25f, 0.125f, 2, 0.75f);
            p.compress();
            assertEquals(List.of(List.of("a", "b")), p.dependencyGroups());
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(p.weightMask("a")));
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(p.weightMask("b")));
            assertArrayEquals(new float[] {0, 0, 4, 4}, filterSums(p.weightMask("c")));
        }
    }

    @Test
    void dependencyAwareNeedsAnInputShapeForATracedModel() {
        try (AddedConvs m = new AddedConvs(4, true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FpgmPruner.builder().setModel(m).setConfigList(conv(0.5)).optDependencyAware().build());
            assertEquals("FpgmPruner: dependency-aware pruning of AddedConvs needs a dummy input shape"
                    + " (optDependencyAware(1, 3, 32, 32)), since it does not implement HasChannelDependencies",
                    e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(ShortcutOption.class)
    void dependencyAwareL1OnResNet20PrunesEachResidualGroupOnCommonChannels(ShortcutOption option) {
        // Option B's 1x1 projection joins its stage's group; option A's zero-padded shortcut puts each stage at its
        // own offset of one graph group, which is pruned as one (dependencyAwareL1OnResNet20OptionAShrinks).
        List<List<String>> expected = option == ShortcutOption.B ? List.of(
                List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2"),
                List.of("layer2.0.conv2", "layer2.0.shortcut.0", "layer2.1.conv2", "layer2.2.conv2"),
                List.of("layer3.0.conv2", "layer3.0.shortcut.0", "layer3.1.conv2", "layer3.2.conv2")) : List.of(
                List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2", "layer2.0.conv2", "layer2.1.conv2",
                        "layer2.2.conv2", "layer3.0.conv2", "layer3.1.conv2", "layer3.2.conv2"));
        torch.manual_seed(7);
        try (Module net = new ResNet(20, option, 3, 10);
                L1FilterPruner p = L1FilterPruner.builder().setModel(net).setConfigList(conv(0.5))
                        .optDependencyAware(1, 3, 8, 8).build()) {
            p.compress();
            assertEquals(expected, p.dependencyGroups());
            assertTrue(p.tracedGroups().orElseThrow().graph().hasNode("layer3.2.conv2"));
            if (option == ShortcutOption.B) {
                assertSharedChannelsWithLowestSummedL1(net, p, expected);
                p.layerSparsity().forEach((name, s) -> assertEquals(0.5, s, 1e-12, name));
            }
        }
    }

    @Test
    void dependencyAwareL1OnResNet20OptionAShrinks() {
        // The group's 64 channels: stage 3's filter c is channel c, stage 2's c + 16, stage 1's (and the stem's) c + 24.
        // Channel k scores the L1 norms summed over the members covering it; the 32 lowest go in every member.
        torch.manual_seed(3);
        try (ResNet net = new ResNet(20, ShortcutOption.A, 3, 10); PointerScope scope = new PointerScope()) {
            net.eval();
            Map<String, Tensor> masks = new LinkedHashMap<>();
            List<String> stage1 = List.of("conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2");
            List<String> stage2 = List.of("layer2.0.conv2", "layer2.1.conv2", "layer2.2.conv2");
            List<String> stage3 = List.of("layer3.0.conv2", "layer3.1.conv2", "layer3.2.conv2");
            Tensor sum = torch.zeros(64);
            for (List<String> stage : List.of(stage1, stage2, stage3)) {
                for (String name : stage) {
                    Tensor l1 = net.getSubmodule(name).getParameter("weight").detach().abs().flatten(1, -1).sum(1);
                    sum.narrow(0, (64 - l1.numel()) / 2, l1.numel()).add_(l1);
                }
            }
            float[] keep = values(Ranking.keepMask(sum, 0.5));
            try (L1FilterPruner p = L1FilterPruner.builder().setModel(net).setConfigList(conv(0.5))
                    .optDependencyAware(1, 3, 8, 8).build()) {
                p.compress();
                for (List<String> stage : List.of(stage1, stage2, stage3)) {
                    for (String name : stage) {
                        float[] got = values(p.weightMask(name).flatten(1, -1).select(1, 0));
                        int at = (64 - got.length) / 2;
                        assertArrayEquals(Arrays.copyOfRange(keep, at, at + got.length), got, name);
                    }
                }
                p.masks().forEach((k, v) -> masks.put(k, v.clone()));
            }
            Shrinking.assertShrinksAsMasked(net, masks);
            assertEquals(32, ((Conv2d) net.getSubmodule("layer3.2.conv2")).outChannels());
        }
    }

    /** Every group's members have the same filter mask: the n/2 channels with the lowest summed L1 norm pruned. */
    private static void assertSharedChannelsWithLowestSummedL1(Module net, FilterPruner p, List<List<String>> groups) {
        for (List<String> g : groups) {
            Tensor sum = null;
            for (String name : g) {
                // the group's importance was summed before any mask was set: the stored weights' L1 norms
                Tensor full = net.getSubmodule(name).getParameter("weight").detach().abs().flatten(1, -1).sum(1);
                sum = sum == null ? full : sum.add(full);
                assertTrue(torch.equal(p.weightMask(g.get(0)).flatten(1, -1).select(1, 0),
                        p.weightMask(name).flatten(1, -1).select(1, 0)), name + " shares " + g.get(0) + "'s channels");
            }
            long n = sum.numel();
            Tensor expected = Ranking.keepMask(sum, 0.5);
            assertArrayEquals(values(expected), values(p.weightMask(g.get(0)).flatten(1, -1).select(1, 0)),
                    g + ": the n/2 channels with the lowest summed L1 norm");
            assertEquals(n / 2, (long) (n - values(expected.sum())[0]));
        }
    }

    @Test
    void dependencyAwarePrunesADepthwiseConvolutionOnItsProducersChannels() {
        torch.manual_seed(5);
        try (FilterGroupsTest.PointwiseDepthwise net = new FilterGroupsTest.PointwiseDepthwise();
                L2FilterPruner p = L2FilterPruner.builder().setModel(net).setConfigList(ConfigList.fromJson(
                        "[{\"sparsity\": 0.5, \"op_names\": [\"pw\", \"dw\"]}]")).optDependencyAware(1, 3, 4, 4).build()) {
            p.compress();
            assertEquals(List.of(List.of("pw", "dw")), p.dependencyGroups());
            // both lose the 3 channels with the lowest sum of their filters' L2 norms
            Tensor pwW = net.pw.weight().detach().flatten(1, -1);
            Tensor dwW = net.dw.weight().detach().flatten(1, -1);
            Tensor sum = pwW.mul(pwW).sum(1).sqrt().add(dwW.mul(dwW).sum(1).sqrt());
            float[] keep = values(Ranking.keepMask(sum, 0.5));
            assertEquals(3f, keep[0] + keep[1] + keep[2] + keep[3] + keep[4] + keep[5]);
            assertArrayEquals(keep, values(p.weightMask("pw").flatten(1, -1).select(1, 0)));
            assertArrayEquals(keep, values(p.weightMask("dw").flatten(1, -1).select(1, 0)));
        }
    }

    /** {@code a(x) + b(x)} added raw in forward: no module accounts for the sum. */
    static final class RawAdd extends Module {
        final Conv2d a = registerModule("a", new Conv2d(1, 2, 1));
        final Conv2d b = registerModule("b", new Conv2d(1, 2, 1));
        final Conv2d head = registerModule("head", new Conv2d(2, 1, 1));

        @Override
        protected Tensor forward(Tensor x) {
            return head.call(a.call(x).add(b.call(x)));
        }
    }

    @Test
    void aModelTheTracerCannotFollowIsRefusedNamingTheLayerAndLeftUnwrapped() {
        try (RawAdd m = new RawAdd(); L1FilterPruner p = L1FilterPruner.builder().setModel(m).setConfigList(conv(0.5))
                .optDependencyAware(1, 1, 2, 2).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::compress);
            assertTrue(e.getMessage().startsWith("L1FilterPruner: dependency-aware pruning traces RawAdd with a dummy"
                    + " input of shape [1, 1, 2, 2]: cannot trace RawAdd: 1 input is computed outside any module"), e.getMessage());
            assertTrue(e.getMessage().contains("head"), e.getMessage());
            assertTrue(!p.isCompressed(), "rolled back");
            assertEquals(Set.of("a.weight", "a.bias", "b.weight", "b.bias", "head.weight", "head.bias"), m.stateDict().keySet());
        }
    }

    @Test
    void aDeclaringModelIsTakenAtItsWordWithoutADummyInput() {
        // L1 norms a = 1 5 3 2, b = 4 1 1 1: the declared group {a, b} prunes the lowest sums 3 and 4 (channels 3, 2)
        try (FilterGroupsTest.Declaring m = new FilterGroupsTest.Declaring(List.of(Set.of("a", "b")));
                L1FilterPruner p = L1FilterPruner.builder().setModel(m).setConfigList(ConfigList.fromJson(
                        "[{\"sparsity\": 0.5, \"op_names\": [\"a\", \"b\"]}]")).optDependencyAware().build()) {
            fillFilters(m.a.weight(), 1, 5, 3, 2);
            fillFilters(m.b.weight(), 4, 1, 1, 1);
            p.compress();
            assertEquals(List.of(List.of("a", "b")), p.dependencyGroups());
            assertTrue(p.tracedGroups().isEmpty(), "not traced");
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(p.weightMask("a")));
            assertArrayEquals(new float[] {1, 1, 0, 0}, filterSums(p.weightMask("b")));
        }
    }

    @Test
    void exportAndApplyCompressionResultsRoundTrip(@TempDir Path dir) throws IOException {
        torch.manual_seed(11);
        try (OneConv m = new OneConv(2, 6, 3, true); OneConv fresh = new OneConv(2, 6, 3, true);
                L2FilterPruner p = new L2FilterPruner(m, conv(0.5))) {
            fresh.loadStateDict(m.stateDict(), true);
            p.compress();
            Path model = dir.resolve("model.safetensors");
            Path masks = dir.resolve("masks.safetensors");
            p.exportModel(model, masks);
            assertEquals(2, Pruner.applyCompressionResults(fresh, masks));
            Map<String, Tensor> exported = dev.shrink4j.nn.io.SafeTensors.load(model);
            fresh.stateDict().forEach((k, t) -> assertTrue(torch.equal(exported.get(k), t), k));
            assertArrayEquals(new float[] {3, 3, 3}, new float[] {
                values(fresh.conv1.weight().flatten(1, -1).ne(new org.bytedeco.pytorch.Scalar(0)).any(1)
                        .logical_not().sum().to(torch.ScalarType.Float))[0],
                values(fresh.conv1.bias().eq(new org.bytedeco.pytorch.Scalar(0)).sum().to(torch.ScalarType.Float))[0],
                values(p.weightMask("conv1").flatten(1, -1).sum(1).eq(new org.bytedeco.pytorch.Scalar(0)).sum()
                        .to(torch.ScalarType.Float))[0]}, "3 of 6 filters and their biases zeroed");
        }
    }
}
