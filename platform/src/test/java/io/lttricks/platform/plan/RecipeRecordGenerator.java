package io.lttricks.platform.plan;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the core's stage records ({@code StageRecipe}, {@code LossSpec}, {@code MixupSpec},
 * {@code DrsSpec}, {@code DrwSpec}) from {@code recipe.proto}, so that a recipe stage has one
 * definition: the proto's messages, with their comments as the records' documentation. Field
 * names, order, types and presence come from the message descriptors; the comments from the
 * {@code .proto} text (descriptors compiled into Java carry none).
 *
 * <p>{@code RecipeMapperTest.stageRecordsAreGeneratedFromTheProto} fails when a checked-in record
 * differs from what this writes; {@code tools/gen-recipe-records} rewrites them.
 */
final class RecipeRecordGenerator {
    static final String PROTO = "proto/src/main/proto/lttricks/v1/recipe.proto";
    static final String RECORDS = "core/src/main/java/io/lttricks/core/recipe";

    /** Message name to record name, in the order they are written. */
    static final Map<String, String> RECORD = new LinkedHashMap<>();

    static {
        RECORD.put("Stage", "StageRecipe");
        RECORD.put("Loss", "LossSpec");
        RECORD.put("Mixup", "MixupSpec");
        RECORD.put("Drs", "DrsSpec");
        RECORD.put("Drw", "DrwSpec");
    }

    /** Messages a recipe file may also write as a bare string, which stands for their first field. */
    static final Set<String> SHORTHAND = Set.of("Loss", "Mixup");

    /** google.protobuf.ListValue fields and the type of their elements (JSON arrays in the files). */
    static final Map<String, String> LIST_ELEMENT = Map.of("Stage.milestones", "Integer");

    private static final Pattern FIELD = Pattern.compile(
            "^\\s*(?:optional\\s+|repeated\\s+)?(?:map<[^>]+>|[\\w.]+)\\s+(\\w+)\\s*=\\s*\\d+\\s*;.*$");
    private static final Pattern MESSAGE = Pattern.compile("^message\\s+(\\w+)\\s*\\{\\s*$");

    private final Map<String, List<String>> messageComments = new LinkedHashMap<>();
    private final Map<String, List<String>> fieldComments = new LinkedHashMap<>();

    RecipeRecordGenerator(String protoText) {
        List<String> pending = new ArrayList<>();
        String message = null;
        for (String line : protoText.split("\n", -1)) {
            String t = line.strip();
            if (t.startsWith("//")) {
                pending.add(t.substring(2).strip());
                continue;
            }
            Matcher m = MESSAGE.matcher(t);
            if (m.matches()) {
                message = m.group(1);
                messageComments.put(message, pending);
            } else if (message != null && t.equals("}")) {
                message = null;
            } else if (message != null && FIELD.matcher(t).matches()) {
                Matcher f = FIELD.matcher(t);
                f.matches();
                fieldComments.put(message + "." + f.group(1), pending);
            }
            pending = new ArrayList<>();
        }
    }

    static RecipeRecordGenerator fromRepository(Path root) throws IOException {
        return new RecipeRecordGenerator(Files.readString(root.resolve(PROTO)));
    }

