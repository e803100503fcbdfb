package io.lttricks.core.reproduce;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.Recipes;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * Reproduces a table of the paper: runs each row's recipe (through a {@link Runner}: in this
 * process or on the services), once per seed, and writes the table beside the paper's: the final
 * model's top-1 error (the headline), the best test epoch's (as the official code keeps it; selected on test
 * data), the difference to the paper, seeds, wall time and the command, as {@code TABLE.md},
 * {@code TABLE.json} and a bar chart {@code TABLE.png}. Rows that share a recipe share its runs.
 */
public final class Reproduction {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What one stage of a finished run measured. */
    public record StageFigures(double top1Error, Double bestTestEpochError, Integer bestTestEpoch) {
    }

    /**
     * A finished run: its training stages' figures, by name, its wall time, and the file its images
     * came from (its name only: {@code cifar-10-binary.tar.gz}, {@code cifar-10-jpeg.tar.gz}; null
     * where unknown).
     */
    public record Outcome(Map<String, StageFigures> stages, double wallSeconds, String data) {
        public Outcome(Map<String, StageFigures> stages, double wallSeconds) {
            this(stages, wallSeconds, null);
        }
    }

    /** Runs a recipe to the end (or finds it done), resuming what an earlier call left unfinished. */
    @FunctionalInterface
    public interface Runner {
        /**
         * @param key a name unique to the recipe's content (same recipe, same key): where the run lives
         */
        Outcome run(Recipe recipe, String key) throws IOException;
    }

    /**
     * A runner's answer that the recipe's data set is not where it runs (the services refused it at
     * submission, say): the row is skipped with this message, as when it is not here locally.
     */
    public static final class DataUnavailable extends IOException {
        public DataUnavailable(String message) {
            super(message);
        }
    }

    /**
     * One row's result over its seeds (null figures for rows that could not run: {@code skipped} says why
     * when its data set is not there, {@code failed} when a run of it failed).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RowResult(String id, String label, Double paper, List<Long> seeds, List<Double> finalErrors,
                            List<Double> bestEpochErrors, Double meanFinal, Double sdFinal, Double meanBest,
                            Double difference, double wallSeconds, String command, String skipped, String failed,
                            String data) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TableResult(String table, String title, String column, String dataset, double imbalance,
                              String profile, String date, List<RowResult> rows) {
    }

    private final PaperTables tables;
    private final String dataset;
    private final double imbalance;
    private final String profile;
    private final int evalEvery;

    /** @param evalEvery evaluate during training every this many epochs after the first decay (0: off) */
    public Reproduction(PaperTables tables, String dataset, double imbalance, String profile, int evalEvery) {
        this.tables = tables;
        this.dataset = dataset;
        this.imbalance = imbalance;
        this.profile = profile;
        this.evalEvery = evalEvery;
    }

    /** A name for a recipe's content: its name and a digest of its JSON. */
    public static String key(Recipe recipe) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(Recipes.toJson(recipe).getBytes(StandardCharsets.UTF_8));
            return recipe.name().replaceAll("[^A-Za-z0-9._-]", "_") + "-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The recipe a row runs with this reproduction's data set, profile and seed. */
    public Recipe recipe(PaperTables.Row row, long seed) throws IOException {
        return tables.recipe(row, dataset, imbalance, profile, seed, evalEvery);
    }

    /** The command that reproduces a row. */
    public String command(String table, PaperTables.Row row, List<Long> seeds) {
        return String.format(Locale.ROOT, "lt reproduce %s --rows %s --dataset %s --imbalance %s --profile %s --seeds %s",
                table, row.id(), dataset, fmt(imbalance), profile,
                String.join(",", seeds.stream().map(String::valueOf).toList()));
    }

