package io.lttricks.core.data;

import io.lttricks.core.util.LtPaths;
import io.lttricks.core.util.Progress;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/** Extraction of {@code .tar.gz} archives, once, into the cache. */
public final class Archives {
    private Archives() {
    }

    public static boolean isTarGz(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".tar.gz") || name.endsWith(".tgz");
    }

    /**
     * A failure to read {@code archive} as a message that names the file and says what is wrong:
     * the libraries say "null" for a file that ends early and "Corrupted TAR archive." without
     * naming it.
     */
    public static IOException damaged(Path archive, IOException e) {
        String m = e.getMessage();
        String what;
        if (e instanceof java.io.EOFException || m == null || m.isBlank() || m.toLowerCase(Locale.ROOT).contains("truncated")
                || m.toLowerCase(Locale.ROOT).contains("unexpected end")) {
            what = "it ends early: the file is truncated (an interrupted download or copy?); fetch it again";
        } else if (m.startsWith("Corrupted TAR archive")) {
            what = "corrupted TAR archive (a damaged header or entry); fetch it again";
        } else if (e instanceof java.util.zip.ZipException || m.contains("GZIP") || m.contains("gzip")
                || m.contains(".gz format")) {
            what = "not a valid gzip file (" + m + ")";
        } else {
            what = m;
        }
        return new IOException("cannot read archive " + archive + ": " + what, e);
    }

    /**
     * Whether an entry is a plain file: links (symbolic or hard), devices and FIFOs are not
     * extracted, so nothing in an archive points outside it.
     */
    public static boolean isRegularFile(TarArchiveEntry entry) {
        return entry.isFile() && !entry.isSymbolicLink() && !entry.isLink() && !entry.isCharacterDevice()
                && !entry.isBlockDevice() && !entry.isFIFO();
    }

    /** Opens a tar.gz archive as a stream of entries. */
    public static TarArchiveInputStream openTarGz(Path archive) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        return new TarArchiveInputStream(new GzipCompressorInputStream(in));
    }

    /**
     * The directory holding the archive's contents, extracting it on first use. The key includes
     * size and modification time, so a replaced archive is extracted again. Extraction goes to a
     * temporary directory first and is renamed into place: an interrupted run leaves no half tree.
     */
    public static Path extractOnce(Path archive, Progress progress) throws IOException {
        return extractOnce(archive, progress, Limits.DEFAULT);
    }

    /**
     * What an extraction may take, so that an archive that is not a data set (a decompression bomb:
     * a small file that expands to terabytes) fails with a message instead of filling the disk.
     *
     * @param maxRatio       bytes written per compressed byte read, checked once {@code ratioAfter}
     *                       bytes are written (images and CIFAR binaries barely compress: about 1)
     * @param ratioAfter     bytes written before the ratio is checked
     * @param reserve        free space the extraction leaves on the cache's file system at least
     * @param maxEntries     entries in the archive at most
     */
    public record Limits(double maxRatio, long ratioAfter, long reserve, long maxEntries) {
        /** 100:1 after 1 GiB, 1 GiB left free, 20 million entries (ImageNet has 1.3 million images). */
        public static final Limits DEFAULT = new Limits(100, 1L << 30, 1L << 30, 20_000_000);
    }

    /** {@link #extractOnce(Path, Progress)} within {@code limits}. */
    static Path extractOnce(Path archive, Progress progress, Limits limits) throws IOException {
        if (!Files.isRegularFile(archive)) {
            throw new IOException("archive not found: " + archive);
        }
        String base = archive.getFileName().toString().replaceFirst("(?i)(\\.tar\\.gz|\\.tgz)$", "");
        String key = Long.toHexString(Files.size(archive)) + "-"
                + Long.toHexString(Files.getLastModifiedTime(archive).toMillis());
        Path target = LtPaths.cacheDir().resolve("extracted").resolve(base + "-" + key);
        if (Files.isDirectory(target)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), base + ".partial-");
        try {
            long total = Files.size(archive);
            long entries = 0;
            Budget budget = new Budget(archive, tmp, limits);
            try (InputStream raw = Files.newInputStream(archive);
                 CountingInputStream counted = new CountingInputStream(new BufferedInputStream(raw, 1 << 16));
                 TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(counted))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path out = tmp.resolve(entry.getName()).normalize();
                    if (!out.startsWith(tmp) || out.equals(tmp)) {
                        throw new IOException("archive entry escapes the target directory: " + entry.getName()
                                + " (in " + archive + ")");
                    }
                    if (++entries > limits.maxEntries()) {
                        throw new LimitException(archive + " holds more than " + limits.maxEntries()
                                + " entries: not a data set archive");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(out);
                    } else if (isRegularFile(entry)) {
                        Files.createDirectories(out.getParent());
                        budget.copy(tar, out, counted);
                    }
                    if (entries % 2000 == 0) {
                        progress.update("extract " + archive.getFileName(), counted.count(), total, "B");
                    }
                }
                progress.update("extract " + archive.getFileName(), total, total, "B");
            } catch (LimitException e) {
                throw e;
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("archive entry escapes")) {
                    throw e;
                }
                throw damaged(archive, e);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                if (!Files.isDirectory(target)) {
                    throw e;
                }
                // Another process finished first; its tree is as good as ours.
                deleteTree(tmp);
            }
            progress.note("extracted " + archive + " into " + target);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** An extraction stopped by its {@link Limits}: the archive is fine as an archive, but not as a data set here. */
    static final class LimitException extends IOException {
        LimitException(String message) {
            super(message);
        }
    }

    /** Copies entries while counting what an extraction writes against its {@link Limits}. */
    private static final class Budget {
        private static final long CHECK_EVERY = 16L << 20;
        private final Path archive;
        private final Path target;
        private final java.nio.file.FileStore disk;
        private final Limits limits;
        private final byte[] buffer = new byte[1 << 16];
        private long written;
        private long nextCheck = CHECK_EVERY;

        Budget(Path archive, Path target, Limits limits) throws IOException {
            this.archive = archive;
            this.target = target;
            this.disk = Files.getFileStore(target);
            this.limits = limits;
        }

        /** Copies one entry; every {@value #CHECK_EVERY} bytes written, checks the ratio and the free space. */
        void copy(InputStream entry, Path out, CountingInputStream compressed) throws IOException {
            try (java.io.OutputStream o = Files.newOutputStream(out)) {
                int n;
                while ((n = entry.read(buffer)) > 0) {
                    o.write(buffer, 0, n);
                    written += n;
                    if (written >= nextCheck) {
                        nextCheck = written + CHECK_EVERY;
                        check(compressed);
                    }
                }
            }
        }

        private void check(CountingInputStream compressed) throws IOException {
            if (written >= limits.ratioAfter() && written > limits.maxRatio() * Math.max(1, compressed.count())) {
                throw new LimitException(String.format(Locale.ROOT, "%s expands more than %.0f times its size (%s from "
                        + "the first %s): not a data set archive (a decompression bomb?); extraction stopped",
                        archive, limits.maxRatio(), bytes(written), bytes(compressed.count())));
            }
            long free = disk.getUsableSpace();
            if (free < limits.reserve()) {
                throw new LimitException("extracting " + archive + " would fill the disk of " + target.getParent()
                        + " (" + bytes(written) + " written, " + bytes(free) + " left): free space there, or set "
                        + "LT_CACHE_DIR to a larger disk");
            }
        }

        private static String bytes(long n) {
            return n >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", n / (double) (1L << 30))
                    : String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // Best effort: a leftover temporary directory is harmless.
        }
    }

    /** Counts the compressed bytes read, for progress. */
    static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }
}
