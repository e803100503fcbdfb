package io.lttricks.core.loss;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A loss with every hyper-parameter decided: what a stage trains with and a checkpoint records.
 *
 * @param params exactly the loss's declared hyper-parameters ({@link LossKind#params()})
 */
public record LossPlan(LossKind kind, Map<String, Double> params) {
    public LossPlan {
        params = java.util.Collections.unmodifiableMap(new TreeMap<>(params));
    }

    public static LossPlan ce() {
        return new LossPlan(LossKind.CE, Map.of());
    }

    /**
     * The plan for {@code kind} with the given values (null: the default for {@code dataset}, its
     * imbalance unknown).
     *
     * @throws IllegalArgumentException naming the parameter that is out of range or not the loss's
     */
    public static LossPlan resolve(LossKind kind, Map<String, Double> given, String dataset) {
        return resolve(kind, given, LossParam.Data.of(dataset));
    }

    /** As {@link #resolve(LossKind, Map, String)}, the defaults for a data set of a given imbalance. */
    public static LossPlan resolve(LossKind kind, Map<String, Double> given, LossParam.Data data) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (LossParam p : kind.params()) {
            Double v = given.get(p.name());
            double value = v != null ? v : p.defaultFor().applyAsDouble(data);
            String problem = p.check(value);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            out.put(p.name(), value);
        }
        for (var e : given.entrySet()) {
            if (e.getValue() != null && !out.containsKey(e.getKey())) {
                throw new IllegalArgumentException(kind.recipeName() + " takes no " + e.getKey() + " (its parameters: "
                        + kind.params().stream().map(LossParam::name).toList() + ")");
            }
        }
        return new LossPlan(kind, out);
    }

    public double param(String name) {
        Double v = params.get(name);
        if (v == null) {
            throw new IllegalStateException(kind.recipeName() + " has no parameter " + name);
        }
        return v;
    }

    public ClassificationLoss create() {
        return kind.create(params);
    }
}
