package io.lttricks.core.reproduce;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StageRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's tables as data ({@code recipes/tables/paper.yaml}): each row names the recipe it runs, the
 * changes made to it, the stage whose report is the row's figure, and the paper's figures in the
 * four columns (CIFAR-10-LT IF 100, IF 50, CIFAR-100-LT IF 100, IF 50).
 */
public record PaperTables(Path file, List<Table> tables) {
    private static final ObjectMapper YAML = new YAMLMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The columns of the paper's CIFAR tables, in its order. */
    public static final List<String> COLUMNS = List.of("CIFAR-10-LT IF 100", "CIFAR-10-LT IF 50",
            "CIFAR-100-LT IF 100", "CIFAR-100-LT IF 50");

    public record Table(String id, String title, List<Row> rows) {
        public Table {
            rows = List.copyOf(rows);
        }

        public Row row(String id) {
            return rows.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("table " + this.id + " has no row '" + id + "'; its rows: "
                            + rows.stream().map(Row::id).toList()));
        }
    }

    /**
     * @param set    changes to the recipe's stages: {stage: NAME (absent: every training stage), FIELD: VALUE}
     * @param report the stage whose report is the row's figure (absent: the run's, its last training stage)
     * @param paper  the paper's top-1 error (%) per column of {@link #COLUMNS}; null where it gives none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String id, String label, String recipe, List<Map<String, Object>> set, String report,
                      List<Double> paper) {
        public Row {
            set = set == null ? List.of() : List.copyOf(set);
            paper = paper == null ? List.of() : paper;
        }

        /** The paper's figure in column {@code column}, or null. */
        public Double paper(int column) {
            return column >= 0 && column < paper.size() ? paper.get(column) : null;
        }
    }

    private record File(List<Table> tables) {
    }

    public static PaperTables read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no table definitions at " + file + ": give --tables FILE (the repository's is"
                    + " recipes/tables/paper.yaml)");
        }
        File f;
        try {
            f = YAML.readValue(file.toFile(), File.class);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (f == null || f.tables() == null || f.tables().isEmpty()) {
            throw new IOException(file + " defines no table");
        }
        return new PaperTables(file, List.copyOf(f.tables()));
    }

    public Table table(String id) {
        return tables.stream().filter(t -> t.id().equalsIgnoreCase(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no table '" + id + "' in " + file + "; tables: "
                        + tables.stream().map(Table::id).toList()));
    }

    /** The column of the paper's tables for a data set and imbalance factor, or -1. */
    public static int column(String dataset, double imbalance) {
        String d = dataset.toLowerCase(Locale.ROOT);
        int base = d.equals("cifar10") ? 0 : d.equals("cifar100") ? 2 : -1;
        if (base < 0) {
            return -1;
        }
        return imbalance == 100 ? base : imbalance == 50 ? base + 1 : -1;
    }

    /**
     * The recipe a row runs: its file, its changes, then the data set, imbalance, profile and seed
     * of the reproduction, and evaluation during training every {@code evalEvery} epochs (0: off).
     */
    public Recipe recipe(Row row, String dataset, double imbalance, String profile, long seed, int evalEvery)
            throws IOException {
        Path recipeFile = file.toAbsolutePath().getParent().resolve(row.recipe());
        Recipe r = Recipes.read(recipeFile);
        List<StageRecipe> stages = new ArrayList<>(r.stages());
        for (Map<String, Object> change : row.set()) {
            Object target = change.get("stage");
            boolean matched = false;
            for (int i = 0; i < stages.size(); i++) {
                StageRecipe s = stages.get(i);
                String name = s.name() != null ? s.name() : "stage" + (i + 1);
                if (target == null ? Recipes.isCam(s) : !target.toString().equals(name)) {
                    continue;
                }
                matched = true;
                for (var e : change.entrySet()) {
                    if (!e.getKey().equals("stage")) {
                        s = s.with(e.getKey(), e.getValue());
                    }
                }
                stages.set(i, s);
            }
            if (!matched) {
                throw new RecipeException("row " + row.id() + ": no stage '" + target + "' in " + row.recipe());
            }
        }
        if (evalEvery > 0) {
            for (int i = 0; i < stages.size(); i++) {
                if (!Recipes.isCam(stages.get(i))) {
                    stages.set(i, stages.get(i).with("eval_every", evalEvery));
                }
            }
        }
        return r.withStages(stages).withDataset(r.dataset().withName(dataset).withImbalance(imbalance))
                .withProfile(profile).withSeed(seed);
    }

    /** The stage a row's figure comes from: its {@code report}, else the recipe's last training stage. */
    public static String reportStage(Row row, List<StagePlan> plans) {
        if (row.report() != null) {
            return row.report();
        }
        for (int i = plans.size() - 1; i >= 0; i--) {
            if (plans.get(i) instanceof io.lttricks.core.plan.TrainPlan) {
                return plans.get(i).name();
            }
        }
        throw new IllegalArgumentException("row " + row.id() + " has no training stage");
    }
}
