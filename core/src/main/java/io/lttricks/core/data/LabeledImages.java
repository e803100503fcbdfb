package io.lttricks.core.data;

import java.io.IOException;
import java.util.List;

/**
 * A labelled image collection: what every reader produces and every trainer consumes.
 *
 * <p>Each image has an identity that a manifest can store and a later run can resolve again:
 * a path relative to the dataset root (ImageFolder, list files) or the index in the official
 * order (CIFAR binaries).
 */
public interface LabeledImages {

    /** How identities are expressed. */
    enum IdKind { PATH, INDEX }

    List<String> classNames();

    int size();

    int label(int index);

    IdKind idKind();

    /** The identity of image {@code index}: a relative path, or a decimal official index. */
    String id(int index);

    RgbImage image(int index) throws IOException;

    /** The images at {@code indices}, in that order. */
    LabeledImages subset(int[] indices);

    default int numClasses() {
        return classNames().size();
    }

    default int[] labels() {
        int[] labels = new int[size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = label(i);
        }
        return labels;
    }

    default int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int i = 0; i < size(); i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
