package io.lttricks.platform.store;

import io.lttricks.platform.grpc.ClientMessages;
import io.lttricks.platform.Config;
import io.lttricks.platform.Platform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestData;
import io.lttricks.platform.testing.TestPlatform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the services read for a data set or an object: never a path of the server, never a file
 * outside the work directory's copy of the store, whatever the disk holds (issue 13, items 1 and 2).
 */
class DataAccessTest {
    @TempDir
    Path dir;

    InMemoryObjectStore store;
    Platform platform;
    DataAccess data;

    @BeforeEach
    void setUp() {
        store = new InMemoryObjectStore();
        platform = TestPlatform.of(dir, "test", store, new InMemoryEventBus(),
                Map.of(Config.DATASET_DIRS, dir.resolve("registered").toString()));
        data = new DataAccess(platform);
    }

    /** The work directory's copy of objects: work/objects/KEY. */
    Path objects() {
        return platform.config().workDir().resolve("objects");
    }

    /** Item 2: a key that climbs out of work/objects/ used to be served from the disk before it was checked. */
    @Test
    void fetchChecksTheKeyBeforeLookingAtTheDisk() throws IOException {
        Path secret = Files.writeString(Files.createDirectories(platform.config().workDir()).resolve("secret.txt"), "s3cr3t");
        for (String key : new String[] {"../secret.txt", "runs/../../secret.txt", secret.toString(), "runs//x",
                "runs/./x", "runs\\..\\..\\secret.txt", "runs/x\u0000", ""}) {
            assertThrows(IllegalArgumentException.class, () -> data.fetch(key), key);
        }
        store.put("runs/r/final.ckpt", new byte[] {1, 2}, "application/zip");
        Path copy = data.fetch("runs/r/final.ckpt");
        assertEquals(objects().resolve("runs/r/final.ckpt"), copy);
        assertTrue(Files.exists(copy));
    }

    /** A data set source given as s3://bucket/../..: the key check comes first, and nothing outside is loaded. */
    @Test
    void aReferenceThatClimbsOutOfTheBucketIsRefusedBeforeAnythingIsRead() throws IOException {
        Path planted = cifar(platform.config().workDir().resolve("planted"), 20);
        assertTrue(Files.isDirectory(planted));
        for (String source : new String[] {"s3://lttricks/../planted", "s3://lttricks/datasets/../../planted"}) {
            DatasetSpec spec = new DatasetSpec("cifar10", source, null, null, null, null, null, null, null, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.load(spec, null), source);
            assertTrue(e.getMessage().startsWith("dataset.source: "), e.getMessage());
        }
    }

