package dev.shrink4j.nn.memory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * The process's memory as the kernel sees it, native tensors included.
 *
 * <p>{@link #residentBytes()} and {@link #peakResidentBytes()} read {@code VmRSS} and {@code VmHWM}
 * from {@code /proc/self/status} (Linux): the physical memory mapped by the process now and at its
 * peak. They include the Java heap as far as it has been touched, so compare values taken after a
 * warm-up rather than from process start. {@link #physicalBytes()} is JavaCPP's own reading (from
 * {@code /proc/self/statm} on Linux), which also works on other systems and is what
 * {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes} is checked against; it leaves out shared pages
 * (mapped files such as the libtorch libraries), so it reads lower than {@code VmRSS}.
 */
public final class MemoryProbe {

    private static final Path STATUS = Path.of("/proc/self/status");

    private MemoryProbe() {
    }

    /**
     * The resident set size in bytes ({@code VmRSS}); falls back to {@link #physicalBytes()} where
     * {@code /proc/self/status} does not exist (not Linux).
     */
    public static long residentBytes() {
        return Files.isReadable(STATUS) ? statusField("VmRSS:") : physicalBytes();
    }

    /**
     * The peak resident set size in bytes ({@code VmHWM}); falls back to {@link #physicalBytes()}
     * (the current value) where {@code /proc/self/status} does not exist.
     */
    public static long peakResidentBytes() {
        return Files.isReadable(STATUS) ? statusField("VmHWM:") : physicalBytes();
    }

    /**
     * Collects garbage three times, each followed by 200 ms for JavaCPP's deallocator thread to free the native memory
     * of what was collected: called before a measured loop's warm-up, so that garbage left by earlier work is not
     * freed inside the window, where it would read as negative growth and hide a leak.
     *
     * @throws IllegalStateException when interrupted while waiting (the interrupt flag is set again)
     */
    public static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for JavaCPP's deallocator", e);
            }
        }
    }

    /** JavaCPP's measure of the physical memory used by the process, in bytes. */
    public static long physicalBytes() {
        return Pointer.physicalBytes();
    }

    /** Reads a {@code "Name:   1234 kB"} line of {@code /proc/self/status} as bytes. */
    static long statusField(String name) {
        List<String> lines;
        try {
            lines = Files.readAllLines(STATUS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
        for (String line : lines) {
            if (line.startsWith(name)) {
                return parseKb(line);
            }
        }
        throw new IllegalStateException(STATUS + " has no " + name + " line");
    }

    /** Parses {@code "VmRSS:\t  123456 kB"} into bytes. */
    static long parseKb(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length != 3 || !parts[2].equals("kB")) {
            throw new IllegalStateException("unexpected line in " + STATUS + ": \"" + line + "\"");
        }
        return Long.parseLong(parts[1]) * 1024L;
    }
}