    /**
     * Runs a row for every seed.
     *
     * @param unavailable why the data set cannot be used here, or null
     */
    public RowResult run(String table, PaperTables.Row row, List<Long> seeds, Runner runner, String unavailable)
            throws IOException {
        if (unavailable != null) {
            return withoutFigures(table, row, seeds, unavailable, null);
        }
        Double paper = row.paper(PaperTables.column(dataset, imbalance));
        List<Double> finals = new ArrayList<>();
        List<Double> bests = new ArrayList<>();
        double wall = 0;
        Set<String> data = new TreeSet<>();
        for (long seed : seeds) {
            Recipe recipe = recipe(row, seed);
            List<StagePlan> plans = Recipes.resolve(recipe).stages();
            String stage = PaperTables.reportStage(row, plans);
            Outcome o;
            try {
                o = runner.run(recipe, key(recipe));
            } catch (DataUnavailable e) {
                return withoutFigures(table, row, seeds, e.getMessage(), null);
            }
            StageFigures f = o.stages().get(stage);
            if (f == null) {
                throw new IOException("row " + row.id() + ": the run has no report of stage '" + stage + "'");
            }
            finals.add(100 * f.top1Error());
            bests.add(f.bestTestEpochError() == null ? null : 100 * f.bestTestEpochError());
            wall += o.wallSeconds();
            if (o.data() != null) {
                data.add(o.data());
            }
        }
        double mean = finals.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        Double sd = finals.size() < 2 ? null : Math.sqrt(finals.stream().mapToDouble(v -> (v - mean) * (v - mean))
                .sum() / (finals.size() - 1));
        Double meanBest = bests.contains(null) ? null : bests.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        return new RowResult(row.id(), row.label(), paper, seeds, finals, bests, mean, sd, meanBest,
                paper == null ? null : mean - paper, wall, command(table, row, seeds), null, null,
                data.isEmpty() ? null : String.join(", ", data));
    }

    /** The row of a table whose run failed with {@code reason}: no figures; running the command again retries it. */
    public RowResult failed(String table, PaperTables.Row row, List<Long> seeds, String reason) {
        return withoutFigures(table, row, seeds, null, reason);
    }

    /** A row that has no figures: skipped (its data set is not there) or failed, saying why. */
    private RowResult withoutFigures(String table, PaperTables.Row row, List<Long> seeds, String skipped, String failed) {
        return new RowResult(row.id(), row.label(), row.paper(PaperTables.column(dataset, imbalance)), seeds, null, null,
                null, null, null, null, 0, command(table, row, seeds), skipped, failed, null);
    }

    public TableResult table(PaperTables.Table table, List<RowResult> rows) {
        int column = PaperTables.column(dataset, imbalance);
        return new TableResult(table.id(), table.title(), column < 0 ? dataset + " IF " + fmt(imbalance)
                : PaperTables.COLUMNS.get(column), dataset, imbalance, profile, java.time.LocalDate.now().toString(), rows);
    }

    /** Writes {@code TABLE.md}, {@code TABLE.json} and {@code TABLE.png} into {@code dir}; returns the Markdown file. */
    public static Path write(TableResult t, Path dir) throws IOException {
        Files.createDirectories(dir);
        String base = "table-" + t.table();
        JSON.writeValue(dir.resolve(base + ".json").toFile(), t);
        Path md = dir.resolve(base + ".md");
        Files.writeString(md, markdown(t), StandardCharsets.UTF_8);
        ImageIO.write(chart(t), "png", dir.resolve(base + ".png").toFile());
        return md;
    }

