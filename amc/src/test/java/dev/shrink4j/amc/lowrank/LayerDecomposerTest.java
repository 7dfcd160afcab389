package dev.shrink4j.amc.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.stats.ModelProfile;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Physical replacement of LeNet-5's conv2 and fc1 by their low-rank pairs. */
class LayerDecomposerTest {

    static LeNet5 decomposed(long seed, LowRankMethod convMethod, long convRank, long fcRank) {
        torch.manual_seed(seed);
        LeNet5 model = new LeNet5();
        replace(model, "conv2", convMethod, convRank);
        replace(model, "fc1", LowRankMethod.SVD, fcRank);
        return model;
    }

    static void replace(Module model, String name, LowRankMethod method, long rank) {
        LayerDecomposer.Result r = LayerDecomposer.decompose(name, model.getSubmodule(name), method, rank, null);
        ModuleSurgery.replace(model, name, r.replacement()).close();
    }

    @Test
    void decomposedLeNet5ComputesWithTheTruncatedWeightsAndHasTheSmallerStateDict() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(5);
            LeNet5 reference = new LeNet5();
            Tensor conv2 = reference.conv2.weight();
            Tensor fc1 = reference.fc1.weight();
            LeNet5 model = new LeNet5();
            model.loadStateDict(reference.stateDict(), true);
            replace(model, "conv2", LowRankMethod.SVD, 7);
            replace(model, "fc1", LowRankMethod.SVD, 46);
            // the typed fields now hold the composites the module tree has
            assertTrue(model.conv2 instanceof LowRankConv2d);
            assertSame(model.getSubmodule("conv2"), model.conv2);
            assertTrue(model.fc1 instanceof LowRankLinear);
            Map<String, Tensor> sd = model.stateDict();
            assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.0.weight", "conv2.1.weight", "conv2.1.bias",
                    "fc1.0.weight", "fc1.1.weight", "fc1.1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"),
                    List.copyOf(sd.keySet()));
            assertArrayEquals(new long[] {7, 6, 5, 5}, sd.get("conv2.0.weight").shape());
            assertArrayEquals(new long[] {16, 7, 1, 1}, sd.get("conv2.1.weight").shape());
            assertArrayEquals(new long[] {46, 400}, sd.get("fc1.0.weight").shape());
            assertArrayEquals(new long[] {120, 46}, sd.get("fc1.1.weight").shape());
            // 61,706 parameters before; conv2 2,416 -> 1,050 + 128; fc1 48,120 -> 18,400 + 5,640
            assertEquals(61706 - 2416 + 1050 + 128 - 48120 + 18400 + 5640, model.parameterCount());
            // an independent route: the original layers with W_r = U_r S_r V_rᵀ written into them
            reference.conv2.weight().copy_(truncated(conv2, 7));
            reference.fc1.weight().copy_(truncated(fc1, 46));
            Tensor x = torch.randn(3, 1, 28, 28);
            double diff = Doubles.maxAbsDiff(reference.eval().call(x), model.eval().call(x));
            assertTrue(diff < 1e-4, "max |diff| " + diff);
        }
    }

    /** W_r from libtorch's SVD, computed here without the class under test. */
    static Tensor truncated(Tensor w, long r) {
        Tensor m = w.to(torch.ScalarType.Double).reshape(w.shape()[0], -1);
        var usv = torch.linalg_svd(m, false, new org.bytedeco.pytorch.StringViewOptional());
        Tensor u = usv.get0().narrow(1, 0, r);
        Tensor s = usv.get1().narrow(0, 0, r);
        Tensor vh = usv.get2().narrow(0, 0, r);
        return u.mul(s).mm(vh).reshape(w.shape()).to(torch.ScalarType.Float);
    }

    @Test
    void profilerCountsTheFlopsTheCostModelPredicts() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(1);
            ModelProfile before = ModelProfiler.profile(new LeNet5(), 1, 1, 28, 28);
            LeNet5 model = decomposed(1, LowRankMethod.SVD, 7, 46);
            ModelProfile after = ModelProfiler.profile(model, 1, 1, 28, 28);
            torch.manual_seed(1);
            LeNet5 fresh = new LeNet5();
            LayerCost conv2 = LayerCost.of("conv2", fresh.conv2, LowRankMethod.SVD, new long[] {1, 6, 14, 14},
                    new long[] {1, 16, 10, 10});
            LayerCost fc1 = LayerCost.of("fc1", fresh.fc1, LowRankMethod.SVD, new long[] {1, 400}, new long[] {1, 120});
            assertEquals(before.layer("conv2").flops(), conv2.flopsBefore());
            assertEquals(before.layer("fc1").flops(), fc1.flopsBefore());
            assertEquals(after.layer("conv2.0").flops() + after.layer("conv2.1").flops(), conv2.flopsAfter(7));
            assertEquals(after.layer("fc1.0").flops() + after.layer("fc1.1").flops(), fc1.flopsAfter(46));
            // by hand: conv2 100 pixels · (16·150 + 16) = 241,600 -> 7·(150 + 16)·100 + 1,600 = 117,800
            assertEquals(241_600, conv2.flopsBefore());
            assertEquals(117_800, conv2.flopsAfter(7));
        }
    }

    @Test
    void decomposedLeNet5TracesAsAGraphOfTheSmallerLayers() {
        try (PointerScope scope = new PointerScope()) {
            LeNet5 model = decomposed(2, LowRankMethod.VH, 3, 20);
            ModelGraph graph = ModelGraph.trace(model, torch.zeros(1, 1, 28, 28));
            for (String n : List.of("conv2.0", "conv2.1", "fc1.0", "fc1.1")) {
                assertTrue(graph.hasNode(n), n + " missing from " + graph);
            }
            assertEquals("conv2.0", graph.inputsOf(graph.node("conv2.1")).get(0).source().name());
            assertEquals("fc1.0", graph.inputsOf(graph.node("fc1.1")).get(0).source().name());
        }
    }

    @Test
    void stateDictRoundTripsThroughSafetensors(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            LeNet5 model = decomposed(3, LowRankMethod.SVD, 5, 30);
            Path file = dir.resolve("lowrank.safetensors");
            SafeTensors.save(model.stateDict(), file);
            LeNet5 other = decomposed(4, LowRankMethod.SVD, 5, 30); // other weights, same ranks
            Tensor x = torch.randn(2, 1, 28, 28);
            assertTrue(Doubles.maxAbsDiff(model.eval().call(x), other.eval().call(x)) > 1e-3);
            other.loadStateDict(SafeTensors.load(file), true);
            assertEquals(0.0, Doubles.maxAbsDiff(model.call(x), other.eval().call(x)));
        }
    }

    @Test
    void aSavedLowRankModelComesBackFromItsFileAndTheArchitecture(@TempDir Path dir) throws Exception {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            LeNet5 model = decomposed(9, LowRankMethod.VH, 3, 25);
            Path file = dir.resolve("model-lowrank.safetensors");
            LowRankModels.save(model, dev.shrink4j.nn.io.ModelMetadata.empty().withArch("lenet5"), file);
            assertEquals("{\"conv2\":{\"form\":\"vh\",\"rank\":3},\"fc1\":{\"form\":\"svd\",\"rank\":25}}",
                    dev.shrink4j.nn.io.ModelMetadata.read(file).get(LowRankModels.LOW_RANK_LAYERS).orElseThrow());
            torch.manual_seed(10);
            Module loaded = LowRankModels.load(file, new LeNet5());
            Tensor x = torch.randn(2, 1, 28, 28);
            assertEquals(0.0, Doubles.maxAbsDiff(model.eval().call(x), loaded.eval().call(x)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                Path plain = dir.resolve("plain.safetensors");
                SafeTensors.save(new LeNet5().stateDict(), plain);
                LowRankModels.load(plain, new LeNet5());
            });
            assertTrue(e.getMessage().endsWith("plain.safetensors records no low-rank layers (__metadata__"
                    + " \"low_rank_layers\")"), e.getMessage());
        }
    }

    @Test
    void verticalHorizontalPairOfLeNetConv2MatchesItsTruncation() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(6);
            Conv2d conv = new Conv2d(6, 16, 5);
            LayerDecomposer.Result r = LayerDecomposer.decompose("conv2", conv, LowRankMethod.VH, 4, null);
            LowRankConv2d pair = (LowRankConv2d) r.replacement();
            assertArrayEquals(new long[] {4, 6, 5, 1}, ((Conv2d) pair.first()).weight().shape());
            assertArrayEquals(new long[] {16, 4, 1, 5}, ((Conv2d) pair.second()).weight().shape());
            Factors f = LowRankFactorization.verticalHorizontal(conv.weight(), conv.bias(), 4);
            Tensor x = torch.randn(2, 6, 14, 14);
            Tensor expected = Conv2d.conv2d(x, LowRankFactorization.product(f, conv.weight().shape(), true)
                    .to(torch.ScalarType.Float), conv.bias(), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1}, 1);
            double diff = Doubles.maxAbsDiff(expected, pair.call(x));
            assertTrue(diff < 1e-4, "max |diff| " + diff);
            assertEquals(f.weightError(), r.weightError(), 1e-9);
        }
    }

    @Test
    void gradientsReachTheNewLayers() {
        try (PointerScope scope = new PointerScope()) {
            LeNet5 model = decomposed(7, LowRankMethod.SVD, 6, 40);
            model.train();
            Tensor loss = model.call(torch.randn(4, 1, 28, 28)).pow(new org.bytedeco.pytorch.Scalar(2.0)).mean();
            loss.backward();
            Map<String, Tensor> params = model.namedParameters();
            for (String n : List.of("conv2.0.weight", "conv2.1.weight", "fc1.0.weight", "fc1.1.bias")) {
                assertTrue(params.get(n).grad().defined() && params.get(n).grad().abs().sum().item_double() > 0, n);
            }
        }
    }

    @Test
    void aFieldThatCannotHoldTheReplacementIsNamed() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(8);
            LeNet5 model = new LeNet5();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ModuleSurgery.replace(model, "fc2", new Conv2d(1, 1, 1)));
            assertEquals("cannot replace fc2: field LeNet5.fc2 is declared Linear, which a Conv2d is not", e.getMessage());
            assertTrue(model.getSubmodule("fc2") instanceof Linear, "nothing changed");
        }
    }
}
