package io.lttricks.cli;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.Config;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code lt run} on the user's own files: the services read no local path a client names, so
 * {@code lt run}, which starts them for its user, registers the directories of the local files a
 * recipe's data set names ({@value Config#DATASET_DIRS}) and names the files as registered data
 * sets ({@code dataset://NAME}). Objects ({@code s3://}) and registered names pass unchanged.
 */
final class LocalSources {
    /** The recipe as the services take it, and the directories to register. */
    record Mapped(Recipe recipe, Map<String, String> env) {
    }

    private LocalSources() {
    }

    static Mapped map(Recipe recipe) {
        DatasetSpec ds = recipe.dataset();
        if (ds == null) {
            return new Mapped(recipe, Map.of());
        }
        Set<Path> dirs = new LinkedHashSet<>();
        Map<String, Path> names = new LinkedHashMap<>();
        String[] fields = {ds.source(), ds.manifest(), ds.trainList(), ds.testList(), ds.classNames()};
        String[] mapped = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            String v = fields[i];
            if (v == null || v.startsWith("s3://") || ClientInputs.isRegistered(v)) {
                mapped[i] = v;
                continue;
            }
            Path p = Path.of(v).toAbsolutePath().normalize();
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("dataset: " + v + " does not exist");
            }
            String name = p.getFileName().toString();
            Path other = names.putIfAbsent(name, p);
            if (other != null && !other.equals(p)) {
                throw new IllegalArgumentException("dataset: " + other + " and " + p + " have the same name; lt run"
                        + " registers each file's directory with the services, so give them different names");
            }
            dirs.add(p.getParent());
            mapped[i] = ClientInputs.REGISTERED + name;
        }
        if (dirs.isEmpty()) {
            return new Mapped(recipe, Map.of());
        }
        DatasetSpec local = new DatasetSpec(ds.name(), mapped[0], ds.imbalance(), ds.profile(), ds.paretoAlpha(),
                ds.seed(), mapped[1], mapped[2], mapped[3], mapped[4]);
        return new Mapped(recipe.withDataset(local), Map.of(Config.DATASET_DIRS,
                String.join(File.pathSeparator, dirs.stream().map(Path::toString).toList())));
    }
}
