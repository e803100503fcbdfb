package io.lttricks.platform.grpc;

import io.lttricks.platform.Config;
import io.lttricks.platform.Platform;
import io.lttricks.core.util.LtPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Failure reasons as clients see them (a stage's failure in a run's state and events, an RPC's
 * error): no server path. The directories of the configuration become what a client knows them
 * as (a downloaded object's local copy its {@code s3://} address, a registered data set its
 * {@code dataset://} name, the work, data and cache directories their variables' names), any
 * other absolute path its last name ({@code .../name}); long messages are cut. File contents are
 * kept out where they are read (the list file reader quotes no line); this is the net behind it.
 */
public final class ClientMessages {
    /** Longest reason passed on. */
    public static final int MAX_CHARS = 1000;

    /** An absolute path not preceded by a word, a dot, a slash or a colon (so not s3://b/k or a/b). */
    private static final Pattern ABSOLUTE = Pattern.compile("(?<![\\w./:~$\\-])/[^\\s'\"<>,;:()\\[\\]{}]+");

    private ClientMessages() {
    }

    /** {@code message} with the server's paths replaced; "unknown error" for none. */
    public static String scrub(String message, Config config, String bucket) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        Map<String, String> known = new LinkedHashMap<>();
        known.put(config.workDir().resolve("objects").toAbsolutePath().normalize() + "/", "s3://" + bucket + "/");
        for (Path d : config.datasetDirs()) {
            known.put(d.toAbsolutePath().normalize() + "/", ClientInputs.REGISTERED);
        }
        known.put(config.workDir().toAbsolutePath().normalize().toString(), "$" + Config.WORK_DIR);
        known.put(config.dataDir().toAbsolutePath().normalize().toString(), "$" + Config.DATA_DIR);
        known.put(LtPaths.cacheDir().toString(), "$" + LtPaths.CACHE_DIR_ENV);
        known.put(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString(), "$TMPDIR");
        known.put(Path.of(System.getProperty("user.home")).toAbsolutePath().normalize().toString(), "~");
        List<Map.Entry<String, String>> byLength = new ArrayList<>(known.entrySet());
        byLength.removeIf(e -> e.getKey().length() < 2);
        byLength.sort(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
        String s = message;
        for (Map.Entry<String, String> e : byLength) {
            // Only a whole path: not inside another path or name (dataset://tmp-sets/x, /data/tmp/x).
            String key = e.getKey();
            Pattern whole = Pattern.compile("(?<![\\w./:~$\\-])" + Pattern.quote(key)
                    + (key.endsWith("/") ? "" : "(?=/|$|[^\\w.\\-])"));
            s = whole.matcher(s).replaceAll(Matcher.quoteReplacement(e.getValue()));
        }
        Matcher m = ABSOLUTE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String path = m.group();
            String last = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            last = last.substring(last.lastIndexOf('/') + 1);
            m.appendReplacement(out, Matcher.quoteReplacement(last.isEmpty() ? "/" : ".../" + last));
        }
        m.appendTail(out);
        s = out.toString();
        if (s.length() > MAX_CHARS) {
            s = s.substring(0, MAX_CHARS) + "... (cut; the service's log has the whole message)";
        }
        return s;
    }

    /** The reason of a failure: its message, or its kind when it has none (an EOFException, say). */
    public static String reason(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e instanceof java.io.EOFException ? "unexpected end of file (truncated?)"
                    : e.getClass().getSimpleName() + (e.getCause() != null ? ": " + reason(e.getCause()) : "");
        }
        return m;
    }

    /** {@link #scrub} of {@link #reason} as the platform's services see it. */
    public static String of(Throwable e, Platform platform) {
        return scrub(reason(e), platform.config(), platform.store().bucket());
    }
}
