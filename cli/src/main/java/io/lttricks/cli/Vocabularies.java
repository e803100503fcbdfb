package io.lttricks.cli;

import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.CamPreset;
import io.lttricks.core.loss.LossKind;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.sampling.SamplerKind;
import io.lttricks.core.util.Term;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The trick vocabularies as picocli completion candidates, so that options list the names the
 * registries hold ({@code ${COMPLETION-CANDIDATES}} in a description) instead of a copy of them.
 */
final class Vocabularies {
    private Vocabularies() {
    }

    private static Iterator<String> names(List<? extends Term> terms, String... more) {
        List<String> out = new ArrayList<>(terms.stream().map(Term::recipeName).toList());
        out.addAll(List.of(more));
        return out.iterator();
    }

    static final class Losses implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(LossKind.VOCABULARY.terms());
        }
    }

    static final class Samplers implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(SamplerKind.VOCABULARY.terms());
        }
    }

    static final class MixLocations implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(MixLocation.VOCABULARY.terms(), "none");
        }
    }

    static final class CamMethods implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(CamMethod.VOCABULARY.terms());
        }
    }

    static final class CamPresets implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return names(CamPreset.VOCABULARY.terms());
        }
    }
}
