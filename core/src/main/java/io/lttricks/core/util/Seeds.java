package io.lttricks.core.util;

import java.util.SplittableRandom;

/**
 * Counter-based seeding: every random stream (an epoch's sampling order, a batch's crops and mixup
 * draw) is a pure function of the run seed and the stream's coordinates. A run resumed at epoch e
 * therefore draws exactly what an uninterrupted run draws, with no generator state to save, and a
 * background loader produces the same batches whatever its timing.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A generator for the stream named by {@code purpose} and {@code coordinates}. */
    public static SplittableRandom stream(long seed, String purpose, long... coordinates) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        h = mix(h ^ purpose.hashCode());
        for (long c : coordinates) {
            h = mix(h + 0x9E3779B97F4A7C15L + c);
        }
        return new SplittableRandom(h);
    }

    /** Stafford's variant 13 of the splitmix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
