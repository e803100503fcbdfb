package io.lttricks.core.util;

import java.util.List;

/**
 * One word of the product's vocabulary: a trick, a sampler, a place to mix, a CAM method. Recipes,
 * the command line and the services name it by {@link #recipeName()} (the paper's word) or one of
 * its {@link #aliases()}; {@link Vocabulary} parses, validates and documents a family of them. An
 * enum implements it by holding its {@link Info}.
 */
public interface Term {
    /** What a term says about itself. */
    record Info(String recipeName, String help, List<String> aliases) {
        public static Info of(String recipeName, String help, String... aliases) {
            return new Info(recipeName, help, List.of(aliases));
        }
    }

    Info info();

    /** The canonical name, as recipes and reports write it. */
    default String recipeName() {
        return info().recipeName();
    }

    /** Other spellings accepted on input (compared ignoring case, '-' and ' '). */
    default List<String> aliases() {
        return info().aliases();
    }

    /** One line for help texts and the docs' tables. */
    default String help() {
        return info().help();
    }
}
