package io.lttricks.core.plan;

/**
 * The optimiser's settings: SGD with momentum, optionally Nesterov, and L2 weight decay (the
 * paper's CIFAR setting: 0.9, Nesterov, 2e-4).
 */
public record Sgd(double momentum, boolean nesterov, double weightDecay) {
    public static final Sgd PAPER = new Sgd(0.9, true, 2e-4);
}
