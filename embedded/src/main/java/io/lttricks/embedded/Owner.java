package io.lttricks.embedded;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories for the owner's eyes only (POSIX 700 / 600): the embedded broker's and
 * storage's data, and the state files of {@code lt up} (endpoints, credentials). On a file system
 * without POSIX permissions nothing changes.
 */
public final class Owner {
    public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private Owner() {
    }

    /** Creates {@code dir} (and missing parents) and makes it the owner's only. */
    public static Path only(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (posix(dir)) {
            Files.setPosixFilePermissions(dir, DIR);
        }
        return dir;
    }

    /**
     * Writes {@code file} readable by the owner only, from its creation on: a temporary file with
     * mode 600, renamed over the target.
     */
    public static Path write(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix(dir)) {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE));
            } catch (FileAlreadyExistsException e) {
                throw new IOException("cannot write " + file + ": " + tmp + " appeared meanwhile", e);
            }
        }
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    private static boolean posix(Path p) {
        return Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
    }
}
