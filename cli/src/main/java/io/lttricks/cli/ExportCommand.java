package io.lttricks.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.CifarResNet;
import io.lttricks.core.model.TorchExport;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.transform.CifarTransforms;
import io.lttricks.core.transform.ImageNetTransforms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Writes a trained model's weights as a safetensors file with the tensor names PyTorch uses.",
            "",
            "  lt export runs/baseline                       the run's last finished stage",
            "  lt export runs/bag_of_tricks/04-finetune/final.ckpt --out bot.safetensors",
            "",
            "ImageNet layouts (resnet10/18/34/50/101) carry torchvision's names: torchvision.models.resnet50(",
            "num_classes=K).load_state_dict(...) takes the file as it is (ResNet-10: ResNet(BasicBlock, [1, 1, 1, 1])).",
            "CIFAR layouts (resnet20/32/...) use the same scheme with option-A shortcuts, which have no weights;",
            "tools/python/lttricks_torch.py defines that network, reads the file (no safetensors package needed)",
            "and classifies images:  python3 tools/python/lttricks_torch.py MODEL.safetensors IMAGE...",
            "The file's metadata says the network, the classes in order, the input size, the normalisation and",
            "whether scores are softmax or sigmoid. Weights are float32, whatever precision trained them.",
            "ONNX is not offered: no library kept in this project writes it from Java (see docs/EXPORT.md).",
            ""
        })
final class ExportCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "CHECKPOINT|RUN", description = "A checkpoint (.ckpt), or a run directory"
            + " (its last finished stage's final model).")
    Path model;

    @Option(names = "--format", defaultValue = "safetensors", paramLabel = "safetensors",
            description = "The file format (default and only one: safetensors).")
    String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write (default: RUN-STAGE-eEPOCH.safetensors"
            + " in the current directory).")
    Path out;

    @Option(names = "--force", description = "Replace FILE if it exists (without it an existing file is left as it is).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("safetensors")) {
            throw new IllegalArgumentException("--format " + format + ": only safetensors is written (ONNX is not"
                    + " offered: no library kept in this project writes it from Java; docs/EXPORT.md)");
        }
        if (!Files.exists(model)) {
            throw new IllegalArgumentException("no checkpoint or run directory " + model);
        }
        Path checkpoint = ModelSource.checkpoint(model);
        Checkpoint.Meta meta = Checkpoint.verify(checkpoint);
        Path target = out != null ? out : Path.of(defaultName(meta));
        if (Files.exists(target) && !force) {
            throw new IllegalArgumentException(target + " exists; choose another --out, or add --force to replace it");
        }
        List<TorchExport.Tensor> tensors;
        Backbone network;
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            network = Checkpoint.loadModel(checkpoint, manager);
            tensors = TorchExport.stateDict(network);
        }
        TorchExport.writeSafetensors(target, tensors, metadata(meta, network));
        long parameters = tensors.stream().filter(t -> t.dtype().equals("F32") && !t.name().endsWith("running_mean")
                && !t.name().endsWith("running_var")).mapToLong(t -> t.data().length / 4).sum();
        System.out.printf(Locale.ROOT, "wrote %s: %s, %d classes, %d tensors (%,d parameters), %.1f MB%n", target,
                meta.backbone(), meta.numClasses(), tensors.size(), parameters, Files.size(target) / 1e6);
        System.out.println("from " + checkpoint + " (" + meta.stage() + ", epoch " + meta.epoch() + ")");
        System.out.println("in PyTorch: python3 " + tool() + " " + target + " IMAGE...   (or lttricks_torch.load(\""
                + target.getFileName() + "\") in Python)");
        return 0;
    }

    /** RUN-STAGE-eEPOCH.safetensors, from the checkpoint's own record. */
    static String defaultName(Checkpoint.Meta meta) {
        String run = meta.run() == null ? "model" : Path.of(meta.run()).getFileName().toString();
        String name = run + "-" + meta.stage() + "-e" + meta.epoch();
        return name.replaceAll("[^A-Za-z0-9._-]", "_") + ".safetensors";
    }

    /** What a PyTorch user needs besides the weights, as the file's string metadata. */
    static Map<String, String> metadata(Checkpoint.Meta meta, Backbone network) throws Exception {
        boolean cifar = network instanceof CifarResNet;
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "lttricks-export/1");
        m.put("backbone", meta.backbone());
        m.put("layout", cifar ? "cifar" : "imagenet");
        m.put("num_classes", Integer.toString(meta.numClasses()));
        m.put("classes", JSON.writeValueAsString(meta.classes()));
        m.put("input_shape", JSON.writeValueAsString(meta.inputShape()));
        m.put("preprocess", cifar ? "resize to 32x32" : "resize the shorter side to 256, centre crop 224x224");
        m.put("mean", Arrays.toString(cifar ? CifarTransforms.MEAN : ImageNetTransforms.MEAN));
        m.put("std", Arrays.toString(cifar ? CifarTransforms.STD : ImageNetTransforms.STD));
        m.put("scores", io.lttricks.core.eval.Predictor.sigmoidScores(meta) ? "sigmoid" : "softmax");
        if (meta.run() != null) {
            m.put("run", meta.run());
        }
        m.put("stage", meta.stage());
        m.put("epoch", Integer.toString(meta.epoch()));
        return m;
    }

    /** The Python helper's path in this installation (lt.home), else as the repository names it. */
    private static String tool() {
        String home = System.getProperty("lt.home");
        Path p = Path.of(home == null ? "." : home, "tools", "python", "lttricks_torch.py");
        return Files.exists(p) ? p.toString() : "tools/python/lttricks_torch.py";
    }
}
