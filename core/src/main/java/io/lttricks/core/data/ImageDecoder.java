package io.lttricks.core.data;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.w3c.dom.Node;

/**
 * Decodes image files to planar RGB with the JDK's own readers (javax.imageio), straight from
 * their pixel buffers, with PIL's conversions, so that every image means what it means to
 * torchvision's loader ({@code Image.open(f).convert("RGB")}):
 *
 * <ul>
 *   <li>colour JPEGs (YCbCr): libjpeg's own YCbCr to RGB, copied from the decoded BGR bytes;
 *   <li>greyscale (one channel): the stored grey level in all three channels. (The JDK's
 *       {@code getRGB} treats a grey JPEG as linear grey and brightens it: 188 becomes 223.)
 *   <li>CMYK and YCCK JPEGs (four channels), which the JDK's reader cannot turn into colours (it
 *       returns garbage or throws): the raw samples, YCC to RGB first for YCCK (Adobe transform 2),
 *       then PIL's conversion R = (255 - C)(255 - K) / 255 on the ink values, the stored values
 *       read as inverted when an Adobe marker is present (as Photoshop writes and PIL reads them).
 *       No ICC colour management, as PIL.
 *   <li>anything else ImageIO reads (PNG, ...): through {@code getRGB}.
 * </ul>
 *
 * Decoding itself is the JDK's libjpeg: docs/PERFORMANCE.md ("Input pipeline") has the decoders
 * measured against one another and why this one.
 */
final class ImageDecoder {
    private ImageDecoder() {
    }

    /** Chooses the part of an image to decode, from its size: {x, y, width, height}, or null for all of it. */
    @FunctionalInterface
    interface Region {
        int[] of(int width, int height);
    }

    /** Largest image decoded (64 Mpx, 8192 x 8192): far above ImageNet's and iNaturalist's, far below what exhausts memory. */
    static final long MAX_PIXELS = 64L * 1024 * 1024;

    static RgbImage decode(Path file) throws IOException {
        return decode(file, null);
    }

