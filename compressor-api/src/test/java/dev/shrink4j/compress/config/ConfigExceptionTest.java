package dev.shrink4j.compress.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigExceptionTest {

    @Test
    void theMessageIsTheSubjectAndOneLinePerProblem() {
        assertEquals("config c.json: x is missing", new ConfigException("config c.json", List.of("x is missing")).getMessage());
        assertEquals("invalid config list (2 errors):\n  a\n  b", new ConfigException(List.of("a", "b")).getMessage());
        assertEquals("a ConfigException needs at least one error",
                assertThrows(IllegalArgumentException.class, () -> new ConfigException(List.of())).getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // lines joined with "; ", or with a space after a line ending in ':'
        "'invalid config list (2 errors):\n  a\n  b'     | 'invalid config list (2 errors): a; b'",
        "'  one line  '                                    | 'one line'",
        "'first\nsecond\n\nafter a blank line'             | 'first; second'",
        // libtorch appends its C++ trace after the message
        "'shape mismatch\nException raised from foo at x.cpp:3' | 'shape mismatch'",
        "'failed\n  at java.base/Foo.bar(Foo.java:1)'       | 'failed'",
    })
    void oneLineFoldsTheLinesUpToATrace(String message, String expected) {
        assertEquals(expected, ConfigException.oneLine(message));
    }

    @Test
    void oneLineOfNoMessage() {
        assertEquals("(no message)", ConfigException.oneLine(null));
    }
}
