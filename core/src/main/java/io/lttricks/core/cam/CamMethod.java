package io.lttricks.core.cam;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/** How CAM-based sampling finds what to transform. */
public enum CamMethod implements Term {
    CAM(Info.of("cam", "CAM-based sampling: transform the foreground of the class activation map (the paper's method)", "cam_based", "cam_bs")),
    IMAGE_TRANS(Info.of("image_trans", "ImageTrans: the same transformations on the whole image, no map (Table 7's control)", "imagetrans", "image"));

    public static final Vocabulary<CamMethod> VOCABULARY = Vocabulary.of("CAM method", CamMethod.class);

    private final Info info;

    CamMethod(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }

    public static CamMethod parse(String name) {
        return VOCABULARY.parse(name);
    }
}