    /** Item 1: a server path in any data set field is refused, even when the file is there to read. */
    @Test
    void localPathsAreNeverRead() throws IOException {
        Path local = cifar(dir.resolve("local"), 20);
        Path list = Files.writeString(dir.resolve("list.txt"), "a.jpg 0\n");
        DatasetSpec[] specs = {
            new DatasetSpec("cifar10", local.toString(), null, null, null, null, null, null, null, null),
            new DatasetSpec("list", "s3://lttricks/datasets/x.tar.gz", null, null, null, null, null, list.toString(),
                    "s3://lttricks/datasets/t.txt", null),
            new DatasetSpec("cifar10", null, null, null, null, null, list.toString(), null, null, null),
        };
        String[] fields = {"dataset.source", "dataset.train_list", "dataset.manifest"};
        for (int i = 0; i < specs.length; i++) {
            DatasetSpec spec = specs[i];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.load(spec, null));
            assertTrue(e.getMessage().startsWith(fields[i] + ": "), e.getMessage());
        }
    }

    /** Data sets the operator registered (LT_DATASET_DIRS) are named dataset://NAME, and nothing above them. */
    @Test
    void registeredDataSetsAreReadByName() throws IOException {
        cifar(dir.resolve("registered").resolve("cifar"), 20);
        Datasets.Loaded loaded = data.load(new DatasetSpec("cifar10", "dataset://cifar", 10.0, null, null, null, null,
                null, null, null), null);
        assertEquals(10, loaded.train().numClasses());
        IOException missing = assertThrows(IOException.class, () -> data.load(new DatasetSpec("cifar10",
                "dataset://other", null, null, null, null, null, null, null, null), null));
        assertTrue(missing.getMessage().contains("dataset://other"), missing.getMessage());
        assertFalse(missing.getMessage().contains(dir.toString()), "no server path: " + missing.getMessage());
        cifar(dir.resolve("outside"), 20);
        assertThrows(IllegalArgumentException.class, () -> data.load(new DatasetSpec("cifar10", "dataset://../outside",
                null, null, null, null, null, null, null, null), null));
    }

    /**
     * Issue 13's reproduction, with files the client may name: a list file that is not one. The
     * failure says where and what, never the line (a list file could be anything). The same for a
     * manifest that is not one: the place, never the word the parser stopped at.
     */
    @Test
    void aBadListFileIsReportedWithoutItsContent() throws IOException {
        Path images = Files.createDirectories(dir.resolve("registered").resolve("set").resolve("images"));
        Files.writeString(images.getParent().resolve("train.txt"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(images.getParent().resolve("up.txt"), "../../../etc/passwd 0\n");
        Files.writeString(images.getParent().resolve("abs.txt"), "/etc/passwd 0\n");
        for (String list : new String[] {"train.txt", "up.txt", "abs.txt"}) {
            DatasetSpec spec = new DatasetSpec("list", "dataset://set/images", null, null, null, null, null,
                    "dataset://set/" + list, "dataset://set/" + list, null);
            IOException e = assertThrows(IOException.class, () -> data.load(spec, null), list);
            String m = ClientMessages.scrub(e.getMessage(), platform.config(), store.bucket());
            assertTrue(m.contains("dataset://set/" + list + ":1: "), m);
            assertFalse(m.contains("root:x") || m.contains("etc/passwd") || m.contains("/bin/bash"), m);
            assertFalse(m.contains(dir.toString()), m);
        }
        cifar(dir.resolve("registered").resolve("cifar"), 20);
        store.put("datasets/notes.json", "hunter2:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.UTF_8),
                "application/json");
        DatasetSpec cifar = new DatasetSpec("cifar10", "dataset://cifar", null, null, null, null, null, null, null, null);
        IOException e = assertThrows(IOException.class, () -> data.load(cifar, "datasets/notes.json"), "a manifest");
        String m = ClientMessages.scrub(e.getMessage(), platform.config(), store.bucket());
        assertTrue(m.contains("it is not JSON of the form lttricks writes (line 1, column "), m);
        assertFalse(m.contains("hunter2") || m.contains("root") || m.contains(dir.toString()), m);
    }

    /**
     * Issue 25 item 5: a class-names file of a registered data set linked to a file outside it
     * (/etc/passwd in the probe) is refused naming the location, and none of its lines is quoted;
     * a link inside the data set and a data set's own directory linked from elsewhere are followed.
     */
    @Test
    void linksOutOfARegisteredDataSetAreRefusedWithoutTheirContent() throws IOException {
        Path set = Files.createDirectories(dir.resolve("registered").resolve("set"));
        Path images = Files.createDirectories(set.resolve("images").resolve("cat"));
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", images.resolve("a.png").toFile());
        Files.writeString(set.resolve("train.txt"), "cat/a.png 0\n");
        Path secret = Files.writeString(dir.resolve("secret.txt"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.createSymbolicLink(set.resolve("names.txt"), secret);
        DatasetSpec linked = new DatasetSpec("list", "dataset://set/images", null, null, null, null, null,
                "dataset://set/train.txt", "dataset://set/train.txt", "dataset://set/names.txt");
        IOException e = assertThrows(IOException.class, () -> data.load(linked, null));
        String m = ClientMessages.scrub(e.getMessage(), platform.config(), store.bucket());
        assertTrue(m.contains("dataset://set/names.txt leaves its registered data set through a symbolic link"), m);
        assertFalse(m.contains("root:x") || m.contains("/bin/bash") || m.contains(dir.toString()), m);

        Files.delete(set.resolve("names.txt"));
        Files.writeString(set.resolve("real-names.txt"), "cat\n");
        Files.createSymbolicLink(set.resolve("names.txt"), set.resolve("real-names.txt"));
        assertEquals(List.of("cat"), data.load(linked, null).train().classNames(), "a link inside the data set");

        Path elsewhere = Files.createDirectories(dir.resolve("big-disk"));
        Files.move(set, elsewhere.resolve("set"));
        Files.createSymbolicLink(set, elsewhere.resolve("set"));
        assertEquals(1, data.load(linked, null).train().size(), "the data set's own directory linked from elsewhere");
    }

    /** An ImageFolder of small PNGs: {@code perClass[c]} training and 2 test images of class c. */
    static Path imageFolder(Path root, int[] perClass) throws IOException {
        java.util.Random r = new java.util.Random(1);
        for (int c = 0; c < perClass.length; c++) {
            for (String split : new String[] {"train", "test"}) {
                int n = split.equals("train") ? perClass[c] : 2;
                for (int i = 0; i < n; i++) {
                    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(20, 20,
                            java.awt.image.BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 20; y++) {
                        for (int x = 0; x < 20; x++) {
                            img.setRGB(x, y, r.nextInt(1 << 24));
                        }
                    }
                    Path f = root.resolve(split).resolve("c" + c).resolve(i + ".png");
                    Files.createDirectories(f.getParent());
                    javax.imageio.ImageIO.write(img, "png", f.toFile());
                }
            }
        }
        return root;
    }

    /** Issue 28: a data set stored as shards is read from storage image by image, never as a whole download. */
    @Test
    void aShardSetInStorageStreamsThroughTheCache() throws IOException {
        Path folder = imageFolder(dir.resolve("folder"), new int[] {12, 6, 3});
        io.lttricks.core.data.FileImages train = io.lttricks.core.data.ImageFolder.open(folder.resolve("train"));
        io.lttricks.core.data.FileImages test = io.lttricks.core.data.ImageFolder.open(folder.resolve("test"));
        new io.lttricks.core.data.ShardSetWriter(8 << 10, dir.resolve("scratch"), io.lttricks.core.util.Progress.SILENT)
                .write(train, test, "folder", new io.lttricks.core.data.ShardSetWriter.Sink() {
                    @Override
                    public void put(String name, Path file) throws IOException {
                        store.putFile("datasets/small/" + name, file, "application/x-tar");
                    }

                    @Override
                    public void put(String name, byte[] bytes) throws IOException {
                        store.put("datasets/small/" + name, bytes, "application/octet-stream");
                    }
                });
        DatasetSpec spec = new DatasetSpec("imagefolder", "s3://lttricks/datasets/small/shards.json", 4.0, null, null,
                null, null, null, null, null);
        org.junit.jupiter.api.Assertions.assertNull(data.unavailable(spec));
        String missing = data.unavailable(spec.withSource("s3://lttricks/datasets/large/shards.json"));
        assertTrue(missing != null && missing.contains("lt dataset shard"), missing);
        Datasets.Loaded loaded = data.load(spec, null);
        assertEquals(List.of(12, 6, 3), java.util.Arrays.stream(loaded.train().classCounts()).boxed().toList(),
                "already 12:3, IF 4 keeps it");
        assertEquals(6, loaded.test().size());
        // Small images are decoded into memory at load, as CIFAR's are; the same pixels as the files.
        List<String> ids = java.util.stream.IntStream.range(0, train.size()).mapToObj(train::id).toList();
        for (int i = 0; i < loaded.train().size(); i++) {
            int at = ids.indexOf(loaded.train().id(i));
            org.junit.jupiter.api.Assertions.assertArrayEquals(train.image(at).chw(), loaded.train().image(i).chw(),
                    loaded.train().id(i));
        }
        assertFalse(Files.exists(objects().resolve("datasets/small/train-00000.tar")),
                "no shard is downloaded whole into the work directory's copy of objects");
        // The same set again is the same stream.
        org.junit.jupiter.api.Assertions.assertSame(data.shards(spec.source()), data.shards(spec.source()),
                "one stream per shard set and process");
        for (String bad : new String[] {"s3://lttricks/datasets/../runs/shards.json", "s3://other/datasets/small/shards.json"}) {
            DatasetSpec b = new DatasetSpec("imagefolder", bad, null, null, null, null, null, null, null, null);
            assertThrows(IllegalArgumentException.class, () -> data.load(b, null), bad);
        }
    }

    static Path cifar(Path dir, int perClass) throws IOException {
        return TestData.cifarDir(dir, perClass);
    }

    /**
     * RELIABILITY row 12: CIFAR named without a source, in neither storage nor the data directory,
     * with downloads off, is reported before any work (the run service asks at submission) and by
     * load, naming where the services look and the command that puts it there; found in either
     * place, or with downloads allowed, it is not.
     */
    @Test
    void cifarThatIsNowhereWithDownloadsOffIsReportedWithWhereToUploadIt() throws IOException {
        Platform offline = TestPlatform.of(dir, "test", store, new InMemoryEventBus(), Map.of(Config.DOWNLOADS, "off"));
        DataAccess access = new DataAccess(offline);
        DatasetSpec cifar100 = DatasetSpec.cifar10(100).withName("cifar100");
        String why = access.unavailable(cifar100);
        assertTrue(why != null && why.startsWith("CIFAR-100 is not in storage (s3://" + store.bucket()
                + "/datasets/cifar-100-binary.tar.gz or s3://" + store.bucket() + "/datasets/cifar-100-jpeg.tar.gz)"), why);
        assertTrue(why.contains("$LT_DATA_DIR") && why.contains("LT_DOWNLOADS=off")
                && why.contains("lt dataset upload cifar-100-binary.tar.gz"), why);
        assertFalse(why.contains(dir.toString()), why);
        IOException load = assertThrows(IOException.class, () -> access.load(cifar100, null));
        assertEquals(why, load.getMessage());

        assertEquals(null, new DataAccess(platform).unavailable(cifar100), "downloads allowed (the default)");
        assertTrue(access.unavailable(DatasetSpec.cifar10(100)).startsWith("CIFAR-10 is not in storage"));
        cifar(offline.config().dataDir().resolve("cifar-10-batches-bin"), 2);
        assertEquals(null, access.unavailable(DatasetSpec.cifar10(100)), "CIFAR-10 in the data directory");
        store.put("datasets/cifar-100-jpeg.tar.gz", new byte[] {1}, "application/gzip");
        assertEquals(null, access.unavailable(cifar100), "in storage");
    }

    @Test
    void downloadsAreOnOrOff() {
        assertTrue(TestPlatform.config(dir, "t").downloads());
        assertFalse(TestPlatform.config(dir, "t", Map.of(Config.DOWNLOADS, "OFF")).downloads());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TestPlatform.config(dir, "t", Map.of(Config.DOWNLOADS, "never")));
        assertEquals("LT_DOWNLOADS must be on or off, got 'never'", bad.getMessage());
    }
}
