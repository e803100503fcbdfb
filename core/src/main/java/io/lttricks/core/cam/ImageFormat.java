package io.lttricks.core.cam;

import io.lttricks.core.data.RgbImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * How generated images are stored: PNG (lossless, the default) or JPEG at quality 95 (what the
 * official script's {@code cv2.imwrite(... .jpg)} writes: a second lossy pass over the images).
 */
public enum ImageFormat {
    PNG("png"),
    JPEG("jpg");

    private final String extension;

    ImageFormat(String extension) {
        this.extension = extension;
    }

    /** The file name extension, without the dot. */
    public String extension() {
        return extension;
    }

    public byte[] encode(RgbImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(image.width() * image.height() * 3 / 4 + 1024);
        if (this == PNG) {
            ImageIO.write(image.toBufferedImage(), "png", out);
            return out.toByteArray();
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image.toBufferedImage(), null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
