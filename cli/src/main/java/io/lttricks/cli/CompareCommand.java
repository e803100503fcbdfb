package io.lttricks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.eval.EvaluationReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Compares finished runs side by side: errors, per-class accuracy and recipe differences.",
            "It prints each evaluated stage's top-1 error, many/medium/few-shot accuracy and best test epoch;",
            "the per-class accuracy of one stage with each run's difference from the first; and the fields",
            "where the runs' recipes differ.",
            "",
            "A RUN is a run directory as lt train writes it (runs/NAME) or as lt results --open copies a",
            "services run (results/RUN): its NN-STAGE/report.json or NN-STAGE/report/report.json and its",
            "recipe.json. Example: lt compare runs/baseline runs/bag_of_tricks",
            ""
        })
final class CompareCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STAGE_DIR = Pattern.compile("(\\d{2})-(.+)");
    private static final Pattern STAGE_KEY = Pattern.compile("stages\\[[^\\]]+\\]");

    @Parameters(arity = "2..*", paramLabel = "RUN", description = "Two or more run directories; the first is the reference.")
    List<Path> runs;

    @Option(names = "--stage", paramLabel = "NAME", description = "The stage whose per-class accuracy is compared"
            + " (default: each run's last evaluated stage, the model it ends with).")
    String stage;

    /** One evaluated stage of a run. */
    record Stage(String name, EvaluationReport report) {
    }

    /** A run directory as read: its evaluated stages in order and its recipe (or null). */
    record Run(Path dir, List<Stage> stages, JsonNode recipe) {
        static Run read(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + ": not a run directory (lt train writes runs/NAME; lt results"
                        + " --open DIR copies a services run)");
            }
            Map<Integer, Stage> stages = new TreeMap<>();
            try (Stream<Path> children = Files.list(dir)) {
                for (Path child : children.sorted().toList()) {
                    Matcher m = STAGE_DIR.matcher(child.getFileName().toString());
                    if (!m.matches() || !Files.isDirectory(child)) {
                        continue;
                    }
                    for (Path report : List.of(child.resolve("report.json"), child.resolve("report").resolve("report.json"))) {
                        if (Files.isRegularFile(report)) {
                            stages.put(Integer.parseInt(m.group(1)), new Stage(m.group(2), readReport(report)));
                            break;
                        }
                    }
                }
            }
            if (stages.isEmpty()) {
                throw new IllegalArgumentException(dir + ": no evaluated stage (looked for NN-STAGE/report.json, as lt train"
                        + " writes, and NN-STAGE/report/report.json, as lt results --open copies)");
            }
            Path recipe = dir.resolve("recipe.json");
            return new Run(dir, List.copyOf(stages.values()),
                    Files.isRegularFile(recipe) ? JSON.readTree(recipe.toFile()) : null);
        }

        private static EvaluationReport readReport(Path file) throws IOException {
            try {
                return JSON.readValue(file.toFile(), EvaluationReport.class);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": not an evaluation report (" + e.getClass().getSimpleName()
                        + ")", e);
            }
        }

        /** The stage {@code name}, or the last evaluated one where {@code name} is null. */
        Stage stage(String name) {
            if (name == null) {
                return stages.get(stages.size() - 1);
            }
            return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException(dir + ": no evaluated stage " + name + "; it has "
                            + stages.stream().map(Stage::name).toList()));
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Run> read = new ArrayList<>();
        for (Path dir : runs) {
            read.add(Run.read(dir));
        }
        print(read, stage, System.out);
        return 0;
    }

    static void print(List<Run> runs, String stage, PrintStream out) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            ids.add(String.valueOf((char) ('A' + Math.min(i, 25))) + (i >= 26 ? i : ""));
            Run r = runs.get(i);
            out.printf(Locale.ROOT, "%s  %s%s%n", ids.get(i), r.dir(), r.recipe() == null ? ""
                    : "  (" + r.recipe().path("name").asText("?") + ")");
        }
        out.println();
        out.printf(Locale.ROOT, "%-4s %-16s %12s %8s %8s %8s %16s%n", "RUN", "STAGE", "TOP-1 ERROR", "MANY", "MEDIUM", "FEW",
                "BEST TEST EPOCH");
        for (int i = 0; i < runs.size(); i++) {
            for (Stage s : runs.get(i).stages()) {
                EvaluationReport r = s.report();
                out.printf(Locale.ROOT, "%-4s %-16s %12s %8s %8s %8s %16s%n", ids.get(i), s.name(), pct(r.top1Error()),
                        pct(r.manyShot()), pct(r.mediumShot()), pct(r.fewShot()),
                        r.bestTestEpoch() == null ? "-" : pct(r.bestTestEpochTop1Error()) + " @" + r.bestTestEpoch());
            }
        }
        perClass(runs, ids, stage, out);
        recipes(runs, ids, out);
    }

    private static void perClass(List<Run> runs, List<String> ids, String stage, PrintStream out) {
        Stage ref = runs.get(0).stage(stage);
        List<String> classes = ref.report().classes();
        List<Integer> same = new ArrayList<>();
        Map<Integer, double[]> accuracy = new TreeMap<>();   // each comparable run's per-class accuracy, looked up once
        for (int i = 0; i < runs.size(); i++) {
            EvaluationReport r = runs.get(i).stage(stage).report();
            if (r.classes().equals(classes)) {
                same.add(i);
                accuracy.put(i, r.perClassAccuracy());
            } else {
                out.println();
                out.println(ids.get(i) + " has other classes than A: its per-class accuracy is not compared");
            }
        }
        out.println();
        StringBuilder title = new StringBuilder(String.format(Locale.ROOT, "per-class accuracy (%%), stage %s",
                stage == null ? "each run's last" : stage));
        out.println(title);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-16s %8s", "CLASS", "TRAIN A"));
        for (int i : same) {
            head.append(String.format(Locale.ROOT, " %8s", ids.get(i)));
        }
        for (int i : same.subList(1, same.size())) {
            head.append(String.format(Locale.ROOT, " %8s", ids.get(i) + "-A"));
        }
        out.println(head);
        double[] a = ref.report().perClassAccuracy();
        for (int c = 0; c < classes.size(); c++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-16s %8d", truncate(classes.get(c), 16),
                    ref.report().trainCounts()[c]));
            for (int i : same) {
                double v = accuracy.get(i)[c];
                row.append(String.format(Locale.ROOT, " %8s", Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * v)));
            }
            for (int i : same.subList(1, same.size())) {
                double d = accuracy.get(i)[c] - a[c];
                row.append(String.format(Locale.ROOT, " %8s", Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%+.2f", 100 * d)));
            }
            out.println(row);
        }
    }

    private static void recipes(List<Run> runs, List<String> ids, PrintStream out) {
        List<Map<String, String>> flat = new ArrayList<>();
        for (Run r : runs) {
            Map<String, String> f = new LinkedHashMap<>();
            if (r.recipe() != null) {
                flatten("", r.recipe(), f);
            }
            flat.add(f);
        }
        TreeSet<String> keys = new TreeSet<>();
        flat.forEach(f -> keys.addAll(f.keySet()));
        List<String> differ = keys.stream().filter(k -> flat.stream().map(f -> f.getOrDefault(k, "-")).distinct().count() > 1)
                .filter(k -> !k.equals("name")).toList();
        out.println();
        if (runs.stream().anyMatch(r -> r.recipe() == null)) {
            out.println("recipes: not every run has its recipe.json; differences among those that do");
        }
        if (differ.isEmpty()) {
            out.println("recipes: the same (but for their names)");
            return;
        }
        out.println("recipe differences:");
        // A stage that some runs do not have is one line, not one line per field.
        Map<String, List<String>> partial = new TreeMap<>();
        for (String k : keys) {
            Matcher m = STAGE_KEY.matcher(k);
            if (m.lookingAt()) {
                List<String> in = new ArrayList<>();
                for (int i = 0; i < runs.size(); i++) {
                    if (flat.get(i).keySet().stream().anyMatch(x -> x.startsWith(m.group()))) {
                        in.add(ids.get(i));
                    }
                }
                if (in.size() < runs.size()) {
                    partial.put(m.group(), in);
                }
            }
        }
        partial.forEach((st, in) -> out.println("  " + st + ": only in " + String.join(", ", in)));
        for (String k : differ) {
            Matcher m = STAGE_KEY.matcher(k);
            if (m.lookingAt() && partial.containsKey(m.group())) {
                continue;
            }
            StringBuilder line = new StringBuilder("  " + k + ":");
            for (int i = 0; i < runs.size(); i++) {
                line.append("  ").append(ids.get(i)).append(" ").append(flat.get(i).getOrDefault(k, "-"));
            }
            out.println(line);
        }
    }

    /** A JSON tree as path -> value: {@code stages[1].mixup.at}; a stage's index is named by the stage when it has one. */
    static void flatten(String path, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode el = node.get(i);
                String name = el.path("name").asText("");
                flatten(path + "[" + (name.isEmpty() ? String.valueOf(i) : name) + "]", el, out);
            }
        } else {
            out.put(path, node.asText());
        }
    }

    private static String pct(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
