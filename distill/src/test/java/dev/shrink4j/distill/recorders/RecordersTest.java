package dev.shrink4j.distill.recorders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RecordersTest {

    /** {@code relu(fc(x)) + relu(x − 1)}: the ReLU runs twice per forward, as in a ResNet block. */
    static final class TwiceRelu extends Module {
        final Linear fc = registerModule("fc", new Linear(3, 3));
        final ReLU relu = registerModule("relu", new ReLU());

        TwiceRelu() {
            fc.weight().detach().copy_(Tensor.create(new float[] {1, 0, 0, 0, 2, 0, 0, 0, -1}, 3, 3));
            fc.bias().detach().fill_(new Scalar(0.5f));
        }

        @Override
        protected Tensor forward(Tensor x) {
            return relu.call(fc.call(x)).add(relu.call(x.sub(new Scalar(1.0f))));
        }
    }

    private static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    private static final Tensor X = Tensor.create(new float[] {1, 2, 3}, 1, 3);

    @Nested
    class ModuleOutputs {
        @Test
        void everyCallInsideTheContextIsKeptInOrder() {
            try (TwiceRelu model = new TwiceRelu(); Recorder r = ModuleRecorder.outputs("relu")) {
                r.attach(model);
                model.call(X);
                assertEquals(0, r.recordCount(), "nothing is recorded outside a context");
                r.start();
                model.call(X);
                r.stop();
                model.call(X);
                assertEquals(2, r.recordCount(), "the reused ReLU ran twice inside the context");
                // fc(x) = [1.5, 4.5, -2.5] → relu [1.5, 4.5, 0]; x − 1 = [0, 1, 2] → relu [0, 1, 2]
                assertEquals(List.of(1.5f, 4.5f, 0f), boxed(values(r.record(0, null))));
                assertEquals(List.of(0f, 1f, 2f), boxed(values(r.record(1, null))));
                r.start();
                assertEquals(0, r.recordCount(), "a new context drops the old records");
            }
        }

        @Test
        void detachRemovesTheHook() {
            try (TwiceRelu model = new TwiceRelu()) {
                Recorder r = ModuleRecorder.outputs("relu");
                r.attach(model);
                assertEquals(1, model.relu.forwardHookCount());
                assertThrows(IllegalStateException.class, () -> r.attach(model));
                r.close();
                assertEquals(0, model.relu.forwardHookCount());
                r.detach();
                assertTrue(!r.isAttached());
            }
        }

        @Test
        void readingMoreRecordsThanCallsOrATupleElementFails() {
            try (TwiceRelu model = new TwiceRelu(); Recorder r = ModuleRecorder.outputs("fc")) {
                r.attach(model);
                r.start();
                model.call(X);
                assertEquals("record_idx 1 of ModuleOutputs of \"fc\": it has 1 record(s) in this step (the source ran 1 time(s))",
                        assertThrows(IllegalStateException.class, () -> r.record(1, null)).getMessage());
                assertEquals("ModuleOutputs of \"fc\" records a single tensor, not a tuple; remove data_idx 0",
                        assertThrows(IllegalArgumentException.class, () -> r.record(0, 0L)).getMessage());
            }
        }

        @Test
        void theModelItselfIsTheEmptyName() {
            try (TwiceRelu model = new TwiceRelu(); Recorder r = ModuleRecorder.outputs("")) {
                r.attach(model);
                r.start();
                Tensor y = model.call(X);
                assertSame(y, r.record(0, null));
            }
        }

        @Test
        void aSourceThatNamesNoModule() {
            try (TwiceRelu model = new TwiceRelu()) {
                assertEquals("no module \"head.fc\" in TwiceRelu (its modules: fc, relu)",
                        assertThrows(IllegalArgumentException.class, () -> ModuleRecorder.outputs("head.fc").attach(model)).getMessage());
            }
        }
    }

    @Nested
    class ModuleInputs {
        @Test
        void recordsWhatForwardReceivesAsAOneTuple() {
            try (TwiceRelu model = new TwiceRelu(); Recorder r = ModuleRecorder.inputs("relu")) {
                r.attach(model);
                r.start();
                model.call(X);
                assertEquals(List.of(1.5f, 4.5f, -2.5f), boxed(values(r.record(0, 0L))));
                assertEquals(List.of(0f, 1f, 2f), boxed(values(r.record(1, null))), "data_idx may be left out of a 1-tuple");
                assertEquals("data_idx 1 is outside the 1-tuple ModuleInputs of \"relu\" records", r.dataIdxProblem(1L));
            }
        }
    }

    @Nested
    class Parameters {
        @Test
        void theParameterIsRecordedOnceAndOutlivesContexts() {
            try (TwiceRelu model = new TwiceRelu(); Recorder r = new ParameterRecorder("fc.weight")) {
                r.attach(model);
                r.start();
                r.clear();
                assertEquals(1, r.recordCount());
                assertSame(model.fc.weight(), r.record(0, null));
                r.detach();
                assertEquals(0, r.recordCount());
                assertEquals("no parameter \"fc.scale\" in TwiceRelu (its parameters: fc.weight, fc.bias)",
                        new ParameterRecorder("fc.scale").attachProblem(model));
            }
        }
    }

    @Nested
    class TaskLossInputs {
        @Test
        void outputAndTargetByDataIdx() {
            Recorder r = new TaskLossInputsRecorder();
            Tensor out = Tensor.create(new float[] {1, 2}, 1, 2);
            Tensor y = Tensor.create(new long[] {1}, 1);
            ((TaskLossInputsRecorder) r).recordLossInputs(out, y);
            r.start();
            assertEquals(0, r.recordCount(), "a new context drops the previous step's record");
            ((TaskLossInputsRecorder) r).recordLossInputs(out, y);
            assertSame(y, r.record(0, 1L));
            assertSame(out, r.record(0, 0L));
            assertEquals("TaskLossInputs records a tuple of 2; give data_idx", r.dataIdxProblem(null));
        }
    }

    @Nested
    class FromConfig {
        @Test
        void buildsEachTypeAndCollectsProblems() {
            List<String> errors = new ArrayList<>();
            RecorderManager m = RecorderManager.fromConfig("student_recorders", JsonParser.parseString("{"
                    + "\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"fc\"},"
                    + "\"in\": {\"type\": \"ModuleInputs\", \"source\": \"relu\"},"
                    + "\"w\": {\"type\": \"Parameter\", \"source\": \"fc.weight\"},"
                    + "\"labels\": {\"type\": \"TaskLossInputs\"},"
                    + "\"bad\": {\"type\": \"MethodOutputs\", \"source\": \"x\"},"
                    + "\"nosource\": {\"type\": \"ModuleOutputs\"},"
                    + "\"typo\": {\"type\": \"ModuleOutputs\", \"sources\": \"fc\"}}"), errors);
            assertEquals(List.of("fc", "in", "w", "labels"), new ArrayList<>(m.recorders().keySet()));
            assertEquals(List.of(
                    "student_recorders.bad.type: unknown recorder \"MethodOutputs\"; known recorders: ModuleOutputs, ModuleInputs,"
                            + " Parameter, TaskLossInputs",
                    "student_recorders.nosource: missing \"source\"",
                    "student_recorders.typo: missing \"source\"",
                    "student_recorders.typo: unknown key \"sources\" for ModuleOutputs recorder; accepted keys: type, source"), errors);
            try (TwiceRelu model = new TwiceRelu()) {
                assertEquals(List.of(), m.attachProblems("student_recorders", model));
                m.attach(model);
                m.start();
                model.call(X);
                m.stop();
                assertEquals(2, m.get("in").recordCount());
                m.close();
                assertEquals(0, model.fc.forwardHookCount() + model.relu.forwardHookCount());
            }
        }

        @Test
        void attachProblemsNameTheEntry() {
            List<String> errors = new ArrayList<>();
            RecorderManager m = RecorderManager.fromConfig("teacher_recorders", JsonParser.parseString(
                    "{\"fc\": {\"type\": \"ModuleOutputs\", \"source\": \"head.fc\"}}"), errors);
            assertEquals(List.of(), errors);
            try (TwiceRelu model = new TwiceRelu()) {
                assertEquals(List.of("teacher_recorders.fc.source: no module \"head.fc\" in TwiceRelu (its modules: fc, relu)"),
                        m.attachProblems("teacher_recorders", model));
                assertNull(ModuleRecorder.outputs("fc").attachProblem(model));
            }
        }
    }

    private static List<Float> boxed(float[] v) {
        List<Float> out = new ArrayList<>();
        for (float f : v) {
            out.add(f);
        }
        return out;
    }
}