    /**
     * Decodes the part of the image that {@code region} chooses from the image's size (read from
     * the header first). The JDK's JPEG reader stops after the region's last row and converts and
     * copies only its columns, so a crop costs less than the whole image.
     */
    static RgbImage decode(Path file, Region region) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + file);
            }
            return decode(in, file.toString(), region);
        }
    }

    /**
     * Decodes an encoded image held in memory (what a client sent) exactly as {@link #decode(Path)}
     * decodes the same bytes in a file.
     *
     * @param name what error messages call the image
     */
    static RgbImage decode(byte[] encoded, String name) throws IOException {
        return decode(encoded, name, null);
    }

    /** {@link #decode(byte[], String)}, only the part {@code region} chooses (null: all of it). */
    static RgbImage decode(byte[] encoded, String name, Region region) throws IOException {
        // In memory: ImageIO.createImageInputStream would cache the stream in a temporary file.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            return decode(in, name, region);
        }
    }

    private static RgbImage decode(ImageInputStream in, String name, Region region) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new IOException("not a readable image (JPEG or PNG expected): " + name);
        }
        ImageReader reader = readers.next();
        try {
            reader.setInput(in, false, false);
            long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
            if (pixels > MAX_PIXELS) {
                // A header can claim any size; decoding it would take pixels x 4 bytes at once.
                throw new IOException("the image is " + reader.getWidth(0) + " x " + reader.getHeight(0)
                        + " pixels, more than the " + MAX_PIXELS + " (8192 x 8192) an image may have here");
            }
            boolean jpeg = "jpeg".equalsIgnoreCase(reader.getFormatName());
            ImageReadParam param = reader.getDefaultReadParam();
            if (region != null) {
                int[] r = region.of(reader.getWidth(0), reader.getHeight(0));
                if (r != null) {
                    param.setSourceRegion(new Rectangle(r[0], r[1], r[2], r[3]));
                }
            }
            BufferedImage image = null;
            try {
                image = reader.read(0, param);
            } catch (javax.imageio.IIOException e) {
                if (!jpeg || components(reader) != 4) { // YCCK: "Unsupported Image Type"
                    throw e;
                }
            }
            if (jpeg && (image == null || image.getRaster().getNumBands() == 4)) {
                // CMYK: the reader's colours are wrong; its raw samples are right.
                return fromCmyk(reader.readRaster(0, param), adobeTransform(reader));
            }
            return fromImage(image);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode image " + name + ": " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    /** Channels of a JPEG from its frame header (the metadata the reader parsed with the header). */
    private static int components(ImageReader reader) throws IOException {
        Node sof = find(jpegTree(reader), "sof");
        if (sof == null) {
            return -1;
        }
        Node n = sof.getAttributes().getNamedItem("numFrameComponents");
        return n == null ? -1 : Integer.parseInt(n.getNodeValue());
    }

    /** The Adobe APP14 transform (0: CMYK, 2: YCCK), or -1 without an Adobe marker. */
    private static int adobeTransform(ImageReader reader) throws IOException {
        Node adobe = find(jpegTree(reader), "app14Adobe");
        if (adobe == null) {
            return -1;
        }
        Node t = adobe.getAttributes().getNamedItem("transform");
        return t == null ? 0 : Integer.parseInt(t.getNodeValue());
    }

    private static Node jpegTree(ImageReader reader) throws IOException {
        IIOMetadata meta = reader.getImageMetadata(0);
        return meta.getAsTree("javax_imageio_jpeg_image_1.0");
    }

    private static Node find(Node node, String name) {
        if (name.equals(node.getNodeName())) {
            return node;
        }
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node f = find(c, name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    static RgbImage fromImage(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int plane = w * h;
        Raster raster = image.getRaster();
        if ((image.getType() == BufferedImage.TYPE_3BYTE_BGR || image.getType() == BufferedImage.TYPE_BYTE_GRAY)
                && raster.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            byte[] src = db.getData();
            int stride = sm.getScanlineStride();
            int pixel = sm.getPixelStride();
            byte[] out = new byte[3 * plane];
            if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(src, y * stride, out, y * w, w);
                }
                System.arraycopy(out, 0, out, plane, plane);
                System.arraycopy(out, 0, out, 2 * plane, plane);
                return new RgbImage(w, h, out);
            }
            int[] off = sm.getBandOffsets(); // B, G, R for TYPE_3BYTE_BGR: R is band 0 of the colour model
            int r = off[0];
            int g = off[1];
            int b = off[2];
            for (int y = 0; y < h; y++) {
                int s = y * stride;
                int o = y * w;
                for (int x = 0; x < w; x++, s += pixel, o++) {
                    out[o] = src[s + r];
                    out[plane + o] = src[s + g];
                    out[2 * plane + o] = src[s + b];
                }
            }
            return new RgbImage(w, h, out);
        }
        return RgbImage.from(image);
    }

    /**
     * Four-channel JPEG samples to RGB as PIL converts them.
     *
     * @param transform the Adobe transform (0 CMYK, 2 YCCK), or -1 without an Adobe marker
     */
    static RgbImage fromCmyk(Raster raster, int transform) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int plane = w * h;
        byte[] out = new byte[3 * plane];
        int[] px = new int[4 * w];
        boolean inverted = transform >= 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int c0 = px[4 * x];
                int c1 = px[4 * x + 1];
                int c2 = px[4 * x + 2];
                int k = px[4 * x + 3];
                if (transform == 2) {
                    // YCC (JFIF's equations) to the stored CMY values, as libjpeg's YCCK->CMYK.
                    double yy = c0;
                    double cb = c1 - 128.0;
                    double cr = c2 - 128.0;
                    c0 = clamp((int) Math.round(yy + 1.402 * cr));
                    c1 = clamp((int) Math.round(yy - 0.344136 * cb - 0.714136 * cr));
                    c2 = clamp((int) Math.round(yy + 1.772 * cb));
                }
                // Ink values: stored inverted under an Adobe marker.
                if (inverted) {
                    c0 = 255 - c0;
                    c1 = 255 - c1;
                    c2 = 255 - c2;
                    k = 255 - k;
                }
                int nk = 255 - k;
                int o = y * w + x;
                out[o] = (byte) mulDiv255(255 - c0, nk);
                out[plane + o] = (byte) mulDiv255(255 - c1, nk);
                out[2 * plane + o] = (byte) mulDiv255(255 - c2, nk);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** a * b / 255 rounded as PIL's MULDIV255. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return (t + (t >> 8)) >> 8;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }
}
