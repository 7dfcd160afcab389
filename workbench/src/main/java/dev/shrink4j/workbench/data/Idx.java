package dev.shrink4j.workbench.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads files in the IDX format of MNIST and Fashion-MNIST: a big-endian int32 magic number
 * ({@value #IMAGES_MAGIC} for unsigned-byte images with 3 dimensions, {@value #LABELS_MAGIC} for
 * unsigned-byte labels with 1 dimension), one big-endian int32 per dimension, then the data.
 *
 * <p>Files may be gzip-compressed or not: the gzip signature is detected from the content, not from
 * the name. Data after the declared size is rejected as well as missing data, so a truncated or
 * concatenated download does not pass silently.
 */
public final class Idx {

    /** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    private Idx() {
    }

    /**
     * Reads an image file.
     *
     * @throws DatasetException when the file is missing, is not an IDX image file, is truncated or
     *                          has trailing data; the message names the file
     */
    public static IdxImages readImages(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = readHeaderInt(in, file, 16);
            checkMagic(file, magic, IMAGES_MAGIC, "images");
            int count = readHeaderInt(in, file, 16);
            int rows = readHeaderInt(in, file, 16);
            int cols = readHeaderInt(in, file, 16);
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new DatasetException(file + ": invalid header: count " + count + ", rows " + rows + ", cols " + cols);
            }
            long size = (long) count * rows * cols;
            if (size > Integer.MAX_VALUE - 8) {
                throw new DatasetException(file + ": " + count + " images of " + rows + "x" + cols + " are too many to hold in one array");
            }
            byte[] pixels = readData(in, file, (int) size,
                    count + " images of " + rows + "x" + cols + " (" + size + " pixel bytes)");
            return new IdxImages(count, rows, cols, pixels);
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /**
     * Reads a label file: one unsigned byte per item.
     *
     * @throws DatasetException when the file is missing, is not an IDX label file, is truncated or
     *                          has trailing data; the message names the file
     */
    public static byte[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = readHeaderInt(in, file, 8);
            checkMagic(file, magic, LABELS_MAGIC, "labels");
            int count = readHeaderInt(in, file, 8);
            if (count < 0) {
                throw new DatasetException(file + ": invalid header: count " + count);
            }
            return readData(in, file, count, count + " labels");
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /** Opens {@code file}, transparently decompressing it when it starts with the gzip signature. */
    static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static void checkMagic(Path file, int magic, int expected, String what) {
        if (magic != expected) {
            String hint = magic == IMAGES_MAGIC ? " (this is an image file)"
                    : magic == LABELS_MAGIC ? " (this is a label file)" : "";
            throw new DatasetException(file + ": bad magic number " + magic + hint + ", expected " + expected
                    + " (IDX " + what + ")");
        }
    }

    private static int readHeaderInt(DataInputStream in, Path file, int headerBytes) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DatasetException(file + ": truncated: the file ends inside its " + headerBytes + "-byte header", e);
        }
    }

    private static byte[] readData(DataInputStream in, Path file, int size, String declared) throws IOException {
        byte[] data = in.readNBytes(size);
        if (data.length < size) {
            throw new DatasetException(file + ": truncated: the header declares " + declared + " but only "
                    + data.length + " bytes follow");
        }
        if (in.read() != -1) {
            throw new DatasetException(file + ": unexpected data after the " + declared + " its header declares");
        }
        return data;
    }

    static DatasetException ioFailure(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new DatasetException(file + " not found", e);
        }
        if (e instanceof ZipException || e instanceof EOFException) {
            return new DatasetException(file + ": corrupt gzip data (" + e.getMessage() + "); download it again", e);
        }
        return new DatasetException(file + ": cannot read (" + e + ")", e);
    }
}
