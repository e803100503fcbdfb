package io.lttricks.platform.plan;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.lttricks.core.recipe.Recipe;
import io.lttricks.core.recipe.RecipeException;
import io.lttricks.core.plan.StagePlan;
import io.lttricks.core.plan.TrainPlan;
import io.lttricks.core.recipe.CheckpointCheck;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.proto.v1.RunStatus;
import java.util.List;

/**
 * Recipes between their two forms: the core's (parsed from YAML/JSON files, validated and
 * resolved by {@link Recipes}) and the protobuf message of gRPC and Kafka. Both share one JSON
 * form with the same field names, so the mapping goes through it and cannot drift:
 * {@code RecipeMapperTest} round-trips every bundled recipe.
 */
public final class RecipeMapper {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private RecipeMapper() {
    }

    public static io.lttricks.proto.v1.Recipe toProto(Recipe recipe) {
        io.lttricks.proto.v1.Recipe.Builder b = io.lttricks.proto.v1.Recipe.newBuilder();
        try {
            PARSER.merge(Recipes.toJson(recipe), b);
        } catch (InvalidProtocolBufferException e) {
            throw new RecipeException("recipe does not fit the protobuf schema: " + e.getMessage(), e);
        }
        return b.build();
    }

    public static Recipe fromProto(io.lttricks.proto.v1.Recipe recipe) {
        try {
            return Recipes.parseJson(PRINTER.print(recipe));
        } catch (InvalidProtocolBufferException e) {
            throw new RecipeException("unreadable recipe message: " + e.getMessage(), e);
        }
    }

    /** A data set message as the core's spec. */
    public static io.lttricks.core.data.DatasetSpec dataset(io.lttricks.proto.v1.Dataset dataset) {
        try {
            return Recipes.fromJson(PRINTER.print(dataset), io.lttricks.core.data.DatasetSpec.class);
        } catch (InvalidProtocolBufferException e) {
            throw new RecipeException("unreadable data set message: " + e.getMessage(), e);
        }
    }

    /** Validates a recipe from a request; the exception says which field is wrong. */
    public static Recipes.Resolved resolve(io.lttricks.proto.v1.Recipe recipe) {
        return Recipes.resolve(fromProto(recipe));
    }

    /** As {@link #resolve(io.lttricks.proto.v1.Recipe)}, with the checkpoints it names checked by {@code check}. */
    public static Recipes.Resolved resolve(io.lttricks.proto.v1.Recipe recipe, CheckpointCheck check) {
        return Recipes.resolve(fromProto(recipe), check);
    }
}
