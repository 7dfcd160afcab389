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
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.prune.core.Masks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class PrunerTest {

    // ---- The custom pruner of the acceptance criterion: prune the weights closest to zero in each row.
    static final class RowPruner extends Pruner {
        RowPruner(Module model, ConfigList configList, Sgd optimizer) {
            super(model, configList, optimizer, (sparsity, w) -> {
                Tensor rows = w.weight().abs().flatten(1, -1);
                long prune = (long) Math.floor(rows.size(1) * sparsity);
                Tensor mask = torch.ones_like(rows);
                if (prune > 0) {
                    Tensor smallest = torch.argsort(rows, true, 1, false).narrow(1, 0, prune);
                    mask = mask.scatter(1, smallest, new Scalar(0f));
                }
                return new Masks(mask.view_as(w.weight()), w.bias() == null ? null : torch.ones_like(w.bias()));
            });
        }
    }
    // ---- 14 lines.

    /** A one-layer model: a tree whose child is a Linear. */
    static final class OneLinear extends Module {
        final Linear fc = registerModule("fc", new Linear(4, 2));

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(x);
        }
    }

    @Test
    void customRowPrunerWorksEndToEnd() {
        try (OneLinear model = new OneLinear(); Sgd sgd = Sgd.builder().setLearningRate(0.5).build(model.parameters());
                RowPruner pruner = new RowPruner(model, ConfigList.fromJson(
                        "[{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]"), sgd)) {
            set(model.fc.weight(), new float[] {0.5f, -0.1f, 2f, 0.1f, -3f, 1f, 0.2f, -0.2f});
            set(model.fc.bias(), new float[] {0f, 0f});
            pruner.compress();
            // row 0 |w| = .5 .1 2 .1 → prune the two .1 (indices 1, 3); row 1 |w| = 3 1 .2 .2 → prune 2, 3
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 0, 0}, values(pruner.weightMask("fc")));
            Tensor x = Tensor.create(new float[] {1, 1, 1, 1}, 1, 4);
            assertArrayEquals(new float[] {2.5f, -2f}, values(model.call(x)));
            sgd.zeroGrad();
            model.call(x).sum().backward();
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 0, 0}, values(model.fc.weight().grad()),
                    "pruned weights get zero gradient");
            sgd.step();
            assertArrayEquals(new float[] {0f, -0.1f, 1.5f, 0.1f, -3.5f, 0.5f, 0.2f, -0.2f}, values(model.fc.weight()), 1e-6f);
            assertEquals(Map.of("fc", 0.5), pruner.layerSparsity());
            Map<String, Tensor> masked = pruner.maskedStateDict();
            assertArrayEquals(new float[] {0f, 0f, 1.5f, 0f, -3.5f, 0.5f, 0f, 0f}, values(masked.get("fc.weight")), 1e-6f);
            assertEquals(List.of("fc.weight_mask", "fc.bias_mask"), new ArrayList<>(pruner.masks().keySet()));
        }
    }

    /** The pruner of the bit-exactness test: masks stay all ones. */
    static final class OnesPruner extends Pruner {
        OnesPruner(Module model, ConfigList configList) {
            super(model, configList, null, (sparsity, w) -> new Masks(torch.ones_like(w.weight()),
                    w.bias() == null ? null : torch.ones_like(w.bias())));
        }
    }

    @Test
    void allOnesMasksGiveBitIdenticalOutputsAndGradients() {
        torch.manual_seed(7);
        try (LeNet5 plain = new LeNet5(); LeNet5 wrapped = new LeNet5()) {
            wrapped.loadStateDict(plain.stateDict(), true);
            try (OnesPruner pruner = new OnesPruner(wrapped, ConfigList.fromJson("[{\"sparsity\": 0, \"op_types\": [\"default\"]}]"))) {
                pruner.compress();
                assertEquals(5, pruner.getModulesWrapper().size());
                Tensor x = torch.randn(8, 1, 28, 28);
                Tensor y = torch.randint(0, 10, new long[] {8});
                Tensor outPlain = plain.call(x);
                Tensor outWrapped = wrapped.call(x);
                assertTrue(torch.equal(outPlain, outWrapped));
                torch.cross_entropy(outPlain, y).backward();
                torch.cross_entropy(outWrapped, y).backward();
                Map<String, Tensor> pp = plain.namedParameters();
                wrapped.namedParameters().forEach((k, t) -> assertTrue(torch.equal(pp.get(k).grad(), t.grad()), k));
                Map<String, Tensor> before = new java.util.LinkedHashMap<>();
                wrapped.stateDict().forEach((k, t) -> before.put(k, t.clone()));
                pruner.unwrap();
                assertEquals(new ArrayList<>(before.keySet()), new ArrayList<>(wrapped.stateDict().keySet()));
                wrapped.stateDict().forEach((k, t) -> assertTrue(torch.equal(before.get(k), t), k));
                assertTrue(torch.equal(plain.call(x), wrapped.call(x)));
            }
        }
    }

    @Test
    void layersWithoutWeightAreRejectedAtCompress() {
        try (LeNet5 net = new LeNet5();
                OnesPruner pruner = new OnesPruner(net, ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_names\": [\"conv1\", \"pool1\"]}]"))) {
            ConfigException e = assertThrows(ConfigException.class, pruner::compress);
            assertEquals("invalid config list: config_list[0]: pool1 (MaxPool2d) has no weight to prune", e.getMessage());
        }
    }
}
