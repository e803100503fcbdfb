package io.lttricks.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.eval.EvaluationReport;
import io.lttricks.core.eval.Evaluator;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.transform.Transforms;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Evaluates a checkpoint on its data set's test split.",
            "It reports top-1 error, per-class accuracy, many/medium/few-shot accuracy (by training",
            "images per class: >100, 20-100, <20) and the confusion matrix. Sigmoid-trained models",
            "(Focal, CB_Focal) are scored with sigmoids.",
            "",
            "CHECKPOINT is a .ckpt file or a run directory (its last stage's final model). The data set",
            "comes from the run's recipe; for a checkpoint outside a run, give --dataset (and --source).",
            ""
        })
final class EvalCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CHECKPOINT", description = "A .ckpt file or a run directory.")
    Path target;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Data set when the checkpoint is not inside a run directory.")
    String dataset;

    @Option(names = "--source", paramLabel = "PATH", description = "Data set directory or archive.")
    String source;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.json and report.txt here.")
    Path out;

    @Option(names = "--precision", paramLabel = "fp32|bf16", description = "Arithmetic of the forward passes:"
            + " fp32, or bf16 (about 2x faster on a CPU with AVX512-BF16 or AMX; a CPU without runs fp32 and says so)."
            + " Default: the precision the checkpoint's stage trained in.")
    String precision;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        ModelSource src = ModelSource.resolve(target, dataset, source);
        Path ckpt = src.checkpoint();
        Checkpoint.Meta meta = src.meta();
        DatasetSpec spec = src.dataset();
        ConsoleReporter reporter = ConsoleReporter.forStdout();
        Datasets.Loaded loaded = new Datasets(data.dataDir(), !data.offline, reporter).load(spec.withImbalance(null));
        boolean sigmoid = meta.plan().loss().create().sigmoid();
        EvaluationReport report;
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            Backbone model = Checkpoint.loadModel(ckpt, manager);
            io.lttricks.core.model.Precision asked = precision != null
                    ? io.lttricks.core.model.Precision.VOCABULARY.parse(precision) : meta.plan().precision();
            model.usePrecision(asked, manager.getDevice());
            if (!loaded.test().classNames().equals(meta.classes())) {
                throw new IllegalArgumentException("the checkpoint's classes " + meta.classes()
                        + " differ from the test set's " + loaded.test().classNames());
            }
            String selection = "checkpoint " + ckpt + " (stage " + meta.stage() + ", epoch " + meta.epoch() + ")";
            report = new Evaluator(256, 1).evaluate(model, manager, loaded.test(), Transforms.test(model, loaded.test()),
                    sigmoid, meta.trainCounts(), selection, reporter);
        }
        System.out.print(report.table());
        if (out != null) {
            Files.createDirectories(out);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("report.json").toFile(), report);
            Files.writeString(out.resolve("report.txt"), report.table(), StandardCharsets.UTF_8);
            System.out.println("Report: " + out.resolve("report.json"));
        }
        return 0;
    }
}
