package dev.shrink4j.nn.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses JSON text exactly as RFC 8259 defines it, for every file shrink4j reads (config lists,
 * command-line config files, calibration configs, safetensors headers). Gson's
 * {@link JsonParser#parseString} is lenient: it accepts comments, single quotes, unquoted names and
 * values, {@code NaN}, trailing and doubled commas, several top-level values, keeps the last of
 * duplicate names (silently dropping the first) and builds its tree recursively without a depth limit.
 * Each of these is an error here, with the line and column Gson reports:
 * <ul>
 *   <li>anything Gson's {@link Strictness#STRICT} reader rejects (comments, single quotes, unquoted
 *       names or values such as {@code NaN}/{@code Infinity}, trailing or doubled commas, leading zeros,
 *       unescaped control characters in strings, truncated text), with Gson's advice to parse leniently
 *       replaced by what strict JSON forbids;</li>
 *   <li>empty (or all-whitespace) text;</li>
 *   <li>text after the top-level value: a second value or a stray character;</li>
 *   <li>an object that names the same key twice, at any depth ({@link StructureException});</li>
 *   <li>nesting of objects and arrays deeper than a limit, {@value #DEFAULT_MAX_DEPTH} levels unless
 *       the caller gives another ({@link StructureException}): the recursion stays bounded, so a forged
 *       {@code [[[[…} cannot overflow the stack.</li>
 * </ul>
 * Numbers keep the text they were written with ({@code 8} stays {@code 8}, {@code 8.0} stays
 * {@code 8.0}, {@code 1e3} stays {@code 1e3}, {@code -0} stays {@code -0}), so checks can tell integers
 * from fractions, an integer field is parsed exactly (also {@link Long#MAX_VALUE}) and messages quote
 * what the file said. Every error is a {@link JsonParseException} (a {@link StructureException} for the
 * two structural rules, a {@link JsonSyntaxException} otherwise) whose message is one line (control
 * characters in a quoted name or path are escaped).
 */
public final class StrictJson {

    /** The deepest nesting of arrays and objects {@link #parse(String)} accepts; shrink4j's files need four or five. */
    public static final int DEFAULT_MAX_DEPTH = 100;

    /** What Gson says in strict mode for most malformed input; it suggests the lenient mode we refuse. */
    private static final String GSON_LENIENT_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";

    /** What replaces {@link #GSON_LENIENT_ADVICE}: what the person who wrote the file may not write. */
    private static final String STRICT_RULES = " (strict JSON: no comments, single quotes, unquoted names or values such as"
            + " NaN or Infinity, trailing commas or leading zeros)";

    /** {@link JsonReader#toString()}: {@code "JsonReader at line L column C path P"}. */
    private static final Pattern READER_POSITION = Pattern.compile(" at line (\\d+) column (\\d+) path ");

    private StrictJson() {
    }

    /**
     * A well-formed document that breaks one of the structural rules: a key named twice in one object,
     * or nesting deeper than the limit. The message names the rule and the place, e.g.
     * {@code duplicate key "dtype" at line 1 column 22 path $.x.dtype}.
     */
    public static final class StructureException extends JsonParseException {
        private static final long serialVersionUID = 1L;

        StructureException(String message) {
            super(oneLine(message));
        }
    }

    /**
     * The one JSON value of {@code text}, nested at most {@value #DEFAULT_MAX_DEPTH} levels deep.
     *
     * @throws StructureException for a duplicate key or nesting deeper than {@value #DEFAULT_MAX_DEPTH} levels
     * @throws JsonSyntaxException when {@code text} is not one strict JSON value, saying what is wrong and
     *     where (line, column and JSON path)
     */
    public static JsonElement parse(String text) {
        return parse(text, DEFAULT_MAX_DEPTH);
    }

    /**
     * The one JSON value of {@code text}.
     *
     * @param maxDepth the deepest nesting of objects and arrays allowed (the outermost is depth 1)
     * @throws StructureException for a duplicate key or nesting deeper than {@code maxDepth}
     * @throws JsonSyntaxException when {@code text} is not one strict JSON value, saying what is wrong and
     *     where (line, column and JSON path)
     */
    public static JsonElement parse(String text, int maxDepth) {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth must be at least 1, got " + maxDepth);
        }
        if (text.isBlank()) {
            throw new JsonSyntaxException("the text is empty; expected a JSON value");
        }
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        JsonElement root;
        try {
            root = read(reader, 1, maxDepth);
        } catch (IOException e) { // MalformedJsonException, EOFException ("End of input at line …")
            throw new JsonSyntaxException(oneLine(readable(e.getMessage())), e);
        }
        try {
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                // unreachable in strict mode (it refuses a second value when peeking it), kept as the rule
                throw new JsonSyntaxException(oneLine("more than one top-level value" + location(reader)));
            }
        } catch (IOException e) {
            // strict mode refuses whatever follows the value; the character it stopped at says what that is
            String what = startsValue(offending(text, reader)) ? "more than one top-level value"
                    : "unexpected text after the top-level value";
            throw new JsonSyntaxException(oneLine(what + location(reader)), e);
        }
        return root;
    }

    private static JsonElement read(JsonReader reader, int depth, int maxDepth) throws IOException {
        JsonToken token = reader.peek();
        if ((token == JsonToken.BEGIN_OBJECT || token == JsonToken.BEGIN_ARRAY) && depth > maxDepth) {
            // no path: it is the nesting itself, up to maxDepth times "[0]"
            throw new StructureException("nesting deeper than " + maxDepth + " levels" + lineAndColumn(reader));
        }
        switch (token) {
            case BEGIN_OBJECT -> {
                JsonObject object = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String at = lineAndColumn(reader); // where the name starts; after nextName it has been read
                    String name = reader.nextName();
                    if (object.has(name)) {
                        throw new StructureException("duplicate key " + new JsonPrimitive(name) + at + " path " + reader.getPath());
                    }
                    object.add(name, read(reader, depth + 1, maxDepth));
                }
                reader.endObject();
                return object;
            }
            case BEGIN_ARRAY -> {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    array.add(read(reader, depth + 1, maxDepth));
                }
                reader.endArray();
                return array;
            }
            case STRING -> {
                return new JsonPrimitive(reader.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new NumberText(reader.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(reader.nextBoolean());
            }
            case NULL -> {
                reader.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new JsonSyntaxException(oneLine("expected a value but found " + token + location(reader)));
        }
    }

    /**
     * A short description of a JSON value for error messages, saying its type and value:
     * {@code string "0.2"}, {@code number 3}, {@code boolean true}, {@code list [1,2]}, {@code object {"a":1}},
     * {@code null} (also for a Java null: a value that is not there).
     */
    public static String describe(JsonElement value) {
        if (value == null || value.isJsonNull()) {
            return "null";
        }
        if (value.isJsonArray()) {
            return "list " + value;
        }
        if (value.isJsonObject()) {
            return "object " + value;
        }
        JsonPrimitive p = value.getAsJsonPrimitive();
        if (p.isString()) {
            return "string " + p;
        }
        if (p.isBoolean()) {
            return "boolean " + p.getAsBoolean();
        }
        return "number " + p.getAsString();
    }

    /** {@code " at line 1 column 5 path $.a"}: where the reader is, as Gson's messages say it. */
    private static String location(JsonReader reader) {
        String s = reader.toString();
        int at = s.indexOf(" at line ");
        return at < 0 ? "" : s.substring(at);
    }

    /** {@code " at line 1 column 5"}: {@link #location} without the path. */
    private static String lineAndColumn(JsonReader reader) {
        Matcher m = READER_POSITION.matcher(reader.toString());
        return m.find() ? " at line " + m.group(1) + " column " + m.group(2) : "";
    }

    /**
     * The character the reader stopped at: Gson's column is one past the character it consumed, and
     * only {@code \n} starts a line for it. {@code 0} when the position cannot be read.
     */
    private static char offending(String text, JsonReader reader) {
        Matcher m = READER_POSITION.matcher(reader.toString());
        if (!m.find()) {
            return 0;
        }
        int line = Integer.parseInt(m.group(1));
        int column = Integer.parseInt(m.group(2));
        int lineStart = 0;
        for (int l = 1; l < line && lineStart >= 0; l++) {
            lineStart = text.indexOf('\n', lineStart);
            lineStart = lineStart < 0 ? -1 : lineStart + 1;
        }
        int index = lineStart + column - 2;
        return lineStart < 0 || index < lineStart || index >= text.length() ? 0 : text.charAt(index);
    }

    /** Whether {@code c} can begin a strict JSON value. */
    private static boolean startsValue(char c) {
        return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
    }

    /**
     * Gson's message for the person who wrote the file: without the link to Gson's troubleshooting page
     * it appends, and with its advice to parse leniently replaced by what strict JSON forbids.
     */
    private static String readable(String gsonMessage) {
        if (gsonMessage == null) {
            return "malformed JSON";
        }
        String m = gsonMessage.strip();
        int see = m.lastIndexOf("\nSee ");
        if (see >= 0) {
            m = m.substring(0, see).strip(); // "\nSee https://github.com/google/gson/…"
        }
        if (m.startsWith(GSON_LENIENT_ADVICE)) {
            m = "malformed JSON" + m.substring(GSON_LENIENT_ADVICE.length()) + STRICT_RULES;
        }
        return m;
    }

    /**
     * {@code message} on one line: a JSON path quotes names as written, so a name holding a line break
     * or another control character would break the message (and a CLI error must be one line).
     */
    private static String oneLine(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /**
     * A JSON number kept as the text the reader accepted: integer fields parse it exactly, and no digit
     * string, however long, goes through a BigDecimal on the way (the strict reader already checked the
     * syntax, so {@link Double#parseDouble} accepts every text).
     */
    private static final class NumberText extends Number {
        private static final long serialVersionUID = 1L;
        private final String text;

        NumberText(String text) {
            this.text = text;
        }

        @Override
        public int intValue() {
            return (int) longValue();
        }

        @Override
        public long longValue() {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                // not a long as written (1e3, 2.5, beyond 64 bits): Number's narrowing of the double
                return (long) doubleValue();
            }
        }

        @Override
        public float floatValue() {
            return (float) doubleValue();
        }

        @Override
        public double doubleValue() {
            return Double.parseDouble(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
