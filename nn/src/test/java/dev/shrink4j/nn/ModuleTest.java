package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.zoo.LeNet5;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ModuleTest {

    @Test
    void stateDictKeysFollowPyTorchNaming() {
        try (LeNet5 net = new LeNet5()) {
            assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
                    "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"), new ArrayList<>(net.stateDict().keySet()));
            assertEquals(61706, net.parameterCount());
            assertSame(net.fc1, net.getSubmodule("fc1"));
        }
    }

    @Test
    void hooksFireInOrderAndAreRemovedByTheirHandle() {
        try (Linear fc = new Linear(2, 2)) {
            List<String> events = new ArrayList<>();
            HookHandle pre = fc.registerForwardPreHook((m, x) -> {
                events.add("pre");
                return x.mul(new org.bytedeco.pytorch.Scalar(2.0));
            });
            HookHandle post1 = fc.registerForwardHook((m, x, y) -> {
                events.add("post1");
                return y;
            });
            HookHandle post2 = fc.registerForwardHook((m, x, y) -> {
                events.add("post2");
                return torch.zeros_like(y);
            });
            assertEquals(1, fc.forwardPreHookCount());
            assertEquals(2, fc.forwardHookCount());
            Tensor out = fc.call(torch.ones(1, 2));
            assertEquals(List.of("pre", "post1", "post2"), events);
            assertEquals(0f, out.abs().sum().item_float());
            pre.remove();
            post2.close();
            events.clear();
            fc.call(torch.ones(1, 2));
            assertEquals(List.of("post1"), events);
            post1.remove();
            post1.remove();
            assertEquals(0, fc.forwardPreHookCount());
            assertEquals(0, fc.forwardHookCount());
        }
    }

    @Test
    void loadStateDictListsEveryBadKey() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5(5)) {
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>(b.stateDict());
            sd.remove("conv1.bias");
            sd.put("extra.weight", torch.zeros(1));
            StateDictException e = assertThrows(StateDictException.class, () -> a.loadStateDict(sd, true));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  missing keys: conv1.bias\n"
                    + "  unexpected keys: extra.weight\n"
                    + "  size mismatch for fc3.weight: checkpoint has shape [5, 84], the model has [10, 84]\n"
                    + "  size mismatch for fc3.bias: checkpoint has shape [5], the model has [10]", e.getMessage());
        }
    }

    @Test
    void loadStateDictRefusesAnotherDtypeInsteadOfCastingAndCopiesNothing() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5()) {
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>(b.stateDict());
            sd.put("conv1.weight", b.conv1.weight().detach().to(torch.ScalarType.Double));
            sd.put("fc3.bias", b.fc3.bias().detach().to(torch.ScalarType.Half));
            Tensor before = a.fc2.weight().detach().clone();
            StateDictException e = assertThrows(StateDictException.class, () -> a.loadStateDict(sd, false));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  dtype mismatch for conv1.weight: checkpoint has float64, the model has float32\n"
                    + "  dtype mismatch for fc3.bias: checkpoint has float16, the model has float32", e.getMessage());
            assertEquals(List.of("conv1.weight: checkpoint has float64, the model has float32",
                    "fc3.bias: checkpoint has float16, the model has float32"), e.dtypeMismatches());
            // the valid keys were not copied either
            assertTrue(torch.equal(before, a.fc2.weight()));
        }
    }

    @Test
    void loadStateDictRefusesNaNAndInfiniteValuesNamingTheTensor() {
        try (LeNet5 a = new LeNet5(); LeNet5 b = new LeNet5()) {
            Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
            b.stateDict().forEach((k, v) -> sd.put(k, v.detach().clone()));
            // fc1.weight is [120, 400]: row 2, column 5 is element 805; row 7, column 0 is element 2800
            sd.get("fc1.weight").get(2).get(5).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            sd.get("fc1.weight").get(7).get(0).fill_(new org.bytedeco.pytorch.Scalar(Double.NEGATIVE_INFINITY));
            sd.get("fc1.weight").get(9).get(9).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            sd.get("fc3.bias").get(4).fill_(new org.bytedeco.pytorch.Scalar(Double.POSITIVE_INFINITY));
            Tensor before = a.fc1.weight().detach().clone();
            StateDictException e = assertThrows(StateDictException.class, () -> a.loadStateDict(sd, true));
            assertEquals("Error(s) in loading state dict for LeNet5:\n"
                    + "  invalid values in fc1.weight: 2 NaN and 1 infinite of 48000 values (the first, element 805, is NaN)\n"
                    + "  invalid values in fc3.bias: 1 infinite of 10 values (the first, element 4, is inf)", e.getMessage());
            assertEquals(2, e.invalidValues().size());
            assertTrue(torch.equal(before, a.fc1.weight()));
        }
    }

    @Test
    void parametrizationChangesForwardButNotTheStoredParameter() {
        try (Linear fc = new Linear(2, 1, false)) {
            fc.weight().detach().copy_(Tensor.create(new float[] {3f, 4f}, 1, 2));
            Tensor mask = Tensor.create(new float[] {1f, 0f}, 1, 2);
            HookHandle h = fc.registerParametrization("weight", w -> w.mul(mask));
            assertEquals(java.util.Set.of("weight"), fc.parametrizedNames());
            Tensor y = fc.call(Tensor.create(new float[] {1f, 1f}, 1, 2));
            assertEquals(3f, y.item_float());
            y.sum().backward();
            float[] grad = new float[2];
            fc.weight().grad().contiguous().data_ptr_float().get(grad);
            assertArrayEquals(new float[] {1f, 0f}, grad);
            h.close();
            assertEquals(java.util.Set.of(), fc.parametrizedNames());
            assertEquals(7f, fc.call(Tensor.create(new float[] {1f, 1f}, 1, 2)).item_float());
        }
    }
}
