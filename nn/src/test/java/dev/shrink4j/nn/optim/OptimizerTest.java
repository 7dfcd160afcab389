package dev.shrink4j.nn.optim;

import static dev.shrink4j.nn.optim.OptimTesting.param;
import static dev.shrink4j.nn.optim.OptimTesting.setGrad;
import static dev.shrink4j.nn.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.nn.HookHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Step listeners, gradient hooks and step counting, on {@link Sgd} (lr 0.5, gradient 1: each step subtracts 0.5). */
class OptimizerTest {

    private Tensor p;
    private Sgd sgd;
    private final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        p = param(1.0);
        sgd = Sgd.builder().setLearningRate(0.5).build(List.of(p));
    }

    @AfterEach
    void tearDown() {
        sgd.close();
    }

    private void step() {
        setGrad(p, 1.0);
        sgd.step();
    }

    /** A listener that records "name.before@value#count" and "name.after@value#count". */
    private StepListener recorder(String name) {
        return new StepListener() {
            @Override
            public void beforeStep(Optimizer optimizer) {
                events.add(name + ".before@" + values(p)[0] + "#" + optimizer.stepCount());
            }

            @Override
            public void afterStep(Optimizer optimizer) {
                events.add(name + ".after@" + values(p)[0] + "#" + optimizer.stepCount());
            }
        };
    }

    @Test
    void beforeSeesOldParametersAfterSeesNewOnesInRegistrationOrder() {
        sgd.addStepListener(recorder("a"));
        sgd.addStepListener(recorder("b"));
        step();
        step();
        assertEquals(List.of(
                "a.before@1.0#0", "b.before@1.0#0", "a.after@0.5#1", "b.after@0.5#1",
                "a.before@0.5#1", "b.before@0.5#1", "a.after@0.0#2", "b.after@0.0#2"), events);
        assertEquals(2, sgd.stepCount());
    }

    @Test
    void removedListenersStopRunningAndRemovalIsIdempotent() {
        HookHandle a = sgd.addStepListener(recorder("a"));
        HookHandle b = sgd.addStepListener(recorder("b"));
        assertEquals(2, sgd.stepListenerCount());
        a.remove();
        a.remove();
        step();
        assertEquals(List.of("b.before@1.0#0", "b.after@0.5#1"), events);
        events.clear();
        try (b) {
            assertEquals(1, sgd.stepListenerCount());
        }
        step();
        assertEquals(List.of(), events);
        assertEquals(0, sgd.stepListenerCount());
        assertEquals(2, sgd.stepCount());
        assertEquals(0.0, values(p)[0]);
    }

    @Test
    void aListenerRemovingItselfDuringStepDoesNotBreakTheLoop() {
        AtomicReference<HookHandle> self = new AtomicReference<>();
        sgd.addStepListener(recorder("a"));
        self.set(sgd.addStepListener(new StepListener() {
            @Override
            public void beforeStep(Optimizer optimizer) {
                events.add("once.before");
                self.get().remove();
            }

            @Override
            public void afterStep(Optimizer optimizer) {
                events.add("once.after");
            }
        }));
        sgd.addStepListener(recorder("c"));
        step();
        step();
        // removed in its own beforeStep: no afterStep in that step, nothing later; the others run on
        assertEquals(List.of(
                "a.before@1.0#0", "once.before", "c.before@1.0#0", "a.after@0.5#1", "c.after@0.5#1",
                "a.before@0.5#1", "c.before@0.5#1", "a.after@0.0#2", "c.after@0.0#2"), events);
    }

    @Test
    void aListenerRemovedByAnEarlierOneIsNotCalledAndOneAddedDuringStepStartsNextStep() {
        AtomicReference<HookHandle> victim = new AtomicReference<>();
        sgd.addStepListener(new StepListener() {
            @Override
            public void afterStep(Optimizer optimizer) {
                victim.get().remove();
                optimizer.addStepListener(recorder("late"));
            }
        });
        victim.set(sgd.addStepListener(recorder("victim")));
        step();
        assertEquals(List.of("victim.before@1.0#0"), events);
        events.clear();
        step();
        assertEquals(List.of("late.before@0.5#1", "late.after@0.0#2"), events);
    }

    @Test
    void anExceptionInBeforeStepPropagatesAndLeavesParametersAndCountUnchanged() {
        IllegalStateException boom = new IllegalStateException("boom");
        sgd.addStepListener(new StepListener() {
            @Override
            public void beforeStep(Optimizer optimizer) {
                throw boom;
            }
        });
        setGrad(p, 1.0);
        assertSame(boom, assertThrows(IllegalStateException.class, sgd::step));
        assertEquals(1.0, values(p)[0]);
        assertEquals(0, sgd.stepCount());
    }

    @Test
    void afterStepCanRewriteParametersLikeAMask() {
        // The compressor use case: re-apply a mask after every update.
        Tensor w = param(1.0, 2.0);
        Tensor mask = Tensor.create(new double[] {1.0, 0.0});
        try (Sgd opt = Sgd.builder().setLearningRate(0.1).build(List.of(w))) {
            opt.addStepListener(new StepListener() {
                @Override
                @SuppressWarnings("try")
                public void afterStep(Optimizer optimizer) {
                    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                        w.mul_(mask);
                    }
                }
            });
            setGrad(w, 1.0, 1.0);
            opt.step();
        }
        assertEquals(List.of(0.9, 0.0), List.of(values(w)[0], values(w)[1]));
    }

    @Test
    void gradientHooksRunFirstAndListenersAndTheUpdateSeeTheGradientTheyLeave() {
        sgd.addStepListener(new StepListener() {
            @Override
            public void beforeStep(Optimizer optimizer) {
                events.add("listener.before grad=" + values(p.grad())[0]);
            }
        });
        // registered after the listener, still runs before it: halves the gradient as averaging over 2 ranks would
        HookHandle halve = sgd.addGradientHook(optimizer -> {
            events.add("hook grad=" + values(p.grad())[0] + "#" + optimizer.stepCount());
            p.grad().mul_(new org.bytedeco.pytorch.Scalar(0.5));
        });
        assertEquals(1, sgd.gradientHookCount());
        step();
        assertEquals(List.of("hook grad=1.0#0", "listener.before grad=0.5"), events);
        assertEquals(0.75, values(p)[0]); // 1 - 0.5 · 0.5
        halve.remove();
        halve.remove();
        assertEquals(0, sgd.gradientHookCount());
        events.clear();
        step();
        assertEquals(List.of("listener.before grad=1.0"), events);
        assertEquals(0.25, values(p)[0]);
    }

    @Test
    void anExceptionInAGradientHookPropagatesBeforeAnyListenerAndLeavesParametersAndCountUnchanged() {
        IllegalStateException lost = new IllegalStateException("rank 1 is lost");
        sgd.addStepListener(recorder("a"));
        sgd.addGradientHook(optimizer -> {
            throw lost;
        });
        setGrad(p, 1.0);
        assertSame(lost, assertThrows(IllegalStateException.class, sgd::step));
        assertEquals(List.of(), events);
        assertEquals(1.0, values(p)[0]);
        assertEquals(0, sgd.stepCount());
    }

    @Test
    void closeDropsListenersAndRejectsNewOnes() {
        sgd.addStepListener(recorder("a"));
        sgd.addGradientHook(optimizer -> events.add("hook"));
        sgd.close();
        assertEquals(0, sgd.stepListenerCount());
        assertEquals(0, sgd.gradientHookCount());
        assertEquals("Sgd has been closed",
                assertThrows(IllegalStateException.class, () -> sgd.addStepListener(recorder("b"))).getMessage());
        assertEquals("Sgd has been closed",
                assertThrows(IllegalStateException.class, () -> sgd.addGradientHook(optimizer -> { })).getMessage());
    }
}
