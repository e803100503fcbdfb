package io.lttricks.cli;

import io.lttricks.core.recipe.RecipeException;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/**
 * What {@code lt} prints when a command fails: one line that says what went wrong and, where it
 * can, what to do; never "null", never a stack trace unless {@value #DEBUG_ENV} is set. Exit codes:
 * 2 for a bad recipe or request, 1 otherwise.
 */
final class ErrorReport {
    /** Set (to anything) to get the stack trace of an unexpected failure as well. */
    static final String DEBUG_ENV = "LT_DEBUG";

    private ErrorReport() {
    }

    static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        Throwable t = unwrap(e);
        int code = 1;
        String line;
        if (t instanceof io.grpc.StatusRuntimeException sre) {
            io.grpc.Status st = sre.getStatus();
            line = st.getCode() + ": " + (st.getDescription() != null ? st.getDescription()
                    : st.getCause() != null ? reason(st.getCause()) : "")
                    + (st.getCode() == io.grpc.Status.Code.UNAVAILABLE
                    ? " (is the system up? start it with 'lt up', or give --server HOST:PORT)" : "");
            code = st.getCode() == io.grpc.Status.Code.INVALID_ARGUMENT ? 2 : 1;
        } else if (t instanceof RecipeException) {
            line = "bad recipe: " + t.getMessage();
            code = 2;
        } else if (t instanceof IllegalArgumentException || t instanceof IOException || t instanceof IllegalStateException) {
            line = reason(t);
        } else if (t instanceof OutOfMemoryError) {
            line = "out of memory (" + reason(t) + "): give Java more with LT_JAVA_OPTS=-Xmx..., or use a smaller"
                    + " batch size";
        } else {
            line = "unexpected failure: " + t.getClass().getSimpleName() + ": " + reason(t)
                    + (System.getenv(DEBUG_ENV) == null ? " (set " + DEBUG_ENV + "=1 for the stack trace)" : "");
        }
        err.println("lt: " + line);
        if (System.getenv(DEBUG_ENV) != null) {
            t.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The failure inside the wrappers that say nothing themselves. */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof UncheckedIOException || t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof CommandLine.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** What went wrong, in words, for any throwable: never "null". */
    static String reason(Throwable t) {
        if (t instanceof NoSuchFileException f) {
            return "no such file or directory: " + f.getFile() + (f.getReason() != null ? " (" + f.getReason() + ")" : "");
        }
        if (t instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (t instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : t.getClass().getSimpleName());
        }
        String m = t.getMessage();
        if (m != null && !m.isBlank()) {
            return m;
        }
        if (t instanceof EOFException) {
            return "unexpected end of file: a file is truncated";
        }
        Throwable cause = t.getCause();
        return cause != null && cause != t ? t.getClass().getSimpleName() + ": " + reason(cause)
                : t.getClass().getSimpleName() + " (no message)";
    }
}
