package io.lttricks.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An ImageFolder tree: one directory per class, images (JPEG/PNG) anywhere below it.
 *
 * <p>Class order: the lines of {@code classes.txt} in the root when that file exists, otherwise
 * the directory names sorted by Unicode code point (as torchvision sorts them). For CIFAR-10
 * both give the official label order (airplane, automobile, ..., truck). Images within a class
 * are in path order (code point order of the relative path), which for CIFAR-style numbered
 * files (0000.jpg, 0001.jpg, ...) is the official order within the class.
 */
public final class ImageFolder {
    /** Optional file in the root that fixes the class order, one class directory name a line. */
    public static final String CLASSES_FILE = "classes.txt";

    private ImageFolder() {
    }

    public static FileImages open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("ImageFolder root is not a directory: " + root);
        }
        List<String> classes = classNames(root);
        if (classes.isEmpty()) {
            throw new IOException("no class directories under " + root
                    + ": an ImageFolder tree has one sub-directory per class holding its images");
        }
        List<String> paths = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            Path dir = root.resolve(classes.get(c));
            if (!Files.isDirectory(dir)) {
                throw new IOException(CLASSES_FILE + " names class '" + classes.get(c)
                        + "' but " + dir + " is not a directory");
            }
            List<String> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(FileImages::isImageFile)
                        .map(p -> root.relativize(p).toString().replace('\\', '/'))
                        .sorted()
                        .toList();
            }
            if (files.isEmpty()) {
                throw new IOException("class directory " + dir + " holds no .jpg/.jpeg/.png images");
            }
            for (String f : files) {
                paths.add(f);
                labels.add(c);
            }
        }
        return new FileImages(root, classes, paths.toArray(String[]::new),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    static List<String> classNames(Path root) throws IOException {
        Path file = root.resolve(CLASSES_FILE);
        if (Files.isRegularFile(file)) {
            ListFile.checkSize(file, ListFile.MAX_NAMES_BYTES, "a class-names file", "one name a line");
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        }
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    /** True when {@code dir} looks like an ImageFolder root (sub-directories holding images). */
    public static boolean looksLikeRoot(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path sub : (Iterable<Path>) list::iterator) {
                if (Files.isDirectory(sub)) {
                    try (Stream<Path> inner = Files.list(sub)) {
                        if (inner.anyMatch(FileImages::isImageFile)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }
}
