package io.lttricks.core.util;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A family of {@link Term}s (an enum): parsing by name or alias with an error that lists the valid
 * names, and the help text and Markdown table derived from the terms themselves, so the recipe
 * validator, the command line's help and the docs cannot disagree.
 */
public final class Vocabulary<T extends Enum<T> & Term> {
    private final String family;
    private final List<T> terms;
    private final Map<String, T> byKey = new LinkedHashMap<>();

    private Vocabulary(String family, Class<T> type) {
        this.family = family;
        this.terms = List.of(type.getEnumConstants());
        for (T t : terms) {
            register(t.recipeName(), t);
            t.aliases().forEach(a -> register(a, t));
        }
    }

    public static <T extends Enum<T> & Term> Vocabulary<T> of(String family, Class<T> type) {
        return new Vocabulary<>(family, type);
    }

    private void register(String name, T term) {
        T before = byKey.put(key(name), term);
        if (before != null && before != term) {
            throw new IllegalStateException(family + " name '" + name + "' means both " + before + " and " + term);
        }
    }

    static String key(String name) {
        return name.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** The term named {@code name} (canonical or alias, case, '-' and ' ' ignored). */
    public T parse(String name) {
        T t = name == null ? null : byKey.get(key(name));
        if (t == null) {
            throw new IllegalArgumentException("unknown " + family + " '" + name + "': use one of " + names());
        }
        return t;
    }

    /** The canonical names, in declaration order. */
    public List<String> names() {
        return terms.stream().map(Term::recipeName).toList();
    }

    public List<T> terms() {
        return terms;
    }

    /** Indented lines "name  help (also: aliases)" for a command's help. */
    public String help() {
        int width = terms.stream().mapToInt(t -> t.recipeName().length()).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (T t : terms) {
            sb.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%s%n", t.recipeName(), t.help(),
                    t.aliases().isEmpty() ? "" : " (also: " + String.join(", ", t.aliases()) + ")"));
        }
        return sb.toString();
    }

    /** A Markdown table: name, meaning, aliases. */
    public String markdownTable() {
        StringBuilder sb = new StringBuilder("| " + family + " | meaning | also accepted |\n|---|---|---|\n");
        for (T t : terms) {
            sb.append("| `").append(t.recipeName()).append("` | ").append(t.help()).append(" | ")
                    .append(String.join(", ", t.aliases().stream().map(a -> "`" + a + "`").toList())).append(" |\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return family + " " + Arrays.toString(names().toArray());
    }
}
