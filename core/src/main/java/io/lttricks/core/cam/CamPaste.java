package io.lttricks.core.cam;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/** How the transformed foreground meets the original image. */
public enum CamPaste implements Term {
    OVER(Info.of("over", "pasted over the untouched original (the paper's text)", "copy")),
    MOVE(Info.of("move", "the object moved, as the official script: the transformed image over the source's"
            + " foreground and where it landed; the original kept where the transformation brought nothing in"));

    public static final Vocabulary<CamPaste> VOCABULARY = Vocabulary.of("CAM paste", CamPaste.class);

    private final Info info;

    CamPaste(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }

    public static CamPaste parse(String name) {
        return VOCABULARY.parse(name);
    }
}
