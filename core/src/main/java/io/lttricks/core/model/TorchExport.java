package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network's weights under the names PyTorch gives the same network, written as a safetensors file.
 *
 * <p><b>Names.</b> The ImageNet layouts (resnet10/18/34/50/101) are torchvision's
 * {@code torchvision.models.resnet.ResNet}: {@code conv1}, {@code bn1}, {@code layerS.B.convK},
 * {@code layerS.B.bnK}, {@code layerS.B.downsample.0} (the projection) and {@code .1} (its batch
 * norm), {@code fc}; so {@code torchvision.models.resnet50(num_classes=K).load_state_dict(...)}
 * takes the file as it is (ResNet-10 is {@code ResNet(BasicBlock, [1, 1, 1, 1])}). The CIFAR layouts
 * (resnet20/32/44/56/110) use the same scheme with three stages and parameter-free option-A
 * shortcuts; {@code tools/python/lttricks_torch.py} defines that module. Batch norm's
 * {@code gamma}/{@code beta}/{@code runningMean}/{@code runningVar} become {@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, and each batch norm gets PyTorch's
 * {@code num_batches_tracked} (int64, 0: lttricks does not count them; PyTorch reads it only with
 * {@code momentum=None}). Tensors are float32 in the layouts PyTorch uses (convolutions OIHW,
 * linear layers out x in), in the module's order.
 *
 * <p><b>File.</b> The safetensors layout: an 8-byte little-endian header length, a JSON header
 * (each tensor's {@code dtype}, {@code shape} and {@code data_offsets} into the data that follows;
 * {@code __metadata__}, strings only), padded with spaces to a multiple of 8, then the tensors'
 * little-endian bytes back to back. Written to a temporary file and moved into place.
 */
public final class TorchExport {
    /** One tensor of the file: its name, safetensors dtype ({@code F32}, {@code I64}), shape and bytes. */
    public record Tensor(String name, String dtype, long[] shape, byte[] data) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBERED = Pattern.compile("^\\d{2}(.+)$");
    private static final Pattern STAGE_BLOCK = Pattern.compile("^(layer\\d+)_(\\d+)$");

    private TorchExport() {
    }

    /** The network's tensors under PyTorch's state_dict names, in the module's order. */
    public static List<Tensor> stateDict(Backbone model) {
        List<Tensor> out = new ArrayList<>();
        collect(model, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, List<Tensor> out) {
        boolean batchNorm = block instanceof ai.djl.nn.norm.BatchNorm;
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            NDArray a = p.getValue().getArray();
            out.add(floats(prefix + torchParameter(p.getKey(), batchNorm), a));
        }
        if (batchNorm) {
            out.add(new Tensor(prefix + "num_batches_tracked", "I64", new long[0], new byte[8]));
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), prefix + torchModule(child.getKey()) + ".", out);
        }
    }

    /** A child's name as PyTorch's module path: the numbering DJL adds dropped, layer1_0 as layer1.0. */
    static String torchModule(String djlName) {
        Matcher numbered = NUMBERED.matcher(djlName);
        String name = numbered.matches() ? numbered.group(1) : djlName;
        Matcher stage = STAGE_BLOCK.matcher(name);
        if (stage.matches()) {
            return stage.group(1) + "." + stage.group(2);
        }
        return switch (name) {
            case "downsample_conv" -> "downsample.0";
            case "downsample_bn" -> "downsample.1";
            default -> name;
        };
    }

    static String torchParameter(String djlName, boolean batchNorm) {
        if (!batchNorm) {
            return djlName;
        }
        return switch (djlName) {
            case "gamma" -> "weight";
            case "beta" -> "bias";
            case "runningMean" -> "running_mean";
            case "runningVar" -> "running_var";
            default -> djlName;
        };
    }

    private static Tensor floats(String name, NDArray a) {
        float[] values = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(name, "F32", a.getShape().getShape(), b.array());
    }

    /**
     * Writes the tensors and string metadata as a safetensors file at {@code file}, through a
     * temporary file beside it that is moved into place (an interrupted export leaves no half file).
     */
    public static void writeSafetensors(Path file, List<Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (header.has(t.name())) {
                throw new IllegalArgumentException("two tensors named " + t.name());
            }
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + t.data().length);
            offset += t.data().length;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        java.util.Arrays.fill(head, (byte) ' ');
        System.arraycopy(json, 0, head, 0, json.length);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".part");
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(head);
                for (Tensor t : tensors) {
                    out.write(t.data());
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A safetensors file's header as JSON (for checks and listings): its tensors and {@code __metadata__}. */
    public static ObjectNode readHeader(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            if (len.length < 8) {
                throw new IOException(file + ": not a safetensors file (shorter than its 8-byte header length)");
            }
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n <= 0 || n > 100L << 20 || n > Files.size(file) - 8) {
                throw new IOException(file + ": not a safetensors file (header length " + n + ")");
            }
            return (ObjectNode) JSON.readTree(new String(in.readNBytes((int) n), StandardCharsets.UTF_8).strip());
        }
    }
}
