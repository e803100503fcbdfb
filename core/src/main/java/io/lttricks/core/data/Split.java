package io.lttricks.core.data;

/** Training or test split of a data set. */
public enum Split {
    TRAIN("train"), TEST("test");

    public final String dirName;

    Split(String dirName) {
        this.dirName = dirName;
    }
}
