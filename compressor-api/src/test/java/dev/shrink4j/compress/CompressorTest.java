package dev.shrink4j.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class CompressorTest {

    /** A test compressor taking pruning config lists (a {@code sparsity} in each entry), named by its class. */
    abstract static class SparsityCompressor extends Compressor {

        SparsityCompressor(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer);
        }

        @Override
        protected ConfigSchema configSchema() {
            return ConfigSchema.builder(getClass().getSimpleName()).addAll(ConfigSchema.PRUNING).require(ConfigKeys.SPARSITY)
                    .build();
        }
    }

    /** A minimal compressor: a ones mask per layer, used through a parametrization; counts steps. */
    static final class OnesMaskCompressor extends SparsityCompressor {
        final List<String> events = new ArrayList<>();

        OnesMaskCompressor(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer);
        }

        @Override
        protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
            return layer.module().getParameter("weight") == null
                    ? List.of("config_list[" + config.index() + "]: " + layer.name() + " (" + layer.type() + ") has no weight")
                    : List.of();
        }

        @Override
        protected void wrap(ModuleWrapper w) {
            Tensor mask = w.registerBuffer("weight_mask", torch.ones_like(w.weight()));
            w.track(w.module().registerParametrization("weight", x -> x.mul(mask)));
        }

        @Override
        protected void beforeOptimizerStep() {
            events.add("before");
        }

        @Override
        protected void afterOptimizerStep() {
            events.add("after");
        }
    }

    /**
     * Adds a parameter group (one scale per wrapped layer) to the optimizer in {@code afterWrap}, as LSQ
     * does, and takes it back in {@code undoAfterWrap}, recording what it saw there.
     */
    static final class GroupAddingCompressor extends SparsityCompressor {
        final List<Tensor> scales = new ArrayList<>();
        final List<String> undoSeen = new ArrayList<>();
        boolean groupAdded;
        RuntimeException failAfterWrap;
        RuntimeException failUndo;

        GroupAddingCompressor(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer);
        }

        @Override
        protected void wrap(ModuleWrapper w) {
            Tensor scale = w.registerBuffer("scale", torch.ones(1).requires_grad_(true));
            scales.add(scale);
            w.track(w.module().registerParametrization("weight", x -> x.mul(scale)));
        }

        @Override
        protected void afterWrap() {
            optimizer().orElseThrow().addParamGroup(List.copyOf(scales));
            groupAdded = true;
            if (failAfterWrap != null) {
                throw failAfterWrap;
            }
        }

        @Override
        protected void undoAfterWrap() {
            Optimizer o = optimizer().orElseThrow();
            undoSeen.add("listeners " + o.stepListenerCount() + ", groups " + o.paramGroups().size()
                    + ", scale sum " + scales.stream().mapToDouble(t -> t.sum().item_double()).sum());
            if (groupAdded) {
                o.removeParamGroup(scales);
                groupAdded = false;
            }
            scales.clear();
            if (failUndo != null) {
                throw failUndo;
            }
        }
    }

    @Test
    void unwrapUndoesWhatAfterWrapDidOnceWhileTheWrapperBuffersAreAlive() {
        try (LeNet5 net = new LeNet5(); Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(net.parameters())) {
            GroupAddingCompressor c = new GroupAddingCompressor(net, configs("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"), sgd);
            c.compress();
            assertEquals(2, sgd.paramGroups().size());
            net.call(torch.randn(2, 1, 28, 28)).sum().backward();
            sgd.step();
            c.unwrap();
            c.close();
            // listener already gone, the group still there, both scales (1 − 0.1·grad) still readable: released after
            assertEquals(1, c.undoSeen.size(), "undoAfterWrap runs once");
            assertTrue(c.undoSeen.get(0).startsWith("listeners 0, groups 2, scale sum "), c.undoSeen.get(0));
            assertEquals(1, sgd.paramGroups().size());
            assertEquals(net.parameters().size(), sgd.paramGroups().get(0).params().size());
            assertEquals(java.util.Set.of(), net.conv1.parametrizedNames());
            sgd.zeroGrad();
            net.call(torch.randn(2, 1, 28, 28)).sum().backward();
            sgd.step();
        }
    }

    @Test
    void aFailedCompressRollsBackThroughUndoAfterWrap() {
        try (LeNet5 net = new LeNet5(); Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters())) {
            GroupAddingCompressor c = new GroupAddingCompressor(net, configs("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"), sgd);
            c.failAfterWrap = new IllegalStateException("set-up failed");
            IllegalStateException e = assertThrows(IllegalStateException.class, c::compress);
            assertSame(c.failAfterWrap, e);
            assertEquals(List.of("listeners 0, groups 2, scale sum 2.0"), c.undoSeen);
            assertEquals(1, sgd.paramGroups().size());
            assertEquals(0, sgd.stepListenerCount());
            assertEquals(java.util.Set.of(), net.conv1.parametrizedNames());
            assertEquals(java.util.Set.of(), net.conv2.parametrizedNames());
        }
    }

    @Test
    void aFailingUndoStillReleasesTheWrappersAndIsThrown() {
        try (LeNet5 net = new LeNet5(); Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters())) {
            GroupAddingCompressor c = new GroupAddingCompressor(net, configs("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"), sgd);
            c.compress();
            List<ModuleWrapper> wrappers = c.getModulesWrapper();
            c.failUndo = new IllegalStateException("undo failed");
            assertSame(c.failUndo, assertThrows(IllegalStateException.class, c::unwrap));
            assertTrue(wrappers.stream().allMatch(ModuleWrapper::isReleased));
            assertEquals(java.util.Set.of(), net.conv1.parametrizedNames());
            assertEquals(0, sgd.stepListenerCount());
            c.unwrap(); // idempotent: nothing runs twice
            assertEquals(1, c.undoSeen.size());
        }
    }

    static ConfigList configs(String json) {
        return ConfigList.fromJson(json);
    }

    @Test
    void lastMatchingEntryWinsAndExcludeFalseDoesNotExclude() {
        try (LeNet5 net = new LeNet5();
                OnesMaskCompressor c = new OnesMaskCompressor(net, configs("["
                        + "{\"sparsity\": 0.5, \"op_types\": [\"default\"]},"
                        + "{\"sparsity\": 0.8, \"op_names\": [\"fc1\"]},"
                        + "{\"exclude\": true, \"op_names\": [\"fc3\"]},"
                        + "{\"exclude\": false, \"sparsity\": 0.3, \"op_names\": [\"conv2\"]}]"), null)) {
            c.compress();
            Map<String, Double> got = new LinkedHashMap<>();
            c.getModulesToCompress().forEach(s -> got.put(s.layer().name(), s.config().sparsity()));
            assertEquals(Map.of("conv1", 0.5, "conv2", 0.3, "fc1", 0.8, "fc2", 0.5), got);
            assertEquals(List.of("conv1", "conv2", "fc1", "fc2"), new ArrayList<>(got.keySet()));
            assertEquals(""
                    + "layer  type    config                      settings\n"
                    + "conv1  Conv2d  config_list[0]              sparsity=0.5\n"
                    + "conv2  Conv2d  config_list[3]              sparsity=0.3\n"
                    + "fc1    Linear  config_list[1]              sparsity=0.8\n"
                    + "fc2    Linear  config_list[0]              sparsity=0.5\n"
                    + "fc3    Linear  excluded by config_list[2]  -\n", c.describe());
        }
    }

    @Test
    void layerLevelValidationFailsAtCompressWithEveryProblem() {
        try (LeNet5 net = new LeNet5()) {
            OnesMaskCompressor c = new OnesMaskCompressor(net, configs(
                    "[{\"sparsity\": 0.5, \"op_types\": [\"ReLU\", \"MaxPool2d\"]}]"), null);
            ConfigException e = assertThrows(ConfigException.class, c::compress);
            assertEquals(List.of("config_list[0]: relu1 (ReLU) has no weight", "config_list[0]: pool1 (MaxPool2d) has no weight",
                    "config_list[0]: relu2 (ReLU) has no weight", "config_list[0]: pool2 (MaxPool2d) has no weight",
                    "config_list[0]: relu3 (ReLU) has no weight", "config_list[0]: relu4 (ReLU) has no weight"), e.errors());
            assertFalse(net.conv1.isParametrized("weight"));
        }
    }

    @Test
    void configListAndLayerProblemsComeInOneExceptionAndValidateWrapsNothing() {
        try (LeNet5 net = new LeNet5()) {
            OnesMaskCompressor c = new OnesMaskCompressor(net, configs("["
                    + "{\"sparsity\": 0.5, \"op_types\": [\"ReLU\"]},"     // valid, but ReLUs have no weight
                    + "{\"sparsity\": 2, \"op_names\": [\"conv1\", \"pool9\"]},"
                    + "{\"sparsity\": 0.5, \"op_names\": [\"relu4\"], \"sparsty\": 1}]"), null);
            ConfigException e = assertThrows(ConfigException.class, c::validate);
            // relu4's last matching entry is [2], which is invalid: its layer checks would not apply, so none is reported
            assertEquals(List.of("config_list[1].sparsity: 2 is outside [0, 1)",
                    "config_list[1].op_names: \"pool9\" matches no module in LeNet5",
                    "config_list[2]: unknown key \"sparsty\"; accepted keys: exclude, op_names, op_types, sparsity, sparsity_per_layer",
                    "config_list[0]: relu1 (ReLU) has no weight", "config_list[0]: relu2 (ReLU) has no weight",
                    "config_list[0]: relu3 (ReLU) has no weight"), e.errors());
            assertEquals(e.errors(), assertThrows(ConfigException.class, c::compress).errors());
            assertFalse(c.isCompressed());
            assertFalse(net.conv1.isParametrized("weight"));
        }
    }

    @Test
    void aListThatSelectsNoLayerIsAnError() {
        try (LeNet5 net = new LeNet5()) {
            assertEquals(List.of("config_list: selects no layer to compress in LeNet5; every layer it matches (conv1, conv2) is excluded"),
                    assertThrows(ConfigException.class, new OnesMaskCompressor(net, configs(
                            "[{\"exclude\": true, \"op_types\": [\"Conv2d\"]}]"), null)::validate).errors());
            assertEquals(List.of("config_list: selects no layer to compress in LeNet5; no layer has both the op_types and one of"
                    + " the op_names of an entry"), assertThrows(ConfigException.class, new OnesMaskCompressor(net, configs(
                            "[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"], \"op_names\": [\"fc1\"]}]"), null)::validate).errors());
        }
    }

    @Test
    void anEntryThatCannotBeMatchedLeavesLayerChecksOut() {
        try (LeNet5 net = new LeNet5()) {
            OnesMaskCompressor c = new OnesMaskCompressor(net, configs("["
                    + "{\"sparsity\": 0.5, \"op_types\": [\"ReLU\"]}, {\"sparsity\": 0.5, \"op_names\": \"relu1\"}]"), null);
            // which entry relu1 gets is unknown while [1]'s op_names is malformed: no layer is checked
            assertEquals(List.of("config_list[1].op_names: expected a list of strings, got string \"relu1\""),
                    assertThrows(ConfigException.class, c::validate).errors());
        }
    }

    @Test
    void hooksIntoOptimizerStepsAndUnwrapRestoresTheModel() {
        try (LeNet5 net = new LeNet5(); Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters())) {
            Map<String, Tensor> before = net.stateDict();
            List<String> keysBefore = new ArrayList<>(before.keySet());
            OnesMaskCompressor c = new OnesMaskCompressor(net, configs("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"), sgd);
            assertSame(net, c.compress());
            assertEquals(keysBefore, new ArrayList<>(net.stateDict().keySet()), "wrapping keeps the model's keys");
            assertTrue(net.conv1.isParametrized("weight"));
            assertEquals(List.of("conv1.weight_mask", "conv2.weight_mask"),
                    c.stateDict().keySet().stream().filter(k -> k.endsWith("_mask")).toList());
            sgd.step();
            assertEquals(List.of("before", "after"), c.events);
            assertEquals(1, sgd.stepListenerCount());
            c.unwrap();
            assertEquals(0, sgd.stepListenerCount());
            assertFalse(net.conv1.isParametrized("weight"));
            assertEquals(keysBefore, new ArrayList<>(net.stateDict().keySet()));
            sgd.step();
            assertEquals(List.of("before", "after"), c.events, "no events after unwrap");
            assertThrows(IllegalStateException.class, c::getModulesWrapper);
        }
    }

    @Test
    void wrappersBuffersStateAndCollectors() {
        try (LeNet5 net = new LeNet5();
                OnesMaskCompressor c = new OnesMaskCompressor(net, configs("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\", \"fc2\"]}]"), null)) {
            c.compress();
            Tensor threshold = torch.full(new long[] {1}, new org.bytedeco.pytorch.Scalar(2.5f));
            c.registerWrappersBuffer("threshold", threshold);
            StateKey<Integer> iterations = StateKey.of("iterations", Integer.class);
            c.putWrappersState(iterations, w -> w.name().length());
            for (ModuleWrapper w : c.getModulesWrapper()) {
                assertEquals(2.5f, w.getBuffer("threshold").item_float());
                assertEquals(3, w.state(iterations));
            }
            threshold.fill_(new org.bytedeco.pytorch.Scalar(7f));
            assertEquals(2.5f, c.getWrapper("fc1").getBuffer("threshold").item_float(), "each wrapper has its own copy");
            IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                    () -> c.registerWrappersBuffer("threshold", threshold));
            assertEquals("fc1 already has buffer \"threshold\"", clash.getMessage());
            assertEquals("fc2.threshold", new ArrayList<>(c.stateDict().keySet()).get(c.stateDict().size() - 1));
            List<String> seen = new ArrayList<>();
            int id = c.addActivationCollector(w -> w.module().registerForwardHook((m, x, y) -> {
                seen.add(w.name());
                return y;
            }));
            net.call(torch.zeros(1, 1, 28, 28));
            assertEquals(List.of("fc1", "fc2"), seen);
            c.removeActivationCollector(id);
            net.call(torch.zeros(1, 1, 28, 28));
            assertEquals(2, seen.size());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.removeActivationCollector(id));
            assertEquals("no activation collector with id 0; registered ids: []", e.getMessage());
        }
    }

    @Test
    void loadModelStateDictRestoresWeightsAndWrapperBuffers() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5();
                OnesMaskCompressor ca = new OnesMaskCompressor(a, configs("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]"), null);
                OnesMaskCompressor cb = new OnesMaskCompressor(b, configs("[{\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]"), null)) {
            ca.compress();
            cb.compress();
            ca.getWrapper("fc1").getBuffer("weight_mask").fill_(new org.bytedeco.pytorch.Scalar(0f));
            cb.loadModelStateDict(ca.stateDict());
            assertEquals(0f, cb.getWrapper("fc1").getBuffer("weight_mask").abs().sum().item_float());
            assertTrue(torch.equal(a.fc2.weight(), b.fc2.weight()));
        }
    }
}
