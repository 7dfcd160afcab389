package dev.shrink4j.nn.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSyntaxException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/**
 * Parses JSON the way a file format should be read, not the way Gson's {@code JsonParser} does it:
 * strictly (no comments, single quotes, unquoted names, {@code NaN} or trailing data), refusing a
 * name that appears twice in one object (a parser that keeps the last value silently drops the
 * first), and refusing nesting deeper than a limit (the recursion stays bounded, so a forged
 * {@code [[[[…} cannot overflow the stack). Numbers keep the text they were written with, so an
 * integer field is parsed exactly ({@code 1e3} or {@code 4.0} stays distinguishable from {@code 4}).
 */
public final class StrictJson {

    private StrictJson() {
    }

    /**
     * A well-formed document that breaks one of the structural rules: a duplicate name or too deep
     * a nesting. The message names the rule and the JSON path, e.g.
     * {@code duplicate name "dtype" in $.x}.
     */
    public static final class StructureException extends JsonParseException {
        private static final long serialVersionUID = 1L;

        StructureException(String message) {
            super(message);
        }
    }

    /**
     * The single JSON value of {@code json}.
     *
     * @param maxDepth the deepest nesting of objects and arrays allowed (the outermost is depth 1)
     * @throws StructureException for a duplicate name or nesting deeper than {@code maxDepth}
     * @throws JsonParseException when {@code json} is not one strict JSON value (message from Gson:
     *     what is wrong, with line, column and path)
     */
    public static JsonElement parse(String json, int maxDepth) {
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = read(reader, 1, maxDepth);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonSyntaxException("unexpected " + reader.peek() + " after the value at " + reader.getPath());
            }
            return root;
        } catch (IOException | IllegalStateException e) {
            // MalformedJsonException and EOFException, or a token read in the wrong state
            throw new JsonSyntaxException(readable(e.getMessage()), e);
        }
    }

    /** Gson's advice to switch to lenient parsing is for programmers, not for whoever wrote the file. */
    private static final String GSON_LENIENT_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON";

    /**
     * Gson's message in one line for the person who wrote the file: without the link to Gson's
     * troubleshooting page it appends, and with its advice to parse leniently replaced by what is wrong.
     */
    private static String readable(String message) {
        if (message == null) {
            return null;
        }
        String first = message.split("\\R", 2)[0];
        if (!first.startsWith(GSON_LENIENT_ADVICE)) {
            return first;
        }
        return "malformed JSON" + first.substring(GSON_LENIENT_ADVICE.length())
                + " (strict JSON: no comments, single quotes, unquoted names, NaN, Infinity or trailing data)";
    }

    private static JsonElement read(JsonReader reader, int depth, int maxDepth) throws IOException {
        JsonToken token = reader.peek();
        if ((token == JsonToken.BEGIN_OBJECT || token == JsonToken.BEGIN_ARRAY) && depth > maxDepth) {
            throw new StructureException("nesting deeper than " + maxDepth + " levels at " + reader.getPath());
        }
        switch (token) {
            case BEGIN_OBJECT: {
                JsonObject object = new JsonObject();
                String path = reader.getPath();
                reader.beginObject();
                while (reader.hasNext()) {
                    String name = reader.nextName();
                    if (object.has(name)) {
                        throw new StructureException("duplicate name " + new JsonPrimitive(name) + " in " + path);
                    }
                    object.add(name, read(reader, depth + 1, maxDepth));
                }
                reader.endObject();
                return object;
            }
            case BEGIN_ARRAY: {
                JsonArray array = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    array.add(read(reader, depth + 1, maxDepth));
                }
                reader.endArray();
                return array;
            }
            case STRING:
                return new JsonPrimitive(reader.nextString());
            case NUMBER:
                return new JsonPrimitive(new NumberText(reader.nextString()));
            case BOOLEAN:
                return new JsonPrimitive(reader.nextBoolean());
            case NULL:
                reader.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new JsonSyntaxException("unexpected " + token + " at " + reader.getPath());
        }
    }

    /**
     * A JSON number kept as the text the reader accepted: integer fields parse it exactly, and no digit
     * string, however long, is converted to a double or a BigDecimal on the way.
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
