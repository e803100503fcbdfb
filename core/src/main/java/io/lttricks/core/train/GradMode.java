package io.lttricks.core.train;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch is per thread, and a new thread starts with it on. The training loop
 * turns it on only inside its gradient collector; every thread that trains or infers turns it off
 * first, or the optimizer's in-place updates fail and inference records graphs it never uses.
 */
public final class GradMode {
    private GradMode() {
    }

    /** No autograd on the calling thread until a gradient collector turns it on. */
    public static void disableOnThisThread() {
        ai.djl.engine.Engine.getInstance(); // loads the native library on first use
        JniUtils.setGradMode(false);
    }
}
