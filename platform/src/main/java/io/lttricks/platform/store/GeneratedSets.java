package io.lttricks.platform.store;

import io.lttricks.platform.grpc.ClientInputs;
import io.lttricks.platform.Platform;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lttricks.core.cam.CamGenerator;
import io.lttricks.core.cam.GeneratedSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Generated sets in object storage: each shard is one zip (its PNGs in the set's layout and
 * {@code entries.json}), written with fixed entry times so that generating a shard twice writes the
 * same bytes; the set's manifest ({@code generated.json}), written last, merges the shards' entries.
 */
public final class GeneratedSets {
    static final String ENTRIES = "entries.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Platform platform;

    public GeneratedSets(Platform platform) {
        this.platform = platform;
    }

    /** A shard's zip: the images in their format (PNG, or JPEG for the official preset) under their set paths, and their manifest entries. */
    public static byte[] shardZip(List<String> classes, List<CamGenerator.Generated> images) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<GeneratedSet.Entry> entries = new ArrayList<>();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (CamGenerator.Generated g : images) {
                String path = GeneratedSet.relativePath(classes, g);
                entries.add(new GeneratedSet.Entry(g.index(), path, g.label(), g.sourceId(), g.transform(),
                        g.foregroundPixels()));
                ZipEntry e = new ZipEntry(path);
                e.setTime(0);
                zip.putNextEntry(e);
                zip.write(g.encode());
                zip.closeEntry();
            }
            ZipEntry e = new ZipEntry(ENTRIES);
            e.setTime(0);
            zip.putNextEntry(e);
            zip.write(JSON.writeValueAsBytes(entries));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** The manifest entries inside a stored shard. */
    public List<GeneratedSet.Entry> entries(String shardKey) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(platform.store().get(shardKey)))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (e.getName().equals(ENTRIES)) {
                    return JSON.readValue(zip.readAllBytes(), new TypeReference<List<GeneratedSet.Entry>>() { });
                }
            }
        }
        throw new IOException(shardKey + " holds no " + ENTRIES);
    }

    /** Merges the shards' entries into the set's manifest and stores it: the set is complete. */
    public GeneratedSet.Manifest complete(String generatedPrefix, GeneratedSet.Manifest header) throws IOException {
        List<GeneratedSet.Entry> all = new ArrayList<>();
        for (String key : platform.store().list(Keys.shards(generatedPrefix), Keys::isShard)) {
            all.addAll(entries(key));
        }
        all.sort(Comparator.comparingLong(GeneratedSet.Entry::index));
        GeneratedSet.Manifest m = new GeneratedSet.Manifest(header.format(), header.method(), header.preset(),
                header.thresholdFactor(), header.paste(), header.seed(), header.checkpoint(), header.classes(),
                header.perClass(), all);
        platform.store().put(Keys.generatedManifest(generatedPrefix), JSON.writeValueAsBytes(m), "application/json");
        return m;
    }

    /**
     * Downloads a complete set (manifest key {@code .../generated.json}) into the work directory and
     * returns the local directory, ready for {@link GeneratedSet#images}.
     */
    public Path download(String manifestKey) throws IOException {
        ClientInputs.key(manifestKey, "generated_key", ClientInputs.OUTPUT_PREFIXES);
        String prefix = manifestKey.substring(0, manifestKey.lastIndexOf('/'));
        Path dir = platform.config().workDir().resolve(prefix);
        if (Files.exists(dir.resolve(GeneratedSet.MANIFEST))) {
            return dir;
        }
        Files.createDirectories(dir);
        for (String key : platform.store().list(Keys.shards(prefix), Keys::isShard)) {
            try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(platform.store().get(key)))) {
                ZipEntry e;
                while ((e = zip.getNextEntry()) != null) {
                    if (e.getName().equals(ENTRIES)) {
                        continue;
                    }
                    Path out = dir.resolve(e.getName()).normalize();
                    if (!out.startsWith(dir)) {
                        throw new IOException("shard " + key + " has an entry outside the set: " + e.getName());
                    }
                    Files.createDirectories(out.getParent());
                    Files.copy(zip, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        GeneratedSet.Manifest m = JSON.readValue(platform.store().get(manifestKey), GeneratedSet.Manifest.class);
        GeneratedSet.writeManifest(dir, m);
        return dir;
    }


}
