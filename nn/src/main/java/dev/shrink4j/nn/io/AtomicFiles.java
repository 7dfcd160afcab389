package dev.shrink4j.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-safe file replacement: content is written to a temporary file next to the target, flushed
 * to disk, then renamed over the target in one atomic step. A reader therefore sees either the old
 * file or the complete new one, never a half-written checkpoint, even if the JVM dies mid-write.
 */
public final class AtomicFiles {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

    private AtomicFiles() {
    }

    /**
     * Writes {@code target} atomically. Creates missing parent directories, creates an empty
     * temporary file {@code .<name>.<random>.tmp} in the target's directory (the same file system,
     * so the rename can be atomic), lets {@code writer} fill it, forces it to disk and moves it over
     * {@code target} with {@code ATOMIC_MOVE}.
     *
     * <p>If anything fails (the writer throws, the disk is full, the move is refused) the temporary
     * file is deleted, {@code target} is left exactly as it was (absent or with its old content) and
     * the exception propagates unchanged.
     *
     * @throws IOException from the writer, or from creating, syncing or moving the file
     */
    public static void write(Path target, IOConsumer writer) throws IOException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(writer, "writer");
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path fileName = absolute.getFileName();
        if (dir == null || fileName == null) {
            throw new IllegalArgumentException("cannot write to " + target + ": it has no parent directory or no file name");
        }
        Files.createDirectories(dir);
        Path tmp = createTemp(dir, fileName.toString());
        try {
            writer.accept(tmp);
            // Without the fsync the rename can reach the disk before the data does, and a crash
            // would leave an empty or partial file under the target's name.
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable t) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException cleanup) {
                t.addSuppressed(cleanup);
            }
            throw t;
        }
        syncDirectory(dir);
    }

    /** Writes {@code content} as UTF-8 to {@code target} atomically; see {@link #write(Path, IOConsumer)}. */
    public static void writeString(Path target, String content) throws IOException {
        Objects.requireNonNull(content, "content");
        write(target, tmp -> Files.writeString(tmp, content, StandardCharsets.UTF_8));
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        // Our own name pattern rather than Files.createTempFile: the latter creates the file with
        // mode 0600, which the target would inherit, unlike a file written directly.
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * Makes the rename itself durable. Opening a directory for sync works on Linux and macOS but
     * not on every platform; the file's own content is already on disk at this point and the
     * rename is atomic, so failing here loses durability of the rename only and is logged, not thrown.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("could not sync directory {} after rename: {}", dir, e.toString());
        }
    }
}
