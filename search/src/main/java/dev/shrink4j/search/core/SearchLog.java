package dev.shrink4j.search.core;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.shrink4j.nn.io.StrictJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A search's candidates as JSON lines, one object per candidate, appended and flushed as each is scored so
 * that a killed search loses at most the candidate in flight:
 * <pre>
 * {"episode":0,"ratios":[1.0,0.5,0.875,0.7],"flops":3663,"reward":-0.412}
 * </pre>
 * {@link #read} gives them back for resuming; an unreadable line is an error naming the file and the line
 * (a log is appended to, not replaced, so it is not written through a temporary file; a line cut by a
 * crash is reported like any other corrupt line, and the user decides whether to delete it).
 */
public final class SearchLog implements AutoCloseable {

    private static final Set<String> KEYS = Set.of("episode", "ratios", "flops", "reward");

    private final Path file;
    private final BufferedWriter writer;

    private SearchLog(Path file, BufferedWriter writer) {
        this.file = file;
        this.writer = writer;
    }

    /**
     * Opens {@code file} for appending (created with its parent folders when missing).
     *
     * @throws UncheckedIOException naming the file when it cannot be opened
     */
    public static SearchLog append(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            return new SearchLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open search log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends {@code record} as one line and flushes it. */
    public void write(SearchRecord record) {
        JsonObject o = new JsonObject();
        o.addProperty("episode", record.episode());
        JsonArray ratios = new JsonArray();
        for (double r : record.ratios()) {
            ratios.add(r);
        }
        o.add("ratios", ratios);
        o.addProperty("flops", record.flops());
        o.addProperty("reward", record.reward());
        try {
            writer.write(o.toString());
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write search log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The records of {@code file}, in order; none when the file does not exist.
     *
     * @throws IllegalArgumentException "{@code <file>:<line>: <what is wrong>}" for a line that is not a record
     *     (bad JSON, a missing or unknown key, a non-finite number, episodes out of sequence)
     */
    public static List<SearchRecord> read(Path file) {
        List<SearchRecord> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read search log " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String at = file + ":" + (i + 1) + ": ";
            try {
                SearchRecord r = parse(line);
                if (r.episode() != out.size()) {
                    throw new IllegalArgumentException("episode " + r.episode() + " where " + out.size() + " was expected");
                }
                out.add(r);
            } catch (JsonParseException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                throw new IllegalArgumentException(at + "not a search record: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static SearchRecord parse(String line) {
        JsonElement e = StrictJson.parse(line);
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key \"" + key + "\"");
            }
        }
        for (String key : KEYS) {
            if (!o.has(key)) {
                throw new IllegalArgumentException("missing key \"" + key + "\"");
            }
        }
        JsonArray a = o.getAsJsonArray("ratios");
        double[] ratios = new double[a.size()];
        for (int k = 0; k < ratios.length; k++) {
            ratios[k] = a.get(k).getAsDouble();
            if (!(ratios[k] > 0 && ratios[k] <= 1)) {
                throw new IllegalArgumentException("ratios[" + k + "] = " + ratios[k] + " is outside (0, 1]");
            }
        }
        double reward = o.get("reward").getAsDouble();
        if (!Double.isFinite(reward)) {
            throw new IllegalArgumentException("reward is " + reward);
        }
        return new SearchRecord(o.get("episode").getAsInt(), ratios, o.get("flops").getAsLong(), reward);
    }

    /** The log's path. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close search log " + file + ": " + e.getMessage(), e);
        }
    }
}
