package dev.shrink4j.search.scoring;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.shrink4j.nn.io.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link CandidateLog} in a JSON-lines file, one object per scored candidate:
 * <pre>
 * {"search":"genetic","index":0,"keep_ratios":[0.4,1.0],"flops_ratio":0.52,"reward":0.871}
 * </pre>
 * Doubles are written with Java's shortest round-tripping form, so a record read back equals the one written bit for
 * bit, which resuming relies on. Each record is appended with one write and forced to disk before {@link #append}
 * returns; a search killed mid-write leaves at most a last line without its newline, which {@link #read} reports as
 * corrupt (naming the file and line) rather than guessing.
 */
public final class JsonLinesCandidateLog implements CandidateLog {

    private static final Set<String> KEYS = Set.of("search", "index", "keep_ratios", "flops_ratio", "reward");

    private final Path file;

    /** A log in {@code file}; the file is created by the first {@link #append}. */
    public JsonLinesCandidateLog(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The log's file. */
    public Path file() {
        return file;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    @Override
    public List<CandidateRecord> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("candidate log " + file + ": cannot be read: " + e.getMessage(), e);
        }
        List<CandidateRecord> records = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        // split leaves "" after the final newline; anything else there is a line cut short
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNumber = i + 1;
            if (i == lines.length - 1) {
                if (!line.isEmpty()) {
                    throw corrupt(lineNumber, "the last line has no newline at its end (the search was stopped while"
                            + " writing it); delete that line to resume from the candidates before it");
                }
                break;
            }
            records.add(parse(line, lineNumber));
        }
        return records;
    }

    private CandidateRecord parse(String line, int lineNumber) {
        JsonElement element;
        try {
            element = StrictJson.parse(line);
        } catch (JsonParseException e) {
            throw corrupt(lineNumber, "not JSON: " + e.getMessage());
        }
        if (!element.isJsonObject()) {
            throw corrupt(lineNumber, "expected an object, found " + StrictJson.describe(element));
        }
        JsonObject o = element.getAsJsonObject();
        for (String key : o.keySet()) {
            if (!KEYS.contains(key)) {
                throw corrupt(lineNumber, "unknown key \"" + key + "\"; expected " + KEYS.stream().sorted().toList());
            }
        }
        String search = string(o, "search", lineNumber);
        double index = number(o, "index", lineNumber);
        if (index < 0 || index != Math.rint(index)) {
            throw corrupt(lineNumber, "\"index\" is " + o.get("index") + "; expected a whole number ≥ 0");
        }
        if (index != records(lineNumber)) {
            throw corrupt(lineNumber, "\"index\" is " + (long) index + "; expected " + records(lineNumber)
                    + " (records are numbered in order from 0)");
        }
        JsonElement ratios = o.get("keep_ratios");
        if (ratios == null || !ratios.isJsonArray()) {
            throw corrupt(lineNumber, "\"keep_ratios\" must be an array of numbers, found "
                    + (ratios == null ? "nothing" : StrictJson.describe(ratios)));
        }
        JsonArray array = ratios.getAsJsonArray();
        double[] keep = new double[array.size()];
        for (int j = 0; j < keep.length; j++) {
            JsonElement e = array.get(j);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw corrupt(lineNumber, "\"keep_ratios\"[" + j + "] must be a number, found " + StrictJson.describe(e));
            }
            keep[j] = e.getAsDouble();
        }
        return new CandidateRecord(search, (long) index, keep, number(o, "flops_ratio", lineNumber),
                number(o, "reward", lineNumber));
    }

    /** Records are numbered from 0 in file order, one per line. */
    private static long records(int lineNumber) {
        return lineNumber - 1L;
    }

    private String string(JsonObject o, String key, int lineNumber) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw corrupt(lineNumber, "\"" + key + "\" must be a string, found " + (e == null ? "nothing" : StrictJson.describe(e)));
        }
        return e.getAsString();
    }

    private double number(JsonObject o, String key, int lineNumber) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw corrupt(lineNumber, "\"" + key + "\" must be a number, found " + (e == null ? "nothing" : StrictJson.describe(e)));
        }
        return e.getAsDouble();
    }

    private IllegalStateException corrupt(int lineNumber, String why) {
        return new IllegalStateException("candidate log " + file + " line " + lineNumber + ": " + why);
    }

    @Override
    public void append(CandidateRecord record) {
        String line = format(record) + "\n";
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("candidate log " + file + ": cannot append record " + record.index() + ": "
                    + e.getMessage(), e);
        }
    }

    /** One record as one line of JSON, without the newline. */
    static String format(CandidateRecord r) {
        JsonObject o = new JsonObject();
        o.add("search", new JsonPrimitive(r.search()));
        o.add("index", new JsonPrimitive(r.index()));
        JsonArray ratios = new JsonArray();
        for (double v : r.keepRatios()) {
            ratios.add(v);
        }
        o.add("keep_ratios", ratios);
        o.add("flops_ratio", new JsonPrimitive(r.flopsRatio()));
        o.add("reward", new JsonPrimitive(r.reward()));
        return o.toString();
    }
}
