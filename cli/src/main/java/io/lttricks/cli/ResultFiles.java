package io.lttricks.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.platform.store.Keys;
import io.lttricks.proto.v1.FileChunk;
import io.lttricks.proto.v1.GetResultFileRequest;
import io.lttricks.proto.v1.RunResults;
import io.lttricks.proto.v1.RunServiceGrpc;
import io.lttricks.proto.v1.StageResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * lt results --open: a run's result files (what Results lists for each stage) copied from the
 * services into a local directory, laid out as under the run's prefix ({@code DIR/01-first/report/
 * report.txt}, {@code DIR/01-first/history.jsonl}). Nothing is written outside the directory,
 * whatever names the server sends: a name must be a canonical key under the run's prefix, and no
 * symbolic link inside the directory is followed out of it. A file already there with other
 * contents is kept unless {@code force}. With {@code checkpoints}, each training stage's final
 * checkpoint too ({@code DIR/01-first/final.ckpt}; the server serves it to a token of role 'all').
 */
record ResultFiles(Path dir, boolean force, boolean checkpoints, PrintStream out) {
    /** Where the files' bytes come from: null for a file that is listed but not stored. */
    interface Source {
        byte[] get(String key) throws IOException;
    }

    /** The files through the run service's GetResultFile (the client needs no access to storage). */
    static Source from(RunServiceGrpc.RunServiceBlockingStub runs, String runId) {
        return key -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                Iterator<FileChunk> chunks = runs.getResultFile(GetResultFileRequest.newBuilder().setRunId(runId)
                        .setKey(key).build());
                while (chunks.hasNext()) {
                    chunks.next().getData().writeTo(bytes);
                }
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return null;
                }
                throw e;
            }
            return bytes.toByteArray();
        };
    }

    /**
     * Copies every listed file and prints its local path; files kept because they differ are named
     * in the exception that ends the copy (after every other file was copied).
     */
    void copy(RunResults results, Source source) throws IOException {
        String prefix = results.getRun().getPrefix() + "/";
        Files.createDirectories(dir);
        Path root = dir.toRealPath();
        List<Path> kept = new ArrayList<>();
        out.println();
        out.println("files in " + dir + ":");
        for (StageResult stage : results.getStagesList()) {
            List<String> keys = new ArrayList<>(stage.getFileKeysList());
            if (checkpoints && !stage.getCheckpointKey().isEmpty()) {
                keys.add(stage.getCheckpointKey());
            }
            for (String key : keys) {
                Path target = target(root, prefix, key);
                byte[] bytes = source.get(key);
                if (bytes == null) {
                    out.println("  (not stored) " + key);
                    continue;
                }
                if (Files.exists(target) && !force && !Arrays.equals(Files.readAllBytes(target), bytes)) {
                    kept.add(target);
                    out.println("  (kept, differs) " + target);
                    continue;
                }
                write(target, bytes);
                out.println("  " + target);
            }
        }
        if (!kept.isEmpty()) {
            throw new IllegalStateException(kept.size() + " file(s) in " + dir + " differ from the run's and were left as"
                    + " they are (" + kept.get(0) + (kept.size() > 1 ? ", ..." : "") + "); --force overwrites them");
        }
    }

    /** The local file of {@code key}: under {@code root}, its parents made, or an exception if it would leave it. */
    static Path target(Path root, String prefix, String key) throws IOException {
        String name = key.startsWith(prefix) ? key.substring(prefix.length()) : null;
        if (name == null || Keys.problem(name) != null) {
            throw new IOException("the server listed " + io.lttricks.platform.grpc.ClientInputs.quote(key) + ", not a file"
                    + " name under the run's " + prefix + "; nothing of it is written");
        }
        // Each directory on the way made here or a real directory: none is a link that leads elsewhere.
        Path at = root;
        String[] parts = name.split("/");
        for (int i = 0; i < parts.length; i++) {
            at = at.resolve(parts[i]);
            boolean last = i == parts.length - 1;
            if (Files.isSymbolicLink(at) || (!last && Files.exists(at) && !Files.isDirectory(at))) {
                throw new IOException(at + " is a symbolic link or not a directory; " + key + " is not written");
            }
            if (!last && !Files.exists(at)) {
                Files.createDirectory(at);
            }
        }
        return at;
    }

    /** Writes through a temporary file beside the target, so an interrupted copy leaves no half file. */
    private static void write(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), ".lt-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
