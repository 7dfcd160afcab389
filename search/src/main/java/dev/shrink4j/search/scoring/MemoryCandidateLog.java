package dev.shrink4j.search.scoring;

import java.util.ArrayList;
import java.util.List;

/** A {@link CandidateLog} held in memory: for searches run without a log file, and for tests. */
public final class MemoryCandidateLog implements CandidateLog {

    private final List<CandidateRecord> records = new ArrayList<>();

    @Override
    public List<CandidateRecord> read() {
        return List.copyOf(records);
    }

    @Override
    public void append(CandidateRecord record) {
        records.add(record);
    }

    @Override
    public String describe() {
        return "memory";
    }
}
