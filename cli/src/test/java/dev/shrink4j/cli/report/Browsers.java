package dev.shrink4j.cli.report;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * The headless Chromium the browser checks run in. Without one they are skipped, saying why, except on
 * CI ({@code CI=true}), where {@code .ci/run} installs it and its absence is a failure.
 */
public final class Browsers {

    private Browsers() {
    }

    /** The browser, or the test is skipped (locally) or failed (under {@code CI=true}) when there is none. */
    public static HeadlessChromium chromium() {
        return HeadlessChromium.find().orElseGet(() -> {
            String why = "Chromium is not installed (" + HeadlessChromium.INSTALL_HINT + ", or set "
                    + HeadlessChromium.EXECUTABLE_ENV + "): the report is not checked in a browser";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true: " + why + "; .ci/run installs it");
            }
            Assumptions.abort(why);
            throw new AssertionError("unreachable");
        });
    }
}
