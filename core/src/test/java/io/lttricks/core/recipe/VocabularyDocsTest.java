package io.lttricks.core.recipe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.cam.CamCounts;
import io.lttricks.core.cam.CamMethod;
import io.lttricks.core.cam.CamPaste;
import io.lttricks.core.cam.CamPreset;
import io.lttricks.core.loss.Drw;
import io.lttricks.core.loss.LossKind;
import io.lttricks.core.mixup.MixLocation;
import io.lttricks.core.plan.StageRole;
import io.lttricks.core.sampling.SamplerKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/TRICKS.md's vocabulary section is the registries' own rendering: a name, alias or help
 * line changed in a registry fails here until the docs say the same (the message holds the
 * section to paste).
 */
class VocabularyDocsTest {

    static String section() {
        StringBuilder sb = new StringBuilder("<!-- generated from the registries; VocabularyDocsTest keeps it true -->\n");
        sb.append(LossKind.VOCABULARY.markdownTable()).append('\n');
        sb.append(SamplerKind.VOCABULARY.markdownTable()).append('\n');
        sb.append(MixLocation.VOCABULARY.markdownTable()).append('\n');
        sb.append(Drw.Weights.VOCABULARY.markdownTable()).append('\n');
        sb.append(StageRole.VOCABULARY.markdownTable()).append('\n');
        sb.append(io.lttricks.core.plan.LrShape.VOCABULARY.markdownTable()).append('\n');
        sb.append(CamMethod.VOCABULARY.markdownTable()).append('\n');
        sb.append(CamPreset.VOCABULARY.markdownTable()).append('\n');
        sb.append(CamPaste.VOCABULARY.markdownTable()).append('\n');
        sb.append(CamCounts.VOCABULARY.markdownTable());
        sb.append("<!-- end of generated section -->\n");
        return sb.toString();
    }

    @Test
    void docsListTheRegistriesAsTheyAre() throws IOException {
        Path docs = Path.of("").toAbsolutePath().getParent().resolve("docs/TRICKS.md");
        String text = Files.readString(docs);
        String expected = section();
        assertTrue(text.contains(expected), "docs/TRICKS.md should hold, under '## The vocabulary':\n\n" + expected);
    }
}
