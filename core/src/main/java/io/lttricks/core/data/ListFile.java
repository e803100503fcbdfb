package io.lttricks.core.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * List files as ImageNet-LT and iNaturalist 2018 ship them: one image a line, a path relative to
 * a root directory, white space, an integer label. Blank lines and lines starting with '#' are
 * skipped.
 *
 * <p>Class names: from a names file (one a line, index = label) when given, otherwise the parent
 * directory of the first image of each label (the WordNet id on ImageNet), or the label number
 * when images of one label sit in different directories.
 */
public final class ListFile {
    private ListFile() {
    }

    public static FileImages open(Path listFile, Path root, Path classNamesFile) throws IOException {
        if (!Files.isRegularFile(listFile)) {
            throw new IOException("list file not found: " + listFile);
        }
        if (!Files.isDirectory(root)) {
            throw new IOException("image root directory not found: " + root
                    + " (the paths in " + listFile.getFileName() + " are relative to it)");
        }
        checkSize(listFile, MAX_LIST_BYTES, "a list file", "ImageNet's 1.3 million lines take about 60 MB");
        List<String> paths = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(listFile, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                // Messages say where and what is wrong, never the line itself: a list file may be
                // anything a caller named, and its content is not for the caller to read.
                int cut = lastWhitespace(s);
                if (cut < 0) {
                    throw new IOException(listFile + ":" + lineNo + ": expected '<relative path> <label>' (a path, white"
                            + " space, an integer label); the line has no white space");
                }
                String path = s.substring(0, cut).strip();
                int label;
                try {
                    label = Integer.parseInt(s.substring(cut + 1).strip());
                } catch (NumberFormatException e) {
                    throw new IOException(listFile + ":" + lineNo + ": expected '<relative path> <label>'; the label"
                            + " (after the last white space) is not an integer");
                }
                if (label < 0) {
                    throw new IOException(listFile + ":" + lineNo + ": negative label " + label);
                }
                if (label >= MAX_CLASSES) {
                    throw new IOException(listFile + ":" + lineNo + ": label " + label + " is beyond the " + MAX_CLASSES
                            + " classes a data set may have (iNaturalist 2018 has 8,142); labels number the classes"
                            + " 0, 1, 2, ...");
                }
                String problem = pathProblem(path);
                if (problem != null) {
                    throw new IOException(listFile + ":" + lineNo + ": the image path " + problem + "; paths are relative"
                            + " to the image root (source) and stay inside it");
                }
                paths.add(path);
                labels.add(label);
            }
        }
        if (paths.isEmpty()) {
            throw new IOException("list file " + listFile + " holds no images");
        }
        int[] lab = labels.stream().mapToInt(Integer::intValue).toArray();
        int numClasses = 0;
        for (int l : lab) {
            numClasses = Math.max(numClasses, l + 1);
        }
        List<String> names = classNamesFile != null
                ? readNames(classNamesFile, numClasses)
                : inferNames(paths, lab, numClasses);
        return new FileImages(root, names, paths.toArray(String[]::new), lab);
    }

    /** Why an image path of a list file may not be read (null when it may): it must stay under the root. */
    static String pathProblem(String path) {
        if (path.startsWith("/")) {
            return "is absolute";
        }
        for (String segment : path.split("[/\\\\]")) {
            if (segment.equals("..")) {
                return "goes up ('..')";
            }
        }
        for (int i = 0; i < path.length(); i++) {
            if (Character.isISOControl(path.charAt(i))) {
                return "holds a control character";
            }
        }
        return null;
    }

    private static int lastWhitespace(String s) {
        for (int i = s.length() - 1; i >= 0; i--) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Classes at most: the largest label sizes the per-class arrays before any image is read, so a
     * label of two billion in a wrong or hostile list would exhaust the heap and take a service down.
     */
    static final int MAX_CLASSES = 100_000;
    /** A list file at most: read line by line, but every path is kept in memory. */
    static final long MAX_LIST_BYTES = 512L << 20;
    /** A class-names file at most (iNaturalist 2018's 8,142 names take about 200 KB). */
    static final long MAX_NAMES_BYTES = 16L << 20;

    /**
     * Refuses a file larger than any file of its kind before it is read: a wrong or hostile file
     * (a disk image named as a list) would otherwise exhaust the heap and take a service with it.
     */
    static void checkSize(Path file, long max, String kind, String forScale) throws IOException {
        long size = Files.size(file);
        if (size > max) {
            throw new IOException(file + " is " + size + " bytes; " + kind + " holds at most " + max + " (" + forScale
                    + "): not " + kind);
        }
    }

    private static List<String> readNames(Path file, int numClasses) throws IOException {
        checkSize(file, MAX_NAMES_BYTES, "a class-names file", "one name a line");
        List<String> names = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.size() > MAX_CLASSES) {
            throw new IOException("class names file " + file + " has " + names.size() + " names, more than the "
                    + MAX_CLASSES + " classes a data set may have (one name a line)");
        }
        if (names.size() < numClasses) {
            throw new IOException("class names file " + file + " has " + names.size()
                    + " names but the list uses labels up to " + (numClasses - 1));
        }
        return names;
    }

    private static List<String> inferNames(List<String> paths, int[] labels, int numClasses) {
        String[] names = new String[numClasses];
        boolean[] conflict = new boolean[numClasses];
        boolean[] seen = new boolean[numClasses];
        for (int i = 0; i < labels.length; i++) {
            String p = paths.get(i);
            int slash = p.lastIndexOf('/');
            String parent = slash > 0 ? p.substring(p.lastIndexOf('/', slash - 1) + 1, slash) : null;
            int c = labels[i];
            if (!seen[c]) {
                seen[c] = true;
                names[c] = parent;
            } else if (!java.util.Objects.equals(names[c], parent)) {
                conflict[c] = true;
            }
        }
        List<String> out = new ArrayList<>(numClasses);
        for (int c = 0; c < numClasses; c++) {
            out.add(names[c] == null || conflict[c] ? String.valueOf(c) : names[c]);
        }
        return out;
    }
}
