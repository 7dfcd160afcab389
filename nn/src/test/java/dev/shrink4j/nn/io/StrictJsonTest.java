package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import org.junit.jupiter.api.Test;

class StrictJsonTest {

    @Test
    void numbersKeepTheTextTheyWereWrittenWith() {
        JsonArray a = StrictJson.parse("[9223372036854775807, 1e3, 4.0, -0, 0.1]", 4).getAsJsonArray();
        assertEquals("9223372036854775807", a.get(0).getAsString());
        assertEquals(Long.MAX_VALUE, a.get(0).getAsLong(), "exact, not through a double");
        assertEquals("1e3", a.get(1).getAsString());
        assertEquals(1000.0, a.get(1).getAsDouble());
        assertEquals("4.0", a.get(2).getAsString());
        assertEquals("-0", a.get(3).getAsString());
        assertEquals(0.1, a.get(4).getAsDouble());
    }

    @Test
    void duplicateNamesAreRefusedWithTheirPath() {
        assertEquals("duplicate name \"b\" in $.a[1]", assertThrows(StrictJson.StructureException.class,
                () -> StrictJson.parse("{\"a\": [{}, {\"b\": 1, \"b\": 1}]}", 8)).getMessage());
        JsonObject ok = StrictJson.parse("{\"a\": {\"b\": 1}, \"b\": {\"a\": 2}}", 8).getAsJsonObject();
        assertEquals(2, ok.getAsJsonObject("b").get("a").getAsInt(), "the same name in different objects is fine");
    }

    @Test
    void nestingIsBoundedByTheLimit() {
        assertEquals(0, StrictJson.parse("[[[]]]", 3).getAsJsonArray().get(0).getAsJsonArray().get(0).getAsJsonArray().size());
        assertEquals("nesting deeper than 3 levels at $[0][0][0]", assertThrows(StrictJson.StructureException.class,
                () -> StrictJson.parse("[[[[]]]]", 3)).getMessage());
    }

    @Test
    void lenientSyntaxAndTrailingDataAreRefusedInOneReadableLine() {
        assertEquals("malformed JSON at line 1 column 2 path $ (strict JSON: no comments, single quotes, unquoted names, NaN,"
                + " Infinity or trailing data)", assertThrows(JsonParseException.class, () -> StrictJson.parse("// c\n{}", 4)).getMessage());
        assertEquals("malformed JSON at line 1 column 2 path $[0] (strict JSON: no comments, single quotes, unquoted names,"
                + " NaN, Infinity or trailing data)", assertThrows(JsonParseException.class, () -> StrictJson.parse("[NaN]", 4)).getMessage());
        assertEquals("malformed JSON at line 1 column 5 path $ (strict JSON: no comments, single quotes, unquoted names,"
                + " NaN, Infinity or trailing data)", assertThrows(JsonParseException.class,
                () -> StrictJson.parse("{} {}", 4)).getMessage());
    }
}
