package io.lttricks.core.data;

/**
 * numpy's legacy {@code RandomState} generator (MT19937), reproduced bit for bit.
 *
 * <p>Every published long-tailed CIFAR result selects its images with {@code np.random.seed(0)}
 * followed by one {@code np.random.shuffle} per class; selecting the same images means producing
 * the same permutations. Only the pieces that protocol needs are here: integer seeding
 * ({@code init_genrand}), 32-bit outputs, numpy's legacy bounded integer ({@code random_interval},
 * rejection sampling under a bit mask) and the legacy in-place shuffle.
 */
public final class NumpyRandom {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] mt = new int[N];
    private int pos;

    /** Same state as {@code np.random.seed(seed)} for {@code 0 <= seed < 2^32}. */
    public NumpyRandom(long seed) {
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("numpy seeds must lie in [0, 2^32 - 1], got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        pos = N;
    }

    /** The next raw 32-bit output, as an unsigned value. */
    public long nextUint32() {
        if (pos >= N) {
            regenerate();
        }
        int y = mt[pos++];
        y ^= (y >>> 11);
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= (y >>> 18);
        return y & 0xffffffffL;
    }

    /** numpy's {@code random_interval(max)}: uniform on [0, max] by masked rejection. */
    public long interval(long max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must be >= 0");
        }
        if (max == 0) {
            return 0;
        }
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        mask |= mask >>> 32;
        long value;
        if (max <= 0xffffffffL) {
            do {
                value = nextUint32() & mask;
            } while (value > max);
        } else {
            do {
                value = ((nextUint32() << 32) | nextUint32()) & mask;
            } while (Long.compareUnsigned(value, max) > 0);
        }
        return value;
    }

    /** In-place {@code np.random.shuffle} of a one-dimensional array (legacy algorithm). */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = (int) interval(i);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    private void regenerate() {
        int kk;
        for (kk = 0; kk < N - M; kk++) {
            int y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
            mt[kk] = mt[kk + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        for (; kk < N - 1; kk++) {
            int y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
            mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        int y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
        mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        pos = 0;
    }
}
