package dev.shrink4j.compress.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.IOException;
import java.io.StringReader;

/**
 * Parses JSON text exactly as RFC 8259 defines it, for every file shrink4j reads (config lists,
 * command-line config files, calibration configs). Gson's {@link JsonParser#parseString} is lenient:
 * it accepts comments, single quotes, unquoted names and values, {@code NaN}, trailing and doubled
 * commas, several top-level values, and keeps the last of duplicate keys. Each of these is an error
 * here, with the line and column Gson reports:
 * <ul>
 *   <li>anything Gson's {@link Strictness#STRICT} reader rejects (comments, single quotes, unquoted
 *       names or values such as {@code NaN}/{@code Infinity}, trailing or doubled commas, leading zeros,
 *       unescaped control characters in strings);</li>
 *   <li>text after the top-level value (a second value, a stray character);</li>
 *   <li>an object that names the same key twice;</li>
 *   <li>empty (or all-whitespace) text.</li>
 * </ul>
 * Numbers keep their text ({@code 8} stays {@code 8}, {@code 8.0} stays {@code 8.0}, {@code 1e20}
 * stays {@code 1e20}), so checks can tell integers from fractions and messages quote what the file said.
 * Nesting deeper than {@value #MAX_DEPTH} levels is an error too (Gson 2.11's reader has no limit,
 * and the tree is built recursively: a file of a million {@code [} must not overflow the stack).
 */
public final class StrictJson {

    /** What Gson says in strict mode for most malformed input; it suggests the lenient mode we refuse. */
    private static final String GSON_LENIENT_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";

    /** The deepest nesting of arrays and objects accepted; shrink4j's files need four or five levels. */
    public static final int MAX_DEPTH = 100;

    private StrictJson() {
    }

    /**
     * The one JSON value of {@code text}.
     *
     * @throws JsonSyntaxException saying what is wrong and where (line, column and JSON path)
     */
    public static JsonElement parse(String text) {
        JsonReader reader = new JsonReader(new StringReader(text));
        reader.setStrictness(Strictness.STRICT);
        JsonElement root;
        try {
            if (text.isBlank()) {
                throw new JsonSyntaxException("the text is empty; expected a JSON value");
            }
            root = read(reader, 0);
        } catch (IOException e) { // MalformedJsonException, EOFException ("End of input at line …")
            throw new JsonSyntaxException(clean(e.getMessage()), e);
        }
        try {
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonSyntaxException("more than one top-level value" + location(reader));
            }
        } catch (IOException e) {
            // a stray character after the value: the reader cannot even tokenise it
            throw new JsonSyntaxException("unexpected text after the top-level value" + where(e.getMessage()), e);
        }
        return root;
    }

    private static JsonElement read(JsonReader reader, int depth) throws IOException {
        JsonToken token = reader.peek();
        if ((token == JsonToken.BEGIN_ARRAY || token == JsonToken.BEGIN_OBJECT) && depth == MAX_DEPTH) {
            String at = location(reader);
            int path = at.indexOf(" path ");
            throw new MalformedJsonException("nested deeper than " + MAX_DEPTH + " levels" + (path < 0 ? at : at.substring(0, path)));
        }
        switch (token) {
            case BEGIN_ARRAY -> {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    array.add(read(reader, depth + 1));
                }
                reader.endArray();
                return array;
            }
            case BEGIN_OBJECT -> {
                JsonObject object = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String where = location(reader);
                    String name = reader.nextName();
                    if (object.has(name)) {
                        throw new MalformedJsonException("duplicate key \"" + name + "\"" + where);
                    }
                    object.add(name, read(reader, depth + 1));
                }
                reader.endObject();
                return object;
            }
            case STRING -> {
                return new JsonPrimitive(reader.nextString());
            }
            case NUMBER -> {
                // the number's exact text, as Gson's own tree keeps it (strict mode already checked its syntax)
                return JsonParser.parseString(reader.nextString());
            }
            case BOOLEAN -> {
                return new JsonPrimitive(reader.nextBoolean());
            }
            case NULL -> {
                reader.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new MalformedJsonException("expected a value but found " + token + location(reader));
        }
    }

    /** {@code " at line 1 column 5 path $.a"}: where the reader is. */
    private static String location(JsonReader reader) {
        String s = reader.toString(); // "JsonReader at line L column C path P"
        int at = s.indexOf(" at line ");
        return at < 0 ? "" : s.substring(at);
    }

    /** The {@code " at line … path …"} part of a Gson message, or nothing. */
    private static String where(String gsonMessage) {
        String m = gsonMessage == null ? "" : gsonMessage.strip();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        int at = m.indexOf(" at line ");
        return at < 0 ? "" : m.substring(at);
    }

    /**
     * Gson's message without its troubleshooting link, and with its advice to parse leniently replaced
     * by what strict JSON forbids.
     */
    private static String clean(String gsonMessage) {
        if (gsonMessage == null) {
            return "malformed JSON";
        }
        String m = gsonMessage.strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl).strip(); // "\nSee https://github.com/google/gson/…"
        }
        if (m.startsWith(GSON_LENIENT_ADVICE)) {
            m = "malformed JSON" + m.substring(GSON_LENIENT_ADVICE.length())
                    + " (strict JSON: no comments, single quotes, unquoted names or values such as NaN or Infinity,"
                    + " trailing commas or leading zeros)";
        }
        return m;
    }
}
