package dev.shrink4j.distill.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Identity;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DeliveryManagerTest {

    /** Adds fresh uniform noise: teacher and student draw different numbers unless the draw is delivered. */
    static final class Noise extends Module {
        @Override
        protected Tensor forward(Tensor x) {
            return x.add(torch.rand(x.shape()));
        }
    }

    /** {@code noise(x) * 2}, with the noise module called {@code times} times per forward. */
    static final class Model extends Module {
        final Noise noise = registerModule("noise", new Noise());
        final Identity out = registerModule("out", new Identity());
        private final int times;

        Model(int times) {
            this.times = times;
        }

        @Override
        protected Tensor forward(Tensor x) {
            Tensor y = x;
            for (int i = 0; i < times; i++) {
                y = noise.call(y);
            }
            return out.call(y.mul(new Scalar(2.0f)));
        }
    }

    private static DeliveryManager manager(String json, List<String> errors) {
        return DeliveryManager.fromConfig("distill_deliveries", JsonParser.parseString(json), errors);
    }

    private static float first(Tensor t) {
        return t.flatten().get(0).item_float();
    }

    @Test
    void theStudentGetsTheTeachersDraw() {
        List<String> errors = new ArrayList<>();
        try (Model teacher = new Model(1); Model student = new Model(1);
             DeliveryManager d = manager("{\"noise\": {\"type\": \"ModuleOutputs\", \"source\": \"noise\"}}", errors)) {
            assertEquals(List.of(), errors);
            d.attach(teacher, student);
            Tensor x = torch.zeros(1, 4);
            d.setActive(true);
            d.setOverride(false);
            float t = first(teacher.call(x));
            assertEquals(1, d.deliveries().get("noise").queued());
            d.setOverride(true);
            float s = first(student.call(x));
            assertEquals(t, s, "the student's noise is the teacher's");
            assertEquals(0, d.deliveries().get("noise").queued());
            d.setActive(false);
            assertNotEquals(first(teacher.call(x)), first(student.call(x)), "inactive: each draws its own");
            d.close();
            assertEquals(0, teacher.noise.forwardHookCount() + student.noise.forwardHookCount());
        }
    }

    @Test
    void aFullQueueAndAnEmptyQueueAreErrorsAndClearEmptiesIt() {
        List<String> errors = new ArrayList<>();
        try (Model teacher = new Model(2); Model student = new Model(1);
             DeliveryManager d = manager("{\"aug\": {\"type\": \"ModuleOutputs\", \"source\": \"noise\", \"max_keep_data\": 1}}",
                     errors)) {
            d.attach(teacher, student);
            d.setActive(true);
            assertEquals("delivery \"aug\": the teacher's \"noise\" ran more than max_keep_data=1 time(s) in one step;"
                    + " raise max_keep_data", assertThrows(IllegalStateException.class, () -> teacher.call(torch.zeros(1, 2))).getMessage());
            d.clear();
            d.setOverride(true);
            assertEquals("delivery \"aug\": the student's \"noise\" ran more often than the teacher's \"noise\" in this step"
                    + " (nothing left to deliver)", assertThrows(IllegalStateException.class, () -> student.call(torch.zeros(1, 2))).getMessage());
        }
    }

    @Test
    void aDeliveredOutputMustHaveTheStudentsShape() {
        List<String> errors = new ArrayList<>();
        try (Model teacher = new Model(1); Model student = new Model(1);
             DeliveryManager d = manager("{\"aug\": {\"type\": \"ModuleOutputs\", \"source\": \"noise\"}}", errors)) {
            d.attach(teacher, student);
            d.setActive(true);
            teacher.call(torch.zeros(1, 3));
            d.setOverride(true);
            assertEquals("delivery \"aug\": the teacher's \"noise\" output has shape [1, 3] but the student's \"noise\" has [1, 5]",
                    assertThrows(IllegalStateException.class, () -> student.call(torch.zeros(1, 5))).getMessage());
        }
    }

    @Test
    void configProblemsAndMissingModules() {
        List<String> errors = new ArrayList<>();
        DeliveryManager d = manager("{\"a\": {\"type\": \"MethodOutputs\", \"method_path\": \"x.y.z\"},"
                + " \"b\": {\"type\": \"ModuleOutputs\", \"source\": \"noise\", \"max_keep_data\": 0},"
                + " \"c\": {\"type\": \"ModuleOutputs\", \"source\": \"noise\", \"target\": \"aug\"}}", errors);
        assertEquals(List.of(
                "distill_deliveries.a.type: unknown delivery \"MethodOutputs\"; known deliveries: ModuleOutputs",
                "distill_deliveries.b.max_keep_data: 0 is outside [1, 2147483647]"), errors);
        try (Model teacher = new Model(1); Model student = new Model(1)) {
            assertEquals(List.of("distill_deliveries.c.target: no module \"aug\" in the student (Model)"),
                    d.attachProblems("distill_deliveries", teacher, student));
            assertThrows(IllegalArgumentException.class, () -> d.attach(teacher, student));
        }
    }
}
