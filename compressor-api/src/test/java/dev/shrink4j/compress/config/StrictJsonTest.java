package dev.shrink4j.compress.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonSyntaxException;
import org.junit.jupiter.api.Test;

class StrictJsonTest {

    /** What the messages add when Gson's strict reader refuses a character. */
    static final String HINT = " (strict JSON: no comments, single quotes, unquoted names or values such as NaN or Infinity,"
            + " trailing commas or leading zeros)";

    static String error(String text) {
        return assertThrows(JsonSyntaxException.class, () -> StrictJson.parse(text)).getMessage();
    }

    @Test
    void everythingLenientGsonAcceptsIsAnErrorWithItsPlace() {
        // each was accepted by JsonParser.parseString before (the README promised strict parsing)
        assertEquals("unexpected text after the top-level value at line 2 column 2 path $", error("[1]\n// comment"));
        assertEquals("malformed JSON at line 1 column 2 path $" + HINT, error("/* comment */ [1]"));
        assertEquals("malformed JSON at line 1 column 3 path $." + HINT, error("{'sparsity': 0.5}"));
        assertEquals("malformed JSON at line 1 column 3 path $." + HINT, error("{sparsity: 0.5}"));
        assertEquals("malformed JSON at line 1 column 8 path $.op" + HINT, error("{\"op\": Conv2d}"));
        assertEquals("malformed JSON at line 1 column 6 path $[1]" + HINT, error("[1, ]"));
        assertEquals("malformed JSON at line 1 column 5 path $[1]" + HINT, error("[1,,2]"));
        assertEquals("Expected name at line 1 column 10 path $.a", error("{\"a\": 1,}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": NaN}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": Infinity}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": -Infinity}"));
        assertEquals("malformed JSON at line 1 column 7 path $.a" + HINT, error("{\"a\": 08}"));
        assertEquals("Unescaped control characters (\\u0000-\\u001F) are not allowed in strict mode at line 1 column 8 path $.a",
                error("{\"a\": \"x\ty\"}"));
        assertEquals("unexpected text after the top-level value at line 1 column 6 path $", error("[1] [2]"));
        assertEquals("unexpected text after the top-level value at line 1 column 5 path $", error("[1];"));
        assertEquals("duplicate key \"sparsity\" at line 2 column 3 path $[0].sparsity",
                error("[{\"sparsity\": 0.5,\n \"sparsity\": 0.6}]"));
        assertEquals("End of input at line 1 column 10 path $.a", error("{\"a\": [1]"));
        assertEquals("the text is empty; expected a JSON value", error(" \n "));
        assertEquals("nested deeper than 100 levels at line 1 column 102", error("[".repeat(100_000) + "]".repeat(100_000)));
    }

    @Test
    void validJsonKeepsNumbersAsWritten() {
        JsonElement e = StrictJson.parse(" [8, 8.0, 1e20, -0, 2.5, 1e999, \"s\", true, null, {\"a\": {}}] \n");
        assertEquals("[8,8.0,1e20,-0,2.5,1e999,\"s\",true,null,{\"a\":{}}]", e.toString());
        assertEquals(Double.POSITIVE_INFINITY, e.getAsJsonArray().get(5).getAsDouble());
        assertEquals(100, depth(StrictJson.parse("[".repeat(100) + "]".repeat(100))));
    }

    private static int depth(JsonElement e) {
        return e.isJsonArray() && !e.getAsJsonArray().isEmpty() ? 1 + depth(e.getAsJsonArray().get(0)) : 1;
    }
}
