package io.lttricks.platform.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.lttricks.core.util.Term;
import io.lttricks.platform.grpc.ClientInputs;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A core record and its proto message, field for field, by one rule instead of code per field
 * (issue 25): a new field of a plan is a record component and a proto field of the same name, and
 * nothing here changes.
 *
 * <p>The rule. A component {@code fooBar} is the field {@code foo_bar} (or the field {@link #ALIASES}
 * names, for the three whose proto word is the recipe files' and not the record's). Values:
 * <ul>
 * <li>numbers and booleans as they are; a boxed number is an {@code optional} field, null where unset;</li>
 * <li>a string is a string, null where empty;</li>
 * <li>a {@link Term} (sampler, role, precision, ...) is its recipe word; an unknown word is an error
 *     naming the field, an empty one null (the record's constructor fills its default, or the plan is refused);</li>
 * <li>a type written as one string ({@code @JsonCreator static parse(String)} and its {@code toString},
 *     as {@code Init}) is that string;</li>
 * <li>a list is a repeated field, a {@code Map<String, Double>} a map field (read back sorted);</li>
 * <li>a nested record is a message: null, or the type's {@code OFF} constant, where it is absent, and
 *     null when read back (the records turn null into their {@code OFF}).</li>
 * </ul>
 * {@link #mismatches} lists what breaks the rule for a pair (a component without its field, a field
 * without its component, a type that does not fit); {@link PlanMapper} refuses to load while there is one
 * and {@code PlanMapperTest} names them.
 */
final class ProtoRecords {
    /** Record component -> proto field, where the proto keeps the recipe files' word. */
    static final Map<String, String> ALIASES = Map.of(
            "LossPlan.kind", "name",
            "Mixup.location", "at",
            "EvalPlan.from", "from_epoch");

    private ProtoRecords() {
    }

    /** The record {@code value} as a message of {@code prototype}'s type. */
    static <M extends Message> M toProto(Record value, M prototype) {
        @SuppressWarnings("unchecked")
        M m = (M) write(value, prototype.newBuilderForType()).build();
        return m;
    }

    /** The message as a record of {@code type}; errors name the field by its path in the message. */
    static <R extends Record> R fromProto(Message message, Class<R> type) {
        return type.cast(read(message, type, ""));
    }

    /** What keeps {@code type} and {@code message} from following the rule, recursively; empty when they do. */
    static List<String> mismatches(Class<? extends Record> type, Descriptor message) {
        List<String> out = new ArrayList<>();
        mismatches(type, message, out);
        return out;
    }

    private static void mismatches(Class<?> type, Descriptor message, List<String> out) {
        Map<String, FieldDescriptor> unmatched = new LinkedHashMap<>();
        message.getFields().forEach(f -> unmatched.put(f.getName(), f));
        for (RecordComponent c : type.getRecordComponents()) {
            String where = type.getSimpleName() + "." + c.getName();
            FieldDescriptor f = unmatched.remove(fieldName(type, c));
            if (f == null) {
                out.add(where + " has no field " + fieldName(type, c) + " in message " + message.getFullName()
                        + " (add it to the .proto with the next free number)");
                continue;
            }
            Class<?> t = c.getType();
            boolean fits = switch (f.getJavaType()) {
                case INT -> !f.isRepeated() ? t == int.class || (t == Integer.class && f.hasPresence())
                        : List.class.isAssignableFrom(t) && elementType(c) == Integer.class;
                case LONG -> t == long.class || (t == Long.class && f.hasPresence());
                case DOUBLE -> t == double.class || (t == Double.class && f.hasPresence());
                case FLOAT -> t == float.class || (t == Float.class && f.hasPresence());
                case BOOLEAN -> t == boolean.class;
                case STRING -> !f.isRepeated() && (t == String.class || Term.class.isAssignableFrom(t) && t.isEnum()
                        || parser(t) != null);
                case MESSAGE -> f.isMapField() ? Map.class.isAssignableFrom(t)
                        : !f.isRepeated() && t.isRecord();
                default -> false;
            };
            if (!fits) {
                out.add(where + " (" + t.getSimpleName() + ") does not fit field " + f.getFullName() + " ("
                        + (f.isRepeated() ? "repeated " : "") + f.getJavaType() + ")");
            } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isMapField()) {
                mismatches(t, f.getMessageType(), out);
            }
        }
        unmatched.values().forEach(f -> out.add("field " + f.getFullName() + " has no component in record "
                + type.getSimpleName() + " (add it there, or name it in ProtoRecords.ALIASES)"));
    }

    private static Message.Builder write(Record value, Message.Builder b) {
        Descriptor d = b.getDescriptorForType();
        for (RecordComponent c : value.getClass().getRecordComponents()) {
            FieldDescriptor f = field(d, value.getClass(), c);
            Object v = get(c, value);
            if (v == null) {
                continue;
            }
            switch (f.getJavaType()) {
                case STRING -> b.setField(f, v instanceof Term term ? term.recipeName() : v.toString());
                case MESSAGE -> {
                    if (f.isMapField()) {
                        Descriptor entry = f.getMessageType();
                        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                            b.addRepeatedField(f, b.newBuilderForField(f).setField(entry.findFieldByName("key"), e.getKey())
                                    .setField(entry.findFieldByName("value"), e.getValue()).build());
                        }
                    } else if (!v.equals(off(c.getType()))) {
                        b.setField(f, write((Record) v, b.newBuilderForField(f)).build());
                    }
                }
                default -> {
                    if (f.isRepeated()) {
                        ((List<?>) v).forEach(x -> b.addRepeatedField(f, x));
                    } else {
                        b.setField(f, v);
                    }
                }
            }
        }
        return b;
    }

    private static Object read(Message m, Class<?> type, String prefix) {
        RecordComponent[] cs = type.getRecordComponents();
        Object[] args = new Object[cs.length];
        Class<?>[] types = new Class<?>[cs.length];
        for (int i = 0; i < cs.length; i++) {
            RecordComponent c = cs[i];
            types[i] = c.getType();
            FieldDescriptor f = field(m.getDescriptorForType(), type, c);
            String path = prefix + f.getName();
            Class<?> t = c.getType();
            args[i] = switch (f.getJavaType()) {
                case STRING -> {
                    String s = (String) m.getField(f);
                    if (s.isEmpty()) {
                        yield null;
                    }
                    yield t == String.class ? s : t.isEnum() ? term(t, s, path) : parse(t, s, path);
                }
                case MESSAGE -> {
                    if (f.isMapField()) {
                        Map<String, Double> map = new TreeMap<>();
                        Descriptor entry = f.getMessageType();
                        for (Object e : (List<?>) m.getField(f)) {
                            Message em = (Message) e;
                            map.put((String) em.getField(entry.findFieldByName("key")),
                                    (Double) em.getField(entry.findFieldByName("value")));
                        }
                        yield map;
                    }
                    yield m.hasField(f) ? read((Message) m.getField(f), t, path + ".") : null;
                }
                default -> f.isRepeated() ? List.copyOf((List<?>) m.getField(f))
                        : f.hasPresence() && !m.hasField(f) ? null : m.getField(f);
            };
        }
        Object r = construct(type, types, args, prefix);
        for (int i = 0; i < cs.length; i++) {
            if (cs[i].getType().isEnum() && get(cs[i], r) == null) {
                throw new IllegalArgumentException("plan field " + prefix + field(m.getDescriptorForType(), type, cs[i])
                        .getName() + ": missing");
            }
        }
        return r;
    }

    /** The proto field of component {@code c}; an error naming both where the proto has none. */
    private static FieldDescriptor field(Descriptor d, Class<?> type, RecordComponent c) {
        FieldDescriptor f = d.findFieldByName(fieldName(type, c));
        if (f == null) {
            throw new IllegalStateException(String.join("; ", mismatches(type.asSubclass(Record.class), d)));
        }
        return f;
    }

    private static String fieldName(Class<?> type, RecordComponent c) {
        String alias = ALIASES.get(type.getSimpleName() + "." + c.getName());
        return alias != null ? alias : c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static Class<?> elementType(RecordComponent c) {
        Type g = c.getGenericType();
        return g instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> e ? e : null;
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c, e);
        }
    }

    private static Object construct(Class<?> type, Class<?>[] types, Object[] args, String prefix) {
        try {
            Constructor<?> k = type.getDeclaredConstructor(types);
            return k.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalArgumentException("plan " + (prefix.isEmpty() ? type.getSimpleName() : "field "
                    + prefix.substring(0, prefix.length() - 1)) + ": " + cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    /** The type's {@code OFF} constant (the value written as an absent message), or null. */
    private static Object off(Class<?> type) {
        try {
            java.lang.reflect.Field f = type.getField("OFF");
            return Modifier.isStatic(f.getModifiers()) && f.getType() == type ? f.get(null) : null;
        } catch (NoSuchFieldException e) {
            return null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A type written as one string: its {@code @JsonCreator static X parse(String)}, or null. */
    private static Method parser(Class<?> type) {
        for (Method m : type.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.isAnnotationPresent(JsonCreator.class)
                    && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class && m.getReturnType() == type) {
                return m;
            }
        }
        return null;
    }

    private static Object parse(Class<?> type, String text, String path) {
        Method p = parser(type);
        if (p == null) {
            throw new IllegalStateException(type.getName() + " is not written as one string");
        }
        try {
            return p.invoke(null, text);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("plan field " + path + ": " + e.getCause().getMessage(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The term a plan names by its recipe name (plans are written by {@link #toProto}: the exact word). */
    static Object term(Class<?> type, String name, String field) {
        for (Object e : type.getEnumConstants()) {
            if (((Term) e).recipeName().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("plan field " + field + ": unknown word " + ClientInputs.quote(name));
    }
}
