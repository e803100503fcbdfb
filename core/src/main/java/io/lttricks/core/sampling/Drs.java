package io.lttricks.core.sampling;

/**
 * Deferred re-sampling (DRS, the paper's two-stage re-sampling): the stage's sampler up to and
 * including epoch {@code startEpoch}, {@code sampler} from {@code startEpoch + 1} on (the paper:
 * class-balanced after epoch 160 of 200).
 */
public record Drs(SamplerKind sampler, int startEpoch) {
}
