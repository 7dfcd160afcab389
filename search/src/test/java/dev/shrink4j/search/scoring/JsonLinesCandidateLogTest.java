package dev.shrink4j.search.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesCandidateLogTest {

    @Test
    void roundTripsRecordsBitForBit(@TempDir Path dir) throws Exception {
        JsonLinesCandidateLog log = new JsonLinesCandidateLog(dir.resolve("sub/c.jsonl"));
        CandidateRecord a = new CandidateRecord("genetic", 0, new double[] {0.1 + 0.2, 1.0}, 0.52, 0.8712345678901234);
        CandidateRecord b = new CandidateRecord("genetic", 1, new double[] {0.13, 0.7}, 1e-3, -2.5);
        log.append(a);
        log.append(b);
        assertEquals(List.of(a, b), log.read());
        assertEquals("{\"search\":\"genetic\",\"index\":1,\"keep_ratios\":[0.13,0.7],\"flops_ratio\":0.001,\"reward\":-2.5}",
                Files.readAllLines(dir.resolve("sub/c.jsonl")).get(1));
    }

    @Test
    void aMissingFileIsAnEmptyLog(@TempDir Path dir) {
        assertEquals(List.of(), new JsonLinesCandidateLog(dir.resolve("none.jsonl")).read());
    }

    private static String corrupt(Path dir, String content) throws Exception {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, content);
        return assertThrows(IllegalStateException.class, () -> new JsonLinesCandidateLog(file).read()).getMessage();
    }

    @Test
    void namesTheFileAndLineOfACorruptRecord(@TempDir Path dir) throws Exception {
        String ok = "{\"search\":\"sa\",\"index\":0,\"keep_ratios\":[0.5],\"flops_ratio\":0.5,\"reward\":0.9}\n";
        Path file = dir.resolve("bad.jsonl");
        assertEquals("candidate log " + file + " line 2: the last line has no newline at its end (the search was stopped"
                + " while writing it); delete that line to resume from the candidates before it",
                corrupt(dir, ok + "{\"search\":\"sa\",\"ind"));
        assertEquals("candidate log " + file + " line 2: \"reward\" must be a number, found string \"x\"",
                corrupt(dir, ok + "{\"search\":\"sa\",\"index\":1,\"keep_ratios\":[0.5],\"flops_ratio\":0.5,\"reward\":\"x\"}\n"));
        assertEquals("candidate log " + file + " line 1: \"index\" is 3; expected 0 (records are numbered in order from 0)",
                corrupt(dir, ok.replace("\"index\":0", "\"index\":3")));
        assertEquals("candidate log " + file + " line 1: unknown key \"acc\"; expected [flops_ratio, index, keep_ratios,"
                + " reward, search]", corrupt(dir, ok.replace("\"reward\"", "\"acc\"")));
        assertEquals("candidate log " + file + " line 1: expected an object, found list [1]", corrupt(dir, "[1]\n"));
    }

    @Test
    void refusesToResumeAnotherSearchsLog() {
        MemoryCandidateLog log = new MemoryCandidateLog();
        log.append(new CandidateRecord("genetic", 0, new double[] {0.5}, 0.5, 1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ReplayingScorer(
                "simulated-annealing", new SeparableScorer(new double[] {1}, new double[] {1}), log));
        assertEquals("candidate log memory line 1: written by search \"genetic\", cannot resume search"
                + " \"simulated-annealing\" from it", e.getMessage());
    }
}
