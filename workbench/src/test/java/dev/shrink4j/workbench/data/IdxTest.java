package dev.shrink4j.workbench.data;

import static dev.shrink4j.workbench.data.TestFiles.idx;
import static dev.shrink4j.workbench.data.TestFiles.writeGz;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    @TempDir
    Path dir;

    /** Three 2x3 images whose pixels are 0, 10, …, 170 (with 255 as the last one). */
    static final byte[] PIXELS = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, (byte) 130, (byte) 140,
            (byte) 150, (byte) 160, (byte) 255};

    @Test
    void readsGzippedImagesExactly() throws IOException {
        Path f = writeGz(dir.resolve("img.gz"), idx(PIXELS, 2051, 3, 2, 3));
        IdxImages images = Idx.readImages(f);
        assertEquals(3, images.count());
        assertEquals(2, images.rows());
        assertEquals(3, images.cols());
        assertArrayEquals(PIXELS, images.pixels());
        assertEquals(255, images.pixels()[17] & 0xFF);
    }

    @Test
    void readsUncompressedFilesToo() throws IOException {
        Path f = Files.write(dir.resolve("labels"), idx(new byte[] {7, 0, 9}, 2049, 3));
        assertArrayEquals(new byte[] {7, 0, 9}, Idx.readLabels(f));
        Path images = Files.write(dir.resolve("images"), idx(PIXELS, 2051, 3, 2, 3));
        assertArrayEquals(PIXELS, Idx.readImages(images).pixels());
    }

    @Test
    void wrongMagicSaysWhatTheFileIs() throws IOException {
        Path f = writeGz(dir.resolve("labels.gz"), idx(new byte[] {1, 2}, 2049, 2));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(f));
        assertEquals(f + ": bad magic number 2049 (this is a label file), expected 2051 (IDX images)", e.getMessage());
        Path g = writeGz(dir.resolve("junk.gz"), idx(new byte[0], 1234, 0));
        e = assertThrows(DatasetException.class, () -> Idx.readLabels(g));
        assertEquals(g + ": bad magic number 1234, expected 2049 (IDX labels)", e.getMessage());
    }

    @Test
    void truncatedDataIsReported() throws IOException {
        Path f = writeGz(dir.resolve("img.gz"), idx(Arrays.copyOf(PIXELS, 10), 2051, 3, 2, 3));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(f));
        assertEquals(f + ": truncated: the header declares 3 images of 2x3 (18 pixel bytes) but only 10 bytes follow",
                e.getMessage());
        Path header = writeGz(dir.resolve("hdr.gz"), idx(new byte[0], 2051, 3));
        e = assertThrows(DatasetException.class, () -> Idx.readImages(header));
        assertEquals(header + ": truncated: the file ends inside its 16-byte header", e.getMessage());
    }

    @Test
    void trailingDataIsReported() throws IOException {
        Path f = writeGz(dir.resolve("labels.gz"), idx(new byte[] {1, 2, 3}, 2049, 2));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readLabels(f));
        assertEquals(f + ": unexpected data after the 2 labels its header declares", e.getMessage());
    }

    @Test
    void corruptGzipIsReported() throws IOException {
        byte[] gz = Files.readAllBytes(writeGz(dir.resolve("ok.gz"), idx(PIXELS, 2051, 3, 2, 3)));
        Path f = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length - 12));
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readImages(f));
        assertEquals(f + ": corrupt gzip data (Unexpected end of ZLIB input stream); download it again", e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path f = dir.resolve("nothing.gz");
        DatasetException e = assertThrows(DatasetException.class, () -> Idx.readLabels(f));
        assertEquals(f + " not found", e.getMessage());
    }
}
