package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonSyntaxException;
import org.junit.jupiter.api.Test;

class StrictJsonTest {

    /** What the messages add when Gson's strict reader refuses a character. */
    static final String HINT = " (strict JSON: no comments, single quotes, unquoted names or values such as NaN"
            + " or Infinity, trailing commas or leading zeros)";

    static String error(String text) {
        return assertThrows(JsonSyntaxException.class, () -> StrictJson.parse(text)).getMessage();
    }

    static String structureError(String text, int maxDepth) {
        return assertThrows(StrictJson.StructureException.class, () -> StrictJson.parse(text, maxDepth)).getMessage();
    }

    @Test
    void everythingLenientGsonAcceptsIsAnErrorWithItsPlace() {
        // each is accepted by JsonParser.parseString
        assertEquals("malformed JSON at line 1 column 2 path $" + HINT, error("/* comment */ [1]"));
        assertEquals("malformed JSON at line 1 column 2 path $" + HINT, error("// c\n{}"));
        assertEquals("malformed JSON at line 1 column 3 path $." + HINT, error("{'sparsity': 0.5}"));
        assertEquals("malformed JSON at line 1 column 3 path $." + HINT, error("{sparsity: 0.5}"));
        assertEquals("malformed JSON at line 1 column 8 path $.op" + HINT, error("{\"op\": Conv2d}"));
        assertEquals("malformed JSON at line 1 column 6 path $[1]" + HINT, error("[1, ]"));
        assertEquals("malformed JSON at line 1 column 5 path $[1]" + HINT, error("[1,,2]"));
        assertEquals("Expected name at line 1 column 10 path $.a", error("{\"a\": 1,}"));
        assertEquals("malformed JSON at line 1 column 2 path $[0]" + HINT, error("[NaN]"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": NaN}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": Infinity}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": -Infinity}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": 08}"));
        assertEquals("Unescaped control characters (\\u0000-\\u001F) are not allowed in strict mode at line 1 column 8 path $.a",
                error("{\"a\": \"x\ty\"}"));
        assertEquals("End of input at line 1 column 10 path $.a", error("{\"a\": [1]"));
    }

    @Test
    void emptyTextAndTextAfterTheValueAreRefused() {
        assertEquals("the text is empty; expected a JSON value", error(""));
        assertEquals("the text is empty; expected a JSON value", error(" \n "));
        // a second value (the character it starts with is one column before the one Gson names)
        assertEquals("more than one top-level value at line 1 column 6 path $", error("[1] [2]"));
        assertEquals("more than one top-level value at line 1 column 5 path $", error("{} {}"));
        assertEquals("more than one top-level value at line 3 column 2 path $", error("{}\n\n\"a\""));
        // anything else
        assertEquals("unexpected text after the top-level value at line 2 column 2 path $", error("[1]\n// comment"));
        assertEquals("unexpected text after the top-level value at line 1 column 5 path $", error("[1];"));
        assertEquals("unexpected text after the top-level value at line 1 column 4 path $", error("1 NaN"));
    }

    @Test
    void duplicateKeysAreRefusedAtAnyDepthWithTheirPlace() {
        assertEquals("duplicate key \"sparsity\" at line 2 column 3 path $[0].sparsity",
                structureError("[{\"sparsity\": 0.5,\n \"sparsity\": 0.6}]", 100));
        // the place of the second "b": its first character, and the path to it (not to the key before it)
        assertEquals("duplicate key \"b\" at line 1 column 22 path $.a[1].b", structureError("{\"a\": [{}, {\"b\": 1, \"b\": 1}]}", 8));
        assertEquals("duplicate key \"b\" at line 1 column 19 path $.b", structureError("{\"b\": 1, \"c\": 2, \"b\": 1}", 8));
        // the key is quoted as JSON and the path's control characters escaped: the message stays on one line
        assertEquals("duplicate key \"a\\\"\\n\" at line 1 column 15 path $.a\"\\n", structureError("{\"a\\\"\\n\": 1, \"a\\\"\\n\": 2}", 8));
        JsonObject ok = StrictJson.parse("{\"a\": {\"b\": 1}, \"b\": {\"a\": 2}}", 8).getAsJsonObject();
        assertEquals(2, ok.getAsJsonObject("b").get("a").getAsInt(), "the same name in different objects is fine");
    }

    @Test
    void nestingIsBoundedByTheLimitWithoutOverflowingTheStack() {
        assertEquals(0, StrictJson.parse("[[[]]]", 3).getAsJsonArray().get(0).getAsJsonArray().get(0).getAsJsonArray().size());
        assertEquals("nesting deeper than 3 levels at line 1 column 5", structureError("[[[[]]]]", 3));
        assertEquals("nesting deeper than 2 levels at line 1 column 14", structureError("{\"a\": {\"b\": {}}}", 2));
        assertEquals(100, depth(StrictJson.parse("[".repeat(100) + "]".repeat(100))));
        assertEquals(StrictJson.DEFAULT_MAX_DEPTH, depth(StrictJson.parse("[".repeat(100) + "]".repeat(100))));
        // 100,000 levels: the reader stops at the limit instead of recursing (a StackOverflowError otherwise)
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEquals("nesting deeper than 100 levels at line 1 column 102",
                assertThrows(StrictJson.StructureException.class, () -> StrictJson.parse(deep)).getMessage());
        assertEquals("maxDepth must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> StrictJson.parse("1", 0)).getMessage());
    }

    @Test
    void numbersKeepTheTextTheyWereWrittenWith() {
        JsonArray a = StrictJson.parse("[9223372036854775807, 1e3, 4.0, -0, 0.1, 1e999]", 4).getAsJsonArray();
        assertEquals("9223372036854775807", a.get(0).getAsString());
        assertEquals(Long.MAX_VALUE, a.get(0).getAsLong(), "exact, not through a double");
        assertEquals("1e3", a.get(1).getAsString());
        assertEquals(1000.0, a.get(1).getAsDouble());
        assertEquals(1000L, a.get(1).getAsLong());
        assertEquals("4.0", a.get(2).getAsString());
        assertEquals("-0", a.get(3).getAsString());
        assertEquals(-0.0, a.get(3).getAsDouble());
        assertEquals(0.1, a.get(4).getAsDouble());
        assertEquals("1e999", a.get(5).getAsString());
        assertEquals(Double.POSITIVE_INFINITY, a.get(5).getAsDouble());

        JsonElement e = StrictJson.parse(" [8, 8.0, 1e20, -0, 2.5, 1e999, \"s\", true, null, {\"a\": {}}] \n");
        assertEquals("[8,8.0,1e20,-0,2.5,1e999,\"s\",true,null,{\"a\":{}}]", e.toString(), "written back as read");
    }

    private static int depth(JsonElement e) {
        return e.isJsonArray() && !e.getAsJsonArray().isEmpty() ? 1 + depth(e.getAsJsonArray().get(0)) : 1;
    }
}
