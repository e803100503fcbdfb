package io.lttricks.platform.grpc;

import io.lttricks.platform.Config;
import io.lttricks.platform.store.DataAccess;
import io.lttricks.platform.store.Keys;
import io.lttricks.core.data.DatasetSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client of the services may name, checked where a request enters (Submit and every other
 * RPC) and again where a service reads it ({@link DataAccess}). A client names only
 * <ul>
 *   <li>objects in storage, as {@code s3://<bucket>/<key>} (or a bare key where a field holds
 *       keys), the key in canonical form ({@link Keys#check}) and under the prefix of its kind:
 *       data set files under {@value Keys#DATASETS} ({@link #DATASET_PREFIXES}), checkpoints under
 *       {@value Keys#RUNS} ({@link #CHECKPOINT_PREFIXES}), manifests and other inputs under either
 *       ({@link #INPUT_PREFIXES}), outputs it chooses (output and report prefixes) under
 *       {@value Keys#RUNS} ({@link #OUTPUT_PREFIXES});</li>
 *   <li>data sets registered on the server: {@code dataset://NAME[/PATH]}, the entry NAME of a
 *       directory the operator lists in {@value Config#DATASET_DIRS}, and PATH inside it.</li>
 * </ul>
 * Never a path of the server's file system. Refusals are {@link IllegalArgumentException}s
 * (INVALID_ARGUMENT) that name the field and say what to give instead; they quote the client's
 * value only ({@link #quote}), never a server path or a file's content.
 */
public final class ClientInputs {
    /** How a client names a data set registered on the server. */
    public static final String REGISTERED = "dataset://";

    public static final List<String> DATASET_PREFIXES = List.of(Keys.DATASETS);
    public static final List<String> CHECKPOINT_PREFIXES = List.of(Keys.RUNS);
    public static final List<String> INPUT_PREFIXES = List.of(Keys.DATASETS, Keys.RUNS);
    public static final List<String> OUTPUT_PREFIXES = List.of(Keys.RUNS);

    private static final int QUOTE_MAX = 80;

    private ClientInputs() {
    }

    /** The data set fields that name files, by their recipe names, with the key prefixes each may use. */
    private static Map<String, String> locations(DatasetSpec spec) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("source", spec.source());
        m.put("train_list", spec.trainList());
        m.put("test_list", spec.testList());
        m.put("class_names", spec.classNames());
        m.put("manifest", spec.manifest());
        return m;
    }

    private static List<String> prefixesOf(String datasetField) {
        return datasetField.equals("manifest") ? INPUT_PREFIXES : DATASET_PREFIXES;
    }

    /**
     * A key a client gave in {@code field}: canonical and under one of {@code prefixes}.
     *
     * @return the key
     */
    public static String key(String key, String field, List<String> prefixes) {
        String problem = Keys.problem(key);
        if (problem != null) {
            throw new IllegalArgumentException(field + ": not a valid object key: " + quote(key) + " (" + problem
                    + "); keys are '/'-separated names under " + prefixes);
        }
        if (!Keys.under(key, prefixes)) {
            throw new IllegalArgumentException(field + ": " + quote(key) + " is outside what clients may name here: "
                    + "a key under " + String.join(" or ", prefixes));
        }
        return key;
    }

    /** {@link #key} for a key that may be left out (empty). */
    public static String optionalKey(String key, String field, List<String> prefixes) {
        return key == null || key.isEmpty() ? key : key(key, field, prefixes);
    }

    /**
     * An object a client names as {@code s3://<bucket>/<key>}: its key, checked as {@link #key}.
     * Anything else (a path, another bucket) is refused with what to give instead.
     */
    public static String objectReference(String reference, String bucket, String field, List<String> prefixes,
                                         String instead) {
        String own = "s3://" + bucket + "/";
        if (reference == null || !reference.startsWith("s3://")) {
            throw new IllegalArgumentException(field + ": " + quote(reference) + " is a path on the server, and the"
                    + " services read no server path for a client; " + instead);
        }
        if (!reference.startsWith(own)) {
            throw new IllegalArgumentException(field + ": " + quote(reference) + " is not in this system's bucket;"
                    + " give " + own + "<key>");
        }
        return key(reference.substring(own.length()), field, prefixes);
    }

    /** What a data set field may be instead of a path. */
    private static String datasetAdvice(String bucket, String datasetField) {
        return "upload the file into storage (lt dataset upload FILE) and give s3://" + bucket + "/"
                + Keys.DATASETS + "<name>, or name a data set the operator registered on the server ("
                + Config.DATASET_DIRS + ") as " + REGISTERED + "<name>/<path>"
                + (datasetField.equals("source") ? "; for cifar10/cifar100 leave source out" : "");
    }

    /** What an init checkpoint may be instead of a path. */
    public static String checkpointAdvice(String bucket) {
        return "give a checkpoint in storage, s3://" + bucket + "/" + Keys.RUNS
                + "<run>/<NN-stage>/final.ckpt (lt results RUN shows where each stage's model is)";
    }

    /** The registered location {@code dataset://NAME[/PATH]} as the relative path NAME[/PATH], checked. */
    public static String registered(String location, String field) {
        String rel = location.substring(REGISTERED.length());
        String problem = Keys.problem(rel);
        if (problem != null) {
            throw new IllegalArgumentException(field + ": " + quote(location) + " is not a registered data set name ("
                    + problem + "); give " + REGISTERED + "<name>/<path>, relative, without '..'");
        }
        return rel;
    }

    public static boolean isRegistered(String location) {
        return location != null && location.startsWith(REGISTERED);
    }

    /**
     * Checks every location a data set names (source, train_list, test_list, class_names,
     * manifest): each absent, an object under {@value Keys#DATASETS} (a manifest also under
     * {@value Keys#RUNS}) or a registered data set.
     *
     * @param field the data set's field in the request, e.g. {@code dataset}
     */
    public static void dataset(DatasetSpec spec, String bucket, String field) {
        if (spec == null) {
            return;
        }
        for (Map.Entry<String, String> e : locations(spec).entrySet()) {
            String value = e.getValue();
            if (value == null) {
                continue;
            }
            String at = field + "." + e.getKey();
            if (isRegistered(value)) {
                registered(value, at);
            } else {
                objectReference(value, bucket, at, prefixesOf(e.getKey()), datasetAdvice(bucket, e.getKey()));
            }
        }
    }

    /** A data set location the services can read: an object (its key) or a registered data set (NAME/PATH). */
    public record Location(String field, String key, String registered) {
    }

    /** The locations of a data set, checked ({@link #dataset}), by field. */
    public static List<Location> locationsOf(DatasetSpec spec, String bucket, String field) {
        dataset(spec, bucket, field);
        return locations(spec).entrySet().stream().filter(e -> e.getValue() != null)
                .map(e -> isRegistered(e.getValue())
                        ? new Location(field + "." + e.getKey(), null, registered(e.getValue(), field + "." + e.getKey()))
                        : new Location(field + "." + e.getKey(), Keys.keyOf(e.getValue(), bucket), null))
                .toList();
    }

    /**
     * The file or directory of a registered data set ({@code NAME/PATH}, already checked by
     * {@link #registered}) in the first listed directory that has it.
     *
     * <p>Symbolic links: the data set's own entry ({@code DIR/NAME}) may be a link, as an operator
     * registers a data set kept elsewhere; below it, a link is followed only where it stays inside
     * that data set's real directory. A path that leaves it (a names file linked to
     * {@code /etc/passwd}) is refused: a client reads a registered data set, nothing else of the
     * server. Images below a data set's root are read as they are (the list names them; they are
     * decoded, never quoted).
     *
     * @throws IOException where the path leaves its data set through a link
     */
    public static Optional<Path> findRegistered(List<Path> dirs, String relative) throws IOException {
        for (Path dir : dirs) {
            Path candidate = dir.resolve(relative).normalize();
            if (!candidate.startsWith(dir.normalize()) || !Files.exists(candidate)) {
                continue;
            }
            Path top = dir.normalize().resolve(dir.normalize().relativize(candidate).getName(0));
            if (!candidate.toRealPath().startsWith(top.toRealPath())) {
                throw new java.nio.file.AccessDeniedException(REGISTERED + relative + " leaves its registered data set"
                        + " through a symbolic link; only links that stay inside the data set's directory are followed"
                        + " (the operator may link the data set's own directory from elsewhere, not files inside it)");
            }
            return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** {@link #findRegistered}, or an IOException that names the location (and no server path). */
    public static Path requireRegistered(List<Path> dirs, String relative) throws IOException {
        return findRegistered(dirs, relative).orElseThrow(() -> new java.nio.file.NoSuchFileException(
                "no registered data set " + REGISTERED + relative + " on this server (the operator registers"
                        + " directories with " + Config.DATASET_DIRS + ")"));
    }

    /**
     * A client's value for an error message: in single quotes, control characters escaped,
     * shortened to {@value #QUOTE_MAX} characters with the full length said.
     */
    public static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(value.length(), QUOTE_MAX);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('\'');
        if (value.length() > QUOTE_MAX) {
            b.append("... (").append(value.length()).append(" characters)");
        }
        return b.toString();
    }
}
