package dev.shrink4j.nn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a file's content to the path it is given; used by {@link AtomicFiles#write(Path, IOConsumer)},
 * which hands it a temporary file and moves that into place only when this returns normally.
 */
@FunctionalInterface
public interface IOConsumer {

    /**
     * Writes the content to {@code tmp}, an existing empty file. Open it with the default options
     * ({@code Files.newOutputStream(tmp)}, {@code Files.writeString(tmp, s)}) or with {@code WRITE}.
     */
    void accept(Path tmp) throws IOException;
}
