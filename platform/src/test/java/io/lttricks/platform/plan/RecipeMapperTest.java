package io.lttricks.platform.plan;

import io.lttricks.platform.Config;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.recipe.StageRecipe;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** One recipe schema: the files' JSON form and the protobuf messages cannot drift apart. */
class RecipeMapperTest {

    /** JSON field names of a record, as Jackson writes them (snake_case where annotated). */
    static Set<String> jsonFields(Class<?> record) {
        Set<String> names = new TreeSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            com.fasterxml.jackson.annotation.JsonProperty p =
                    c.getAccessor().getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            if (p == null) {
                p = c.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            }
            names.add(p != null ? p.value() : c.getName());
        }
        return names;
    }

    static Set<String> protoFields(Descriptors.Descriptor d) {
        Set<String> names = new TreeSet<>();
        for (Descriptors.FieldDescriptor f : d.getFields()) {
            names.add(f.getName());
        }
        return names;
    }

    @Test
    void protoMessagesHaveExactlyTheRecipeFields() {
        assertEquals(jsonFields(Recipe.class), protoFields(io.lttricks.proto.v1.Recipe.getDescriptor()));
        assertEquals(jsonFields(StageRecipe.class), protoFields(io.lttricks.proto.v1.Stage.getDescriptor()));
        assertEquals(jsonFields(DatasetSpec.class), protoFields(io.lttricks.proto.v1.Dataset.getDescriptor()));
        assertEquals(jsonFields(io.lttricks.core.recipe.LossSpec.class), protoFields(io.lttricks.proto.v1.Loss.getDescriptor()));
        assertEquals(jsonFields(io.lttricks.core.recipe.MixupSpec.class), protoFields(io.lttricks.proto.v1.Mixup.getDescriptor()));
        assertEquals(jsonFields(io.lttricks.core.recipe.DrsSpec.class), protoFields(io.lttricks.proto.v1.Drs.getDescriptor()));
        assertEquals(jsonFields(io.lttricks.core.recipe.DrwSpec.class), protoFields(io.lttricks.proto.v1.Drw.getDescriptor()));
    }

    /**
     * A recipe stage has one definition, recipe.proto: the core's stage records are what
     * RecipeRecordGenerator writes from it. {@code -Dlt.regenerate=true} (tools/gen-recipe-records)
     * rewrites them instead of comparing.
     */
    @Test
    void stageRecordsAreGeneratedFromTheProto() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        boolean write = Boolean.getBoolean("lt.regenerate");
        for (java.util.Map.Entry<String, String> e : RecipeRecordGenerator.fromRepository(root).records().entrySet()) {
            Path file = root.resolve(e.getKey());
            if (write) {
                Files.writeString(file, e.getValue());
            } else {
                assertEquals(e.getValue(), Files.readString(file), e.getKey()
                        + " is not what recipe.proto generates: edit the proto, not the record, then run tools/gen-recipe-records");
            }
        }
    }

    @Test
    void theGeneratorRefusesAFieldWithoutComment() {
        RecipeRecordGenerator noComment = new RecipeRecordGenerator("message Stage {\n  string name = 1;\n}\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, noComment::records);
        assertTrue(e.getMessage().contains(".name has no comment in recipe.proto"), e.getMessage());
    }

    @Test
    void everyBundledRecipeRoundTripsThroughProtobuf() throws IOException {
        Path dir = Path.of("").toAbsolutePath().getParent().resolve("recipes");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                Recipe r = Recipes.read(f);
                Recipe back = RecipeMapper.fromProto(RecipeMapper.toProto(r));
                assertEquals(Recipes.toJson(r), Recipes.toJson(back), f.toString());
                assertEquals(Recipes.resolve(r).stages(), Recipes.resolve(back).stages(), f.toString());
            }
        }
    }

    @Test
    void presenceSurvives() {
        Recipe r = Recipes.parseYaml("dataset: {name: cifar10}\nstages: [{milestones: [], lr: 0.0, epochs: 3}]");
        Recipe back = RecipeMapper.fromProto(RecipeMapper.toProto(r));
        assertEquals(java.util.List.of(), back.stages().get(0).milestones(), "an empty list is not an absent one");
        assertEquals(0.0, back.stages().get(0).lr());
        assertEquals(null, back.stages().get(0).batchSize());
    }

    @Test
    void badRecipesFromClientsNameTheField() {
        io.lttricks.proto.v1.Recipe bad = io.lttricks.proto.v1.Recipe.newBuilder()
                .setDataset(io.lttricks.proto.v1.Dataset.newBuilder().setName("cifar10"))
                .addStages(io.lttricks.proto.v1.Stage.newBuilder().setSampler("smote")).build();
        RecipeException e = assertThrows(RecipeException.class, () -> RecipeMapper.resolve(bad));
        assertTrue(e.getMessage().contains("sampler") && e.getMessage().contains("class_balanced"), e.getMessage());
    }

    @Test
    void keysAreValidatedAndReferencesResolved() {
        assertEquals("runs/a/final.ckpt", Keys.keyOf("s3://lttricks/runs/a/final.ckpt", "lttricks"));
        assertThrows(IllegalArgumentException.class, () -> Keys.keyOf("s3://other/x", "lttricks"));
        assertThrows(IllegalArgumentException.class, () -> ObjectStore.checkKey("../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> ObjectStore.checkKey("/abs"));
        assertEquals("runs/r/02-cam/generated/shards/00003-of-00016.zip", Keys.shard(Keys.generated(Keys.stage("r", 1, "cam")), 3, 16));
    }

    @Test
    void configurationComesFromTheEnvironmentWithClearErrors() {
        Config c = Config.from(java.util.Map.of(Config.KAFKA_BOOTSTRAP, "kafka:9092", Config.AUGMENT_SHARDS, "4"), 50052);
        assertEquals("kafka:9092", c.kafkaBootstrap());
        assertEquals(4, c.augmentShards());
        assertEquals(50052, c.grpcPort());
        assertEquals("lttricks", c.s3Bucket());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Config.from(java.util.Map.of(Config.GRPC_PORT, "fifty"), 1));
        assertTrue(e.getMessage().contains(Config.GRPC_PORT));
    }
}
