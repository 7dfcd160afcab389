package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.layers.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ModuleTest {

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
    void aPrependedPreHookRunsFirstAndSeesTheCallersInput() {
        try (Linear fc = new Linear(1, 1, false)) {
            fc.weight().detach().fill_(new org.bytedeco.pytorch.Scalar(1.0));
            List<String> events = new ArrayList<>();
            fc.registerForwardPreHook((m, x) -> {
                events.add("doubles " + x.item_float());
                return x.mul(new org.bytedeco.pytorch.Scalar(2.0));
            });
            HookHandle first = fc.registerForwardPreHook((m, x) -> {
                events.add("sees " + x.item_float());
                return x;
            }, true);
            fc.registerForwardPreHook((m, x) -> {
                events.add("last " + x.item_float());
                return x;
            }, false);
            assertEquals(6f, fc.call(Tensor.create(new float[] {3f}, 1, 1)).item_float());
            assertEquals(List.of("sees 3.0", "doubles 3.0", "last 6.0"), events);
            first.remove();
            events.clear();
            fc.call(Tensor.create(new float[] {1f}, 1, 1));
            assertEquals(List.of("doubles 1.0", "last 2.0"), events);
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
    /** Three linears registered a, b, c; {@code b} is swapped and {@code c} loses its bias. */
    private static final class Three extends Module {
        Three() {
            registerModule("a", new Linear(2, 3));
            registerModule("b", new Linear(3, 4));
            registerModule("c", new Linear(4, 1));
        }

        @Override
        protected Tensor forward(Tensor x) {
            return getSubmodule("c").call(getSubmodule("b").call(getSubmodule("a").call(x)));
        }
    }

    /** A linear that gives up the bias its superclass registered. */
    private static final class BiaslessLinear extends Linear {
        BiaslessLinear() {
            super(4, 1);
            removeParameter("bias");
        }
    }

    @Test
    void replaceChildKeepsTheKeyAndItsPlaceAndReturnsTheOldChild() {
        try (Three model = new Three()) {
            Module oldB = model.getSubmodule("b");
            Linear newB = new Linear(3, 5);
            Module returned = model.replaceChild("b", newB);
            assertSame(oldB, returned);
            oldB.close();
            assertSame(newB, model.getSubmodule("b"));
            assertEquals(List.of("a.weight", "a.bias", "b.weight", "b.bias", "c.weight", "c.bias"),
                    List.copyOf(model.stateDict().keySet()));
            assertArrayEquals(new long[] {5, 3}, model.stateDict().get("b.weight").sizes().vec().get());
            // 2*3+3 + 3*5+5 + 4*1+1
            assertEquals(34, model.parameterCount());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.replaceChild("d", new Linear(1, 1)));
            assertEquals("Three has no child \"d\" to replace", e.getMessage());
        }
    }

    @Test
    void removeParameterUnregistersIt() {
        try (BiaslessLinear fc = new BiaslessLinear()) {
            assertEquals(List.of("weight"), List.copyOf(fc.stateDict().keySet()));
            assertEquals(4, fc.parameterCount());
        }
    }
}
