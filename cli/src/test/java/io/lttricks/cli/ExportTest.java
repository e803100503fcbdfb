package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lttricks.core.model.Backbone;
import io.lttricks.core.model.Backbones;
import io.lttricks.core.model.TorchExport;
import io.lttricks.core.train.Checkpoint;
import io.lttricks.core.transform.CifarTransforms;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lt export: a trained run's weights as safetensors with PyTorch's names, which PyTorch loads into
 * the same network (tools/python/lttricks_torch.py; torchvision's ResNet for the ImageNet layouts)
 * and which then gives lttricks' logits to 1e-4 on real test images.
 */
class ExportTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path tmp;

    @Test
    void exportsARunThatPyTorchLoadsAndAgreesWith() throws Exception {
        Random r = new Random(5);
        Path run = LtTest.trainedRun(tmp, r);

        Path file = tmp.resolve("model.safetensors");
        LtTest.Run e = LtTest.lt("export", run.toString(), "--out", file.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("resnet20, 10 classes"), e.out());

        ObjectNode header = TorchExport.readHeader(file);
        JsonNode meta = header.get("__metadata__");
        assertEquals("cifar", meta.get("layout").asText());
        assertEquals("resnet20", meta.get("backbone").asText());
        assertTrue(meta.get("classes").asText().startsWith("[\"airplane\",\"automobile\""), meta.toString());
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        assertEquals(expectedCifarNames(20), names);
        long end = 0;
        for (String n : names) {
            JsonNode entry = header.get(n);
            assertEquals(end, entry.get("data_offsets").get(0).asLong(), n + " follows the previous tensor");
            end = entry.get("data_offsets").get(1).asLong();
            assertEquals(n.endsWith("num_batches_tracked") ? "I64" : "F32", entry.get("dtype").asText(), n);
        }
        long headerLength;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            headerLength = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
        assertEquals(Files.size(file), 8 + headerLength + end, "the header, then the tensors to the end of the file");
        assertEquals(0, headerLength % 8, "the header is padded to 8 bytes");

        byte[] before = Files.readAllBytes(file);
        LtTest.Run again = LtTest.lt("export", run.toString(), "--out", file.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists") && again.err().contains("--force"), again.err());
        assertArrayEquals(before, Files.readAllBytes(file), "an existing file is left as it is");
        LtTest.Run onnx = LtTest.lt("export", run.toString(), "--format", "onnx");
        assertEquals(1, onnx.code());
        assertTrue(onnx.err().contains("only safetensors"), onnx.err());

        assumeTrue(hasTorch(false), "python3 with torch and numpy absent: the PyTorch comparison is skipped");
        Path checkpoint = ModelSource.checkpoint(run);
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            Backbone model = Checkpoint.loadModel(checkpoint, manager);
            compareWithPyTorch(model, manager, testImages(manager, 16), file, false);
        }
    }

    /** An ImageNet-layout network with batch-norm statistics that are not the initial ones, against torchvision's ResNet. */
    @Test
    void imagenetLayoutsLoadIntoTorchvision() throws Exception {
        assumeTrue(hasTorch(true), "python3 with torch, numpy and torchvision absent: skipped");
        try (NDManager manager = NDManager.newBaseManager(Engine.getInstance().defaultDevice())) {
            for (String name : new String[] {"resnet10", "resnet50"}) {
                Engine.getInstance().setRandomSeed(3);
                Backbone model = Backbones.create(name, 7);
                model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
                Random r = new Random(9);
                for (Pair<String, Parameter> p : model.getParameters()) {
                    if (p.getKey().endsWith("runningMean") || p.getKey().endsWith("runningVar")) {
                        NDArray a = p.getValue().getArray();
                        float[] v = new float[(int) a.size()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = p.getKey().endsWith("runningVar") ? 0.5f + r.nextFloat() : 0.2f * (float) r.nextGaussian();
                        }
                        a.set(v);
                    }
                }
                Path file = tmp.resolve(name + ".safetensors");
                TorchExport.writeSafetensors(file, TorchExport.stateDict(model),
                        Map.of("backbone", name, "layout", "imagenet", "num_classes", "7"));
                NDArray x = manager.randomNormal(new Shape(4, 3, 64, 64));
                compareWithPyTorch(model, manager, x, file, true);
            }
        }
    }

    /** Our logits and PyTorch's for the same input batch, to 1e-4 of their scale. */
    private void compareWithPyTorch(Backbone model, NDManager manager, NDArray x, Path file, boolean torchvision)
            throws Exception {
        float[] ours;
        try (NDManager step = manager.newSubManager()) {
            ours = model.forward(new ParameterStore(step, false), new NDList(x), false).head().toFloatArray();
        }
        long[] shape = x.getShape().getShape();
        Path input = tmp.resolve("input.f32");
        ByteBuffer b = ByteBuffer.allocate((int) x.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x.toFloatArray());
        Files.write(input, b.array());
        String script = String.join("\n",
                "import sys, json, numpy as np, torch",
                "sys.path.insert(0, sys.argv[1])",
                "import lttricks_torch",
                "tensors, meta = lttricks_torch.read_safetensors(sys.argv[2])",
                "model = lttricks_torch.build(meta)",
                "model.load_state_dict(tensors, strict=True)",
                "model.eval()",
                "shape = [int(s) for s in sys.argv[4].split(',')]",
                "x = torch.from_numpy(np.fromfile(sys.argv[3], dtype='<f4').reshape(shape))",
                "with torch.no_grad():",
                "    print(json.dumps(model(x).flatten().tolist()))");
        Path tools = Path.of("..", "tools", "python").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", script, tools.toString(), file.toString(), input.toString(),
                shape[0] + "," + shape[1] + "," + shape[2] + "," + shape[3]).redirectErrorStream(true).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        JsonNode theirs = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals(ours.length, theirs.size());
        double scale = 0;
        for (float v : ours) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < ours.length; i++) {
            assertEquals(ours[i], theirs.get(i).asDouble(), 1e-4 * Math.max(1, scale),
                    (torchvision ? "torchvision " : "") + "logit " + i + " of " + model.name());
        }
    }

    /** Real CIFAR-10 test images (the workspace's JPEG copy) normalised as lttricks does, else random pixels. */
    private static NDArray testImages(NDManager manager, int n) throws IOException {
        String env = System.getenv("LT_SHARED_DATASETS");
        Path archive = Path.of(env != null ? env : "../../shared/datasets", "cifar-10-jpeg.tar.gz");
        float[] pixels = new float[n * 3 * 32 * 32];
        int found = 0;
        if (Files.isRegularFile(archive)) {
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                    new java.io.BufferedInputStream(Files.newInputStream(archive))))) {
                for (TarArchiveEntry entry; found < n && (entry = tar.getNextEntry()) != null; ) {
                    if (entry.getName().contains("/test/") && entry.getName().endsWith(".jpg")) {
                        BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(tar.readAllBytes()));
                        normalise(img, pixels, found++);
                    }
                }
            }
        }
        Random r = new Random(11);
        for (; found < n; found++) {
            BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int i = 0; i < 32 * 32; i++) {
                img.setRGB(i % 32, i / 32, r.nextInt(0xffffff));
            }
            normalise(img, pixels, found);
        }
        return manager.create(pixels, new Shape(n, 3, 32, 32));
    }

    private static void normalise(BufferedImage img, float[] out, int index) {
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int rgb = img.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    int v = (rgb >> (16 - 8 * c)) & 0xff;
                    out[((index * 3 + c) * 32 + y) * 32 + x] = (v / 255f - CifarTransforms.MEAN[c]) / CifarTransforms.STD[c];
                }
            }
        }
    }

    /** PyTorch's state_dict names of the CIFAR ResNet of this depth, in module order. */
    static List<String> expectedCifarNames(int depth) {
        List<String> names = new ArrayList<>();
        names.add("conv1.weight");
        batchNorm(names, "bn1");
        for (int s = 1; s <= 3; s++) {
            for (int b = 0; b < (depth - 2) / 6; b++) {
                String block = "layer" + s + "." + b + ".";
                names.add(block + "conv1.weight");
                batchNorm(names, block + "bn1");
                names.add(block + "conv2.weight");
                batchNorm(names, block + "bn2");
            }
        }
        names.add("fc.weight");
        names.add("fc.bias");
        return names;
    }

    private static void batchNorm(List<String> names, String prefix) {
        for (String s : new String[] {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}) {
            names.add(prefix + "." + s);
        }
    }

    private static boolean hasTorch(boolean torchvision) throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy" + (torchvision ? ", torchvision" : ""))
                .redirectErrorStream(true).start();
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
