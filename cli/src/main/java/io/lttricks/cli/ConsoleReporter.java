package io.lttricks.cli;

import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.run.RunListener;
import io.lttricks.core.util.Progress;
import java.io.PrintStream;
import io.lttricks.core.train.RunLayout;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Renders progress on the terminal: one live line rewritten in place on a TTY, a line every few
 * seconds otherwise (logs, CI), and a permanent line per epoch.
 */
final class ConsoleReporter implements RunListener, Progress {
    private static final long PLAIN_INTERVAL_NANOS = 15_000_000_000L;
    private final PrintStream out;
    private final boolean live;
    private long lastPrint;
    private int liveWidth;
    private volatile java.util.function.BooleanSupplier stop = () -> false;
    private volatile int epochsDone;

    ConsoleReporter(PrintStream out, boolean live) {
        this.out = out;
        this.live = live;
    }

    static ConsoleReporter forStdout() {
        boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        return new ConsoleReporter(System.out, tty);
    }

    private synchronized void transient_(String line) {
        long now = System.nanoTime();
        if (live) {
            if (now - lastPrint < 100_000_000L) {
                return;
            }
            lastPrint = now;
            String padded = line.length() < liveWidth ? line + " ".repeat(liveWidth - line.length()) : line;
            liveWidth = line.length();
            out.print("\r" + padded);
            out.flush();
        } else if (now - lastPrint >= PLAIN_INTERVAL_NANOS) {
            lastPrint = now;
            out.println(line);
        }
    }

    private synchronized void permanent(String line) {
        if (live && liveWidth > 0) {
            out.print("\r" + " ".repeat(liveWidth) + "\r");
            liveWidth = 0;
        }
        out.println(line);
        out.flush();
    }

    @Override
    public void update(String task, long done, long total, String unit) {
        String amount = "B".equals(unit) ? bytes(done) + (total > 0 ? " / " + bytes(total) : "")
                : done + (total > 0 ? " / " + total : "") + " " + unit;
        String pct = total > 0 ? String.format(Locale.ROOT, " %3.0f%%", 100.0 * done / total) : "";
        if (total > 0 && done >= total) {
            permanent(task + ": " + amount + pct);
        } else {
            transient_(task + ": " + amount + pct);
        }
    }

    @Override
    public void note(String message) {
        permanent(message);
    }

    @Override
    public void onNote(String message) {
        permanent(message);
    }

    @Override
    public void onStageStart(String stage, int firstEpoch, int epochs, int batchesPerEpoch) {
        permanent(String.format(Locale.ROOT, "[%s] epochs %d..%d, %d steps an epoch", stage, firstEpoch, epochs,
                batchesPerEpoch));
    }

    @Override
    public void onBatch(BatchProgress p) {
        transient_(String.format(Locale.ROOT,
                "[%s] epoch %d/%d  batch %d/%d  loss %.4f  acc %5.1f%%  lr %.5g  %.0f img/s  ETA %s",
                p.stage(), p.epoch(), p.epochs(), p.batch(), p.batches(), p.loss(), 100 * p.accuracy(), p.lr(),
                p.imagesPerSecond(), duration(p.etaSeconds())));
    }

    /** Asks the training to stop after the current epoch once {@code when} says so (a signal, say). */
    void stopWhen(java.util.function.BooleanSupplier when) {
        stop = when;
    }

    @Override
    public boolean stopRequested() {
        return stop.getAsBoolean();
    }

    /** Epochs trained in this process, over all stages. */
    int epochsDone() {
        return epochsDone;
    }

    @Override
    public void onEpoch(EpochSummary s) {
        epochsDone++;
        permanent(String.format(Locale.ROOT,
                "[%s] epoch %d/%d  loss %.4f  train-acc %5.1f%%  lr %.5g  %.0f img/s  %s  sampler %s%s  rss %s%s",
                s.stage(), s.epoch(), s.epochs(), s.loss(), 100 * s.accuracy(), s.lr(), s.imagesPerSecond(),
                duration(s.seconds()), s.sampler(), s.weighted() ? "  class-weighted" : "", bytes(s.residentBytes()),
                s.testError() == null ? "" : String.format(Locale.ROOT, "  test-err %.2f%%", 100 * s.testError())));
    }

    @Override
    public void onCheckpoint(String stage, int epoch, Path file) {
        if (live) {
            return;
        }
        permanent("[" + stage + "] " + (file.getFileName().toString().equals(RunLayout.BEST_CHECKPOINT)
                ? "best test epoch so far (" + epoch + "), weights kept in " : "checkpoint ") + file);
    }

    @Override
    public void onStageEnd(String stage, EvaluationReport report, Path reportFile) {
        permanent(String.format(Locale.ROOT, "[%s] test top-1 error %.2f%% (many %s, medium %s, few %s)%s -> %s",
                stage, 100 * report.top1Error(), pct(report.manyShot()), pct(report.mediumShot()), pct(report.fewShot()),
                report.bestTestEpoch() == null ? "" : String.format(Locale.ROOT,
                        "; best test epoch %d: %.2f%%", report.bestTestEpoch(), 100 * report.bestTestEpochTop1Error()),
                reportFile));
    }

    private static String pct(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02ds", s % 60);
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }

    static String bytes(long b) {
        if (b <= 0) {
            return "?";
        }
        if (b < 1 << 20) {
            return String.format(Locale.ROOT, "%.0f KiB", b / 1024.0);
        }
        if (b < 1L << 30) {
            return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
        }
        return String.format(Locale.ROOT, "%.2f GiB", b / 1073741824.0);
    }
}