    /** The table as Markdown: paper, ours (final model), ours (best test epoch), difference, seeds, time, command. */
    public static String markdown(TableResult t) {
        StringBuilder sb = new StringBuilder();
        sb.append("## ").append(t.title()).append(" (").append(t.column()).append(", profile ").append(t.profile())
                .append(", ").append(t.date()).append(")\n\n");
        sb.append("Top-1 error (%). Ours (final): the final model, mean over seeds (+- sd); ours (best test epoch):"
                + " the lowest test error of the epochs evaluated, as the official code reports (selected on test data).\n\n");
        Set<String> data = new TreeSet<>();
        t.rows().stream().filter(r -> r.data() != null).forEach(r -> data.add(r.data()));
        if (data.size() == 1) {
            sb.append("Data: ").append(data.iterator().next()).append(".\n\n");
        } else if (data.size() > 1) {
            sb.append("Data: **the rows trained on different copies**, so they do not compare: ");
            t.rows().stream().filter(r -> r.data() != null)
                    .forEach(r -> sb.append(r.id()).append(" on ").append(r.data()).append("; "));
            sb.setLength(sb.length() - 2);
            sb.append(".\n\n");
        }
        sb.append("| row | paper | ours (final) | ours (best test epoch) | ours - paper | seeds | wall time | command |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (RowResult r : t.rows()) {
            if (r.skipped() != null || r.failed() != null) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | | | | | `%s` |%n", r.label(), fmt2(r.paper()),
                        r.skipped() != null ? "skipped: " + r.skipped() : "failed: " + r.failed(), r.command()));
                continue;
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s%s | %s | %s | %s | %s | `%s` |%n", r.label(),
                    fmt2(r.paper()), fmt2(r.meanFinal()), r.sdFinal() == null ? "" : " +- " + fmt2(r.sdFinal()),
                    r.meanBest() == null ? "-" : fmt2(r.meanBest()),
                    r.difference() == null ? "-" : String.format(Locale.ROOT, "%+.2f", r.difference()),
                    r.seeds(), duration(r.wallSeconds()), r.command()));
        }
        return sb.toString();
    }

    /** Grouped bars: the paper, ours (final), ours (best test epoch), per row. */
    static BufferedImage chart(TableResult t) {
        int rows = t.rows().size();
        int w = Math.max(640, 140 + rows * 120);
        int h = 450;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int left = 60;
        int top = 80;
        int bottom = h - 90;
        double max = 10;
        for (RowResult r : t.rows()) {
            for (Double v : new Double[] {r.paper(), r.meanFinal(), r.meanBest()}) {
                if (v != null && !v.isNaN()) {
                    max = Math.max(max, v);
                }
            }
        }
        max = Math.ceil(max / 10) * 10;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        drawFitted(g, t.title() + " - " + t.column() + ", profile " + t.profile(), left, 22, w - left - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setStroke(new BasicStroke(1));
        for (int v = 0; v <= max; v += 10) {
            int y = bottom - (int) Math.round((bottom - top) * v / max);
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, w - 10, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(v + "%", 8, y + 4);
        }
        Color[] colours = {new Color(0x9E9E9E), new Color(0x1E88E5), new Color(0xFFB300)};
        String[] names = {"paper", "ours (final model)", "ours (best test epoch)"};
        int slot = (w - left - 10) / Math.max(1, rows);
        int bar = Math.max(6, Math.min(28, (slot - 20) / 3));
        for (int i = 0; i < rows; i++) {
            RowResult r = t.rows().get(i);
            Double[] values = {r.paper(), r.meanFinal(), r.meanBest()};
            int x0 = left + i * slot + (slot - 3 * bar) / 2;
            for (int k = 0; k < 3; k++) {
                if (values[k] == null || values[k].isNaN()) {
                    continue;
                }
                int bh = (int) Math.round((bottom - top) * values[k] / max);
                g.setColor(colours[k]);
                g.fillRect(x0 + k * bar, bottom - bh, bar - 2, bh);
                // the value on its bar: across it where it fits, else upwards from its top
                java.awt.Font before = g.getFont();
                g.setFont(before.deriveFont(9f));
                g.setColor(Color.BLACK);
                String text = String.format(java.util.Locale.ROOT, "%.2f", values[k]);
                int tw = g.getFontMetrics().stringWidth(text);
                if (tw <= bar) {
                    g.drawString(text, x0 + k * bar + (bar - 2 - tw) / 2, bottom - bh - 3);
                } else {
                    java.awt.geom.AffineTransform base = g.getTransform();
                    int tx = x0 + k * bar + (bar - 2) / 2 + 4;
                    int ty = bottom - bh - 3;
                    g.rotate(-Math.PI / 2, tx, ty);
                    g.drawString(text, tx, ty);
                    g.setTransform(base);
                }
                g.setFont(before);
            }
            g.setColor(Color.BLACK);
            drawFitted(g, r.label(), left + i * slot + 2, bottom + 16, slot - 4);
            if (r.skipped() != null || r.failed() != null) {
                g.setColor(r.failed() != null ? new Color(0xC62828) : Color.GRAY);
                drawFitted(g, r.failed() != null ? "failed" : "skipped", left + i * slot + 2, bottom + 30, slot - 4);
            }
        }
        int lx = left;
        for (int k = 0; k < 3; k++) {
            g.setColor(colours[k]);
            g.fillRect(lx, h - 30, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(names[k], lx + 16, h - 20);
            lx += 20 + g.getFontMetrics().stringWidth(names[k]) + 20;
        }
        g.dispose();
        return img;
    }

    /** Draws text cut with an ellipsis to fit {@code width}: nothing is drawn outside the canvas. */
    private static void drawFitted(Graphics2D g, String text, int x, int y, int width) {
        FontMetrics fm = g.getFontMetrics();
        String s = text;
        while (s.length() > 1 && fm.stringWidth(s) > width) {
            s = s.substring(0, s.length() - 2) + "…";
        }
        g.drawString(s, x, y);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String fmt2(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    /** Reads back a table written by {@link #write}. */
    public static TableResult read(Path json) throws IOException {
        return JSON.readValue(json.toFile(), TableResult.class);
    }

    /** Rows keyed by id, for merging runs of the same table. */
    public static Map<String, RowResult> byId(List<RowResult> rows) {
        Map<String, RowResult> m = new LinkedHashMap<>();
        rows.forEach(r -> m.put(r.id(), r));
        return m;
    }
}
