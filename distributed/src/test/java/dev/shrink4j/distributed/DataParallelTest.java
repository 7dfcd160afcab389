package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shrink4j.workbench.data.Dataset;
import java.time.Duration;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** DataParallel with the ranks as threads of this JVM ({@link ThreadRanks}). */
class DataParallelTest {

    private static Dataset data;

    @BeforeAll
    static void makeData() {
        data = Scenarios.dataset();
    }

    @AfterAll
    static void closeData() {
        data.close();
    }

    private static Snapshot single(Scenarios.Scenario s) {
        try (PointerScope scope = new PointerScope()) {
            return Snapshot.of(Scenarios.train(s, Scenarios.unionLoader(data, 2), null));
        }
    }

    private static List<ThreadRanks.Outcome<Snapshot>> ranks(Scenarios.Scenario s) throws InterruptedException {
        return ThreadRanks.run(2, Duration.ofSeconds(20), ctx -> {
            try (PointerScope scope = new PointerScope()) {
                Snapshot out = Snapshot.of(Scenarios.train(s, Scenarios.shardLoader(data, ctx.rank(), 2), ctx));
                ctx.finish();
                return out;
            }
        });
    }

    @ParameterizedTest
    @EnumSource(names = {"SGD", "AGP", "QAT"})
    void twoRanksAreBitIdenticalAndEqualToOneProcessOnTheUnion(Scenarios.Scenario s) throws Exception {
        List<ThreadRanks.Outcome<Snapshot>> out = ranks(s);
        assertNull(out.get(0).failure(), () -> "rank 0: " + out.get(0).failure());
        assertNull(out.get(1).failure(), () -> "rank 1: " + out.get(1).failure());
        out.get(0).value().assertBitIdentical(out.get(1).value(), s + " rank 0 vs rank 1");
        out.get(0).value().assertClose(single(s), 1e-5, s + " rank 0 vs one process", "_mask", "_zero_point");
        assertEquals(1, 1);
    }
}
