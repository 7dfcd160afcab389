package dev.shrink4j.search.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SearchProgressTest {

    @Test
    void printsOneLinePerStepWithBarBestAndTime() {
        long[] now = {0};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SearchProgress p = new SearchProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "genetic", 20,
                () -> now[0]);
        now[0] = 12_400_000_000L;
        p.step(3, 0.8712, 150);
        assertEquals("genetic  3/20   15% [###                 ]  best 0.871200  candidates 150  12.4 s\n",
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutATotalShowsNoBar() {
        SearchProgress p = new SearchProgress(null, "netadapt", 0, () -> 2_000_000_000L);
        assertEquals("netadapt  7  best -0.500000  candidates 30  0.0 s", p.render(7, -0.5, 30));
    }
}
