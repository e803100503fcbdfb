package io.lttricks.trainer;

import io.lttricks.core.train.TrainListener;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The progress of the stage this trainer trains, as gauges tagged {@code run} and {@code stage}:
 * {@code lt_train_epoch} (the epoch being trained, from 1), {@code lt_train_epochs} (the stage's
 * total), {@code lt_train_loss} and {@code lt_train_accuracy} (mean over the epoch so far, on the
 * training batches), {@code lt_train_learning_rate} and {@code lt_train_images_per_second} (over
 * the epoch so far). A trainer trains one stage at a time: a new stage's gauges replace the last
 * one's, which stay readable until then, so a finished stage's last values remain visible and
 * the series do not pile up with every run.
 */
final class TrainMetrics {
    private final MeterRegistry registry;
    private Stage current;

    TrainMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Gauges for stage {@code stage} of run {@code runId}, in place of the previous stage's. */
    synchronized Stage begin(String runId, String stage, int epochs) {
        if (current != null) {
            current.meters.forEach(registry::remove);
        }
        current = new Stage(registry, Tags.of("run", runId, "stage", stage), epochs);
        return current;
    }

    /** One stage's gauges; updated from the training thread, read by the scrape. */
    static final class Stage {
        private final List<Meter> meters = new ArrayList<>();
        private volatile double epoch;
        private volatile double loss = Double.NaN;
        private volatile double accuracy = Double.NaN;
        private volatile double lr = Double.NaN;
        private volatile double imagesPerSecond;

        private Stage(MeterRegistry registry, Tags tags, int epochs) {
            gauge(registry, tags, "lt.train.epoch", "The epoch being trained, from 1", s -> s.epoch);
            gauge(registry, tags, "lt.train.epochs", "Epochs of the stage", s -> epochs);
            gauge(registry, tags, "lt.train.loss", "Training loss, mean over the epoch so far", s -> s.loss);
            gauge(registry, tags, "lt.train.accuracy", "Training accuracy, over the epoch so far", s -> s.accuracy);
            gauge(registry, tags, "lt.train.learning.rate", "Learning rate of the epoch", s -> s.lr);
            gauge(registry, tags, "lt.train.images.per.second", "Training images per second over the epoch so far",
                    s -> s.imagesPerSecond);
        }

        private void gauge(MeterRegistry registry, Tags tags, String name, String description, ToDoubleFunction<Stage> f) {
            meters.add(Gauge.builder(name, this, f).description(description).tags(tags).strongReference(true)
                    .register(registry));
        }

        void batch(TrainListener.BatchProgress p) {
            set(p.epoch(), p.loss(), p.accuracy(), p.lr(), p.imagesPerSecond());
        }

        void epoch(TrainListener.EpochSummary s) {
            set(s.epoch(), s.loss(), s.accuracy(), s.lr(), s.imagesPerSecond());
        }

        private void set(int epoch, double loss, double accuracy, double lr, double imagesPerSecond) {
            this.epoch = epoch;
            this.loss = loss;
            this.accuracy = accuracy;
            this.lr = lr;
            this.imagesPerSecond = imagesPerSecond;
        }
    }
}
