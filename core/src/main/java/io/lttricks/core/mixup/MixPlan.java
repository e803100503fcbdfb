package io.lttricks.core.mixup;

/**
 * One batch's mixup draw: the coefficient lambda and each image's partner. Image i becomes
 * lambda * x_i + (1 - lambda) * x_partner[i], its target lambda * y_i + (1 - lambda) * y_partner[i].
 */
public record MixPlan(float lambda, int[] partner) {
}
