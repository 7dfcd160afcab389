package dev.shrink4j.amc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeptChannelsTest {

    @ParameterizedTest(name = "c={0}, ratio={1}, round={2} -> {3}")
    @CsvSource({
        "6, 0.5, 1, 3",      // exact
        "5, 0.5, 1, 2",      // 2.5 rounds half to even: 2
        "7, 0.5, 1, 4",      // 3.5 rounds half to even: 4
        "120, 0.5, 1, 60",
        "10, 0.01, 1, 1",    // 0.1 rounds to 0: at least 1
        "16, 0.5, 8, 8",     // already a multiple of 8
        "10, 0.5, 8, 8",     // 5 up to 8
        "6, 0.5, 8, 6",      // the guide's zero corner: 3 up to 8 > 6; the reference rounds 6 down to 0, here 6
        "12, 0.75, 8, 12",   // 9 up to 16 > 12: never above c
        "84, 1.0, 1, 84",
    })
    void countsByTheFormula(int channels, double ratio, int round, int expected) {
        assertEquals(expected, KeptChannels.count(channels, ratio, round));
    }

    @ParameterizedTest
    @CsvSource({"0.0", "1.5", "-0.2", "NaN"})
    void refusesRatiosOutsideTheUnitInterval(double ratio) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeptChannels.count(10, ratio, 1));
        assertEquals("ratio " + ratio + " is outside (0, 1]", e.getMessage());
    }
}
