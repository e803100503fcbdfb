package io.lttricks.core.data;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where a {@link ShardSet}'s files are read from: a local directory, or object storage (platform's
 * store source). Shards are read two ways: whole, into a {@link ShardCache}, or by byte range, one
 * image or a run of neighbouring images at a time.
 */
public interface ShardSource {

    /** Where the shard set is, for messages: a directory or an s3:// prefix. */
    String describe();

    /** A small file of the set (the index, a split's images file), whole. */
    byte[] read(String file) throws IOException;

    /** {@code length} bytes of {@code file} from {@code offset}. */
    byte[] read(String file, long offset, int length) throws IOException;

    /** Copies {@code file} to {@code target} (via a temporary file beside it, then renamed). */
    void download(String file, Path target) throws IOException;

    /** The shard set in directory {@code dir}. */
    static ShardSource directory(Path dir) {
        return new ShardSource() {
            @Override
            public String describe() {
                return dir.toString();
            }

            private Path file(String name) throws IOException {
                Path p = dir.resolve(name).normalize();
                if (!p.startsWith(dir.normalize()) || name.contains("/")) {
                    throw new IOException("not a file of the shard set: " + name);
                }
                if (!Files.isRegularFile(p)) {
                    throw new NoSuchFileException(p + " (the shard set in " + dir + " lacks it)");
                }
                return p;
            }

            @Override
            public byte[] read(String name) throws IOException {
                return Files.readAllBytes(file(name));
            }

            @Override
            public byte[] read(String name, long offset, int length) throws IOException {
                try (RandomAccessFile f = new RandomAccessFile(file(name).toFile(), "r")) {
                    byte[] b = new byte[length];
                    f.seek(offset);
                    f.readFully(b);
                    return b;
                }
            }

            @Override
            public void download(String name, Path target) throws IOException {
                Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName() + ".", ".part");
                try {
                    Files.copy(file(name), tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
        };
    }
}
