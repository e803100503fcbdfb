package io.lttricks.core.model;

import io.lttricks.core.util.Term;
import io.lttricks.core.util.Vocabulary;

/**
 * The arithmetic a network's forward pass runs in. {@link #BF16} is mixed precision as
 * {@code torch.autocast(dtype=torch.bfloat16)} does it: convolutions and matrix products in
 * bfloat16, everything kept (weights, gradients, optimizer state, batch-norm statistics) and the
 * loss in float32; checkpoints are float32 either way, so a run may change precision when resumed.
 * See {@link Autocast} for how it is switched on and when it falls back to float32.
 */
public enum Precision implements Term {
    FP32(Info.of("fp32", "float32 throughout (the default)", "float32")),
    BF16(Info.of("bf16", "mixed precision: convolutions and matrix products in bfloat16, weights, optimizer,"
            + " batch-norm statistics and loss in float32 (needs native bf16: AVX512-BF16 or AMX on CPU, or a GPU)",
            "bfloat16", "bf16-mixed"));

    public static final Vocabulary<Precision> VOCABULARY = Vocabulary.of("precision", Precision.class);

    private final Info info;

    Precision(Info info) {
        this.info = info;
    }

    @Override
    public Info info() {
        return info;
    }
}
