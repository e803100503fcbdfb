package io.lttricks.core.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The orders of a run of consecutive epochs ({@value #EPOCHS} at most) as one stored object: what
 * the sampler service writes ahead of a trainer. Deflated: a format word, the number of images the
 * orders index, the first epoch, the number of epochs, then per epoch the sampler's name, the
 * order's length and its indices (32-bit, big-endian). A shuffled order of CIFAR-10-LT's 12,406
 * images takes 30.7 KB an epoch.
 *
 * @param images the size of the training set the indices point into
 * @param first  the first epoch (from 1)
 */
public record EpochOrderChunk(int images, int first, List<String> samplers, List<int[]> orders) {
    public static final int EPOCHS = 10;
    static final int FORMAT = 0x4c544f31;   // "LTO1"

    /** The chunk holding {@code epoch}'s order starts at this epoch. */
    public static int firstOf(int epoch) {
        return (epoch - 1) / EPOCHS * EPOCHS + 1;
    }

    /** Epochs {@code first} .. min(first + EPOCHS - 1, last) of {@code orders}. */
    public static EpochOrderChunk of(EpochOrders orders, int first, int last) throws IOException {
        List<String> samplers = new ArrayList<>();
        List<int[]> all = new ArrayList<>();
        for (int e = first; e <= Math.min(last, first + EPOCHS - 1); e++) {
            samplers.add(orders.samplerName(e));
            all.add(orders.order(e));
        }
        return new EpochOrderChunk(orders.images(), first, samplers, all);
    }

    /** The order of {@code epoch}, which this chunk must hold. */
    public int[] order(int epoch) {
        return orders.get(index(epoch));
    }

    public String sampler(int epoch) {
        return samplers.get(index(epoch));
    }

    public boolean holds(int epoch) {
        return epoch >= first && epoch < first + orders.size();
    }

    private int index(int epoch) {
        if (!holds(epoch)) {
            throw new IllegalArgumentException("epoch " + epoch + " is not in the chunk of epochs " + first + ".."
                    + (first + orders.size() - 1));
        }
        return epoch - first;
    }

    public byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(bytes))) {
            out.writeInt(FORMAT);
            out.writeInt(images);
            out.writeInt(first);
            out.writeInt(orders.size());
            for (int i = 0; i < orders.size(); i++) {
                out.writeUTF(samplers.get(i));
                int[] o = orders.get(i);
                out.writeInt(o.length);
                for (int v : o) {
                    out.writeInt(v);
                }
            }
        }
        return bytes.toByteArray();
    }

    /** Reads a chunk, checking it as it goes (a damaged or foreign object is an IOException). */
    public static EpochOrderChunk decode(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new InflaterInputStream(new ByteArrayInputStream(bytes)))) {
            if (in.readInt() != FORMAT) {
                throw new IOException("not a chunk of epoch orders");
            }
            int images = in.readInt();
            int first = in.readInt();
            int n = in.readInt();
            if (images < 0 || first < 1 || n < 1 || n > EPOCHS) {
                throw new IOException("a chunk of epoch orders with impossible bounds");
            }
            List<String> samplers = new ArrayList<>(n);
            List<int[]> orders = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                samplers.add(in.readUTF());
                int len = in.readInt();
                if (len < 0 || len > 64 * Math.max(images, 1)) {
                    throw new IOException("a chunk of epoch orders with an impossible length");
                }
                int[] o = new int[len];
                for (int j = 0; j < len; j++) {
                    o[j] = in.readInt();
                    if (o[j] < 0 || o[j] >= images) {
                        throw new IOException("epoch " + (first + i) + "'s order points outside the " + images + " images");
                    }
                }
                orders.add(o);
            }
            return new EpochOrderChunk(images, first, samplers, orders);
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new IOException("a damaged chunk of epoch orders: " + e.getMessage(), e);
        }
    }
}
