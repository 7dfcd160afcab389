package dev.shrink4j.cli;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a tiny Fashion-MNIST-shaped IDX dataset (uncompressed, the standard file names) for tests:
 * sample {@code i} has label {@code i % 10} and a bright horizontal band at rows {@code 2·label …
 * 2·label + 7}, so a small model can learn it.
 */
public final class TinyIdx {

    private TinyIdx() {
    }

    /** Writes {@code train} training and {@code test} test samples into {@code dir}; returns {@code dir}. */
    public static Path write(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        write(dir, "train", train);
        write(dir, "t10k", test);
        return dir;
    }

    private static void write(Path dir, String prefix, int n) throws IOException {
        byte[] pixels = new byte[n * 28 * 28];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            labels[i] = (byte) label;
            for (int r = 2 * label; r < 2 * label + 8; r++) {
                for (int c = 0; c < 28; c++) {
                    pixels[i * 784 + r * 28 + c] = (byte) (200 + (i * 7 + c) % 50);
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte")))) {
            out.writeInt(0x00000803);
            out.writeInt(n);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            out.writeInt(0x00000801);
            out.writeInt(n);
            out.write(labels);
        }
    }
}
