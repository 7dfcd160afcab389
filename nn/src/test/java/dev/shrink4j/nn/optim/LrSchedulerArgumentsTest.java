package dev.shrink4j.nn.optim;

import static dev.shrink4j.nn.optim.OptimTesting.param;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every scheduler refuses a period shorter than one epoch and a negative or infinite rate parameter, naming it. */
class LrSchedulerArgumentsTest {

    static Stream<Arguments> badArguments() {
        return Stream.of(
                Arguments.of("StepLr: stepSize must be at least 1, got 0",
                        (Function<Optimizer, LrScheduler>) o -> new StepLr(o, 0, 0.1)),
                Arguments.of("StepLr: gamma must be finite and non-negative, got -0.1",
                        (Function<Optimizer, LrScheduler>) o -> new StepLr(o, 1, -0.1)),
                Arguments.of("StepLr: gamma must be finite and non-negative, got Infinity",
                        (Function<Optimizer, LrScheduler>) o -> new StepLr(o, 1, Double.POSITIVE_INFINITY)),
                Arguments.of("CosineAnnealingLr: tMax must be at least 1, got 0",
                        (Function<Optimizer, LrScheduler>) o -> new CosineAnnealingLr(o, 0, 0)),
                Arguments.of("CosineAnnealingLr: etaMin must be finite and non-negative, got -0.1",
                        (Function<Optimizer, LrScheduler>) o -> new CosineAnnealingLr(o, 5, -0.1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void refusesNamingTheSchedulerAndTheArgument(String message, Function<Optimizer, LrScheduler> create) {
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(param(1.0)))) {
            assertEquals(message, assertThrows(IllegalArgumentException.class, () -> create.apply(sgd)).getMessage());
            assertEquals(1.0, sgd.learningRate(), "a refused scheduler leaves the rates alone");
        }
    }
}
