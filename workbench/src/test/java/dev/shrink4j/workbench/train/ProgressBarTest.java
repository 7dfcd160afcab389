package dev.shrink4j.workbench.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.optim.Sgd;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    /** Feeds 20 batches of 10 samples, loss 0.5, 5 correct each, one batch per simulated 0.01 s. */
    private static String run(boolean interactive) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), interactive, () -> now[0]);
        try (Linear model = new Linear(1, 1); Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters())) {
            Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(false).build();
            bar.onEpochStart(trainer, 0);
            for (int b = 0; b < 20; b++) {
                now[0] += 10_000_000L;
                bar.onBatchEnd(trainer, new BatchResult(0, b, 20, b + 1, 10, 0.5, 5));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logModePrintsOneLinePerTenth() {
        List<String> lines = run(false).lines().toList();
        assertEquals(10, lines.size());
        assertEquals("epoch 1  10% [##                  ]  2/20  loss 0.5000  acc 50.00%  1000 samples/s", lines.get(0));
        assertEquals("epoch 1 100% [####################] 20/20  loss 0.5000  acc 50.00%  1000 samples/s", lines.get(9));
    }

    @Test
    void terminalModeRedrawsInPlaceAtMostTenTimesASecond() {
        String out = run(true);
        // Draws at the first batch, every 0.1 s (batches 11 and 21 would be) and always at the last: 1, 11, 20.
        assertEquals(3, out.chars().filter(c -> c == '\r').count());
        assertEquals(1, out.chars().filter(c -> c == '\n').count());
        assertEquals("\repoch 1 100% [####################] 20/20  loss 0.5000  acc 50.00%  1000 samples/s\n",
                out.substring(out.lastIndexOf('\r')));
    }
}