    /** The records' files, relative to the repository root, with the text each should have. */
    Map<String, String> records() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Descriptor d : io.lttricks.proto.v1.Stage.getDescriptor().getFile().getMessageTypes()) {
            String record = RECORD.get(d.getName());
            if (record != null) {
                out.put(RECORDS + "/" + record + ".java", record(d, record));
            }
        }
        if (out.size() != RECORD.size()) {
            throw new IllegalStateException("recipe.proto lacks one of " + RECORD.keySet());
        }
        return out;
    }

    private String record(Descriptor d, String record) {
        Set<String> imports = new TreeSet<>();
        imports.add("com.fasterxml.jackson.annotation.JsonInclude");
        List<String> components = new ArrayList<>();
        List<String> params = new ArrayList<>();
        for (FieldDescriptor f : d.getFields()) {
            String name = camel(f.getName());
            String type = javaType(d, f, imports);
            String annotation = "";
            if (!name.equals(f.getName())) {
                imports.add("com.fasterxml.jackson.annotation.JsonProperty");
                annotation = "@JsonProperty(\"" + f.getName() + "\") ";
            }
            components.add(annotation + type + " " + name);
            List<String> comment = fieldComments.get(d.getName() + "." + f.getName());
            if (comment == null || comment.isEmpty()) {
                throw new IllegalStateException(d.getName() + "." + f.getName()
                        + " has no comment in recipe.proto: every recipe field says what it means");
            }
            params.add(param(name, comment));
        }
        boolean shorthand = SHORTHAND.contains(d.getName());
        if (shorthand) {
            imports.add("com.fasterxml.jackson.annotation.JsonCreator");
        }
        StringBuilder b = new StringBuilder();
        b.append("// Generated from ").append(PROTO).append(" (message ").append(d.getName())
                .append(") by\n// RecipeRecordGenerator. Do not edit: change the proto, then run tools/gen-recipe-records.\n");
        b.append("package io.lttricks.core.recipe;\n\n");
        for (String i : imports) {
            b.append("import ").append(i).append(";\n");
        }
        b.append("\n/**\n");
        List<String> doc = messageComments.getOrDefault(d.getName(), List.of());
        for (String line : doc) {
            b.append(line.isEmpty() ? " *" : " * " + javadoc(line)).append('\n');
        }
        if (!doc.isEmpty()) {
            b.append(" *\n");
        }
        for (String p : params) {
            b.append(p);
        }
        b.append(" */\n@JsonInclude(JsonInclude.Include.NON_NULL)\npublic record ").append(record).append('(');
        if (components.size() > 3) {
            b.append("\n        ").append(String.join(",\n        ", components));
        } else {
            b.append(String.join(", ", components));
        }
        b.append(") {\n");
        if (shorthand) {
            FieldDescriptor first = d.getFields().get(0);
            b.append("    /** The bare-string form of a recipe file: {@code ").append(first.getName())
                    .append("} only. */\n");
            b.append("    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)\n");
            b.append("    public static ").append(record).append(" of(String ").append(camel(first.getName())).append(") {\n");
            b.append("        return new ").append(record).append('(').append(camel(first.getName()));
            b.append(", null".repeat(d.getFields().size() - 1)).append(");\n    }\n\n");
            b.append("    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)\n    public ").append(record).append(" {\n    }\n\n");
        }
        b.append("    /** A copy with one field (by its recipe name, e.g. {@code ")
                .append(d.getFields().get(d.getFields().size() - 1).getName())
                .append("}) replaced; null removes it. */\n");
        b.append("    public ").append(record).append(" with(String field, Object value) {\n");
        b.append("        return Recipes.withField(this, field, value, ").append(record).append(".class);\n    }\n}\n");
        return b.toString();
    }

    private static String javaType(Descriptor d, FieldDescriptor f, Set<String> imports) {
        String where = d.getName() + "." + f.getName();
        if (f.isMapField()) {
            imports.add("java.util.Map");
            Descriptor entry = f.getMessageType();
            return "Map<" + boxed(where, entry.findFieldByName("key")) + ", "
                    + boxed(where, entry.findFieldByName("value")) + ">";
        }
        String element;
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            String full = f.getMessageType().getFullName();
            if (full.equals("google.protobuf.ListValue")) {
                String e = LIST_ELEMENT.get(where);
                if (e == null) {
                    throw new IllegalStateException(where + ": a ListValue needs its element type in LIST_ELEMENT");
                }
                imports.add("java.util.List");
                return "List<" + e + ">";
            }
            element = RECORD.get(f.getMessageType().getName());
            if (element == null) {
                throw new IllegalStateException(where + ": message " + full + " has no record");
            }
        } else {
            if (f.getJavaType() != FieldDescriptor.JavaType.STRING && !f.hasPresence() && !f.isRepeated()) {
                throw new IllegalStateException(where + " needs 'optional' in recipe.proto: a recipe must tell"
                        + " an absent value (the profile's) from zero");
            }
            element = boxed(where, f);
        }
        if (f.isRepeated()) {
            imports.add("java.util.List");
            return "List<" + element + ">";
        }
        return element;
    }

    private static String boxed(String where, FieldDescriptor f) {
        return switch (f.getJavaType()) {
            case STRING -> "String";
            case INT -> "Integer";
            case LONG -> "Long";
            case DOUBLE -> "Double";
            case FLOAT -> "Float";
            case BOOLEAN -> "Boolean";
            default -> throw new IllegalStateException(where + ": no record type for " + f.getJavaType());
        };
    }

    private static String param(String name, List<String> comment) {
        StringBuilder b = new StringBuilder(" * @param ").append(name);
        String indent = " *" + " ".repeat(9 + name.length());
        for (int i = 0; i < comment.size(); i++) {
            b.append(i == 0 ? " " : "\n" + indent).append(javadoc(comment.get(i)));
        }
        return b.append('\n').toString();
    }

    static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    private static String javadoc(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("@", "{@literal @}")
                .replace("*/", "*&#47;");
    }
}
