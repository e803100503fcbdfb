package io.lttricks.platform.grpc;

import io.lttricks.platform.Config;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.core.data.DatasetSpec;
import io.lttricks.platform.testing.InMemoryObjectStore;
import io.lttricks.platform.testing.TestPlatform;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules of what a client may name, and what comes back to it when something fails. */
class ClientInputsTest {
    static final String BUCKET = "lttricks";

    @Test
    void keysAreCanonicalOrRefused() {
        for (String good : List.of("runs/r/01-a/final.ckpt", "datasets/cifar-10-binary.tar.gz", "a", "runs/a..b/c",
                "datasets/" + "x".repeat(255))) {
            assertNull(Keys.problem(good), good);
            assertEquals(good, Keys.check(good));
        }
        Map<String, String> bad = Map.ofEntries(
                Map.entry("", "empty"), Map.entry("/etc/passwd", "absolute"), Map.entry("../x", "'..'"),
                Map.entry("runs/../x", "'..'"), Map.entry("runs/./x", "'.'"), Map.entry("runs//x", "'//'"),
                Map.entry("runs/x/", "ends with '/'"), Map.entry("runs\\x", "backslash"),
                Map.entry("runs/x\u0000", "control"), Map.entry("runs/x\nfoo", "control"),
                Map.entry("runs/x\u007f", "control"), Map.entry("runs/\u2028", "control"),
                Map.entry("datasets/" + "x".repeat(256), "segment longer"),
                Map.entry("d/".repeat(600) + "x", "longer than 1024"));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            String problem = Keys.problem(e.getKey());
            assertTrue(problem != null && problem.contains(e.getValue()), e.getKey() + ": " + problem);
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> ObjectStore.checkKey(e.getKey()));
            assertFalse(x.getMessage().contains("\n") || x.getMessage().contains("\u0000"), "escaped: " + x.getMessage());
        }
        InMemoryObjectStore store = new InMemoryObjectStore();
        assertThrows(IllegalArgumentException.class, () -> store.put("runs\\..\\x", new byte[0], "x"));
    }

    @Test
    void clientKeysStayUnderTheirPrefixes() {
        assertEquals("runs/r/x.ckpt", ClientInputs.key("runs/r/x.ckpt", "init_key", ClientInputs.CHECKPOINT_PREFIXES));
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> ClientInputs.key("datasets/x.ckpt", "init_key", ClientInputs.CHECKPOINT_PREFIXES));
        assertTrue(outside.getMessage().startsWith("init_key: "), outside.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ClientInputs.key("runsx/y", "output_prefix", ClientInputs.OUTPUT_PREFIXES));
        assertEquals("", ClientInputs.optionalKey("", "init_key", ClientInputs.CHECKPOINT_PREFIXES));
        assertThrows(IllegalArgumentException.class, () -> Keys.keyOf("s3://lttricks/../etc", BUCKET));
        assertThrows(IllegalArgumentException.class, () -> Keys.keyOf("s3://other/runs/x", BUCKET));
    }

    @Test
    void dataSetsNameObjectsOrRegisteredSetsOnly() {
        ClientInputs.dataset(spec("s3://lttricks/datasets/a.tar.gz", "dataset://imagenet/train.txt"), BUCKET, "dataset");
        ClientInputs.dataset(new DatasetSpec("cifar10", null, 100.0, null, null, null, null, null, null, null), BUCKET, "dataset");
        Map<String, DatasetSpec> refused = Map.of(
                "dataset.source", spec("/data/imagenet", null),
                "dataset.train_list", spec(null, "train.txt"),
                "dataset.source: 's3://other", spec("s3://other/datasets/a.tar.gz", null),
                "dataset.source: 'dataset://../", spec("dataset://../etc", null),
                "dataset.train_list: 'dataset:///", spec(null, "dataset:///etc/passwd"),
                "dataset.source: 'runs/", spec("s3://lttricks/runs/r/x.tar.gz", null));
        for (Map.Entry<String, DatasetSpec> e : refused.entrySet()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> ClientInputs.dataset(e.getValue(), BUCKET, "dataset"), e.getKey());
            assertTrue(x.getMessage().startsWith(e.getKey()), x.getMessage());
        }
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> ClientInputs.dataset(spec("/data/imagenet", null), BUCKET, "dataset"));
        assertTrue(path.getMessage().contains("lt dataset upload") && path.getMessage().contains("LT_DATASET_DIRS"),
                "says what to do instead: " + path.getMessage());
        List<ClientInputs.Location> where = ClientInputs.locationsOf(spec("s3://lttricks/datasets/a.tar.gz",
                "dataset://imagenet/train.txt"), BUCKET, "dataset");
        assertEquals(List.of(new ClientInputs.Location("dataset.source", "datasets/a.tar.gz", null),
                new ClientInputs.Location("dataset.train_list", null, "imagenet/train.txt")), where);
    }

    static DatasetSpec spec(String source, String trainList) {
        return new DatasetSpec("list", source, null, null, null, null, null, trainList, null, null);
    }

    @Test
    void clientValuesAreQuotedShortAndEscaped() {
        assertEquals("'abc'", ClientInputs.quote("abc"));
        assertEquals("'a\\u000ab'", ClientInputs.quote("a\nb"));
        String q = ClientInputs.quote("n".repeat(300));
        assertTrue(q.length() < 110 && q.endsWith("(300 characters)"), q);
    }

    /** What a failure says to a client carries no path of the server. */
    @Test
    void failureReasonsCarryNoServerPath() {
        Path base = Path.of("/srv/lt");
        Config config = TestPlatform.config(base, "t", Map.of(Config.DATASET_DIRS, "/mnt/sets"));
        String work = config.workDir().toString();
        assertEquals("cannot read archive s3://lttricks/datasets/x.tar.gz: it ends early",
                ClientMessages.scrub("cannot read archive " + work + "/objects/datasets/x.tar.gz: it ends early", config, BUCKET));
        assertEquals("dataset://imagenet/train.txt:3: negative label -1",
                ClientMessages.scrub("/mnt/sets/imagenet/train.txt:3: negative label -1", config, BUCKET));
        assertEquals("no such directory $LT_WORK_DIR/runs/x",
                ClientMessages.scrub("no such directory " + work + "/runs/x", config, BUCKET));
        assertEquals("image .../secret.png is not an image; s3://lttricks/runs/r stays",
                ClientMessages.scrub("image /opt/app/data/secret.png is not an image; s3://lttricks/runs/r stays", config, BUCKET));
        assertEquals("unknown error", ClientMessages.scrub(null, config, BUCKET));
        String tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString();
        String home = Path.of(System.getProperty("user.home")).toAbsolutePath().normalize().toString();
        for (String name : new String[] {"dataset://sets" + tmp + "/x", "dataset://a" + home + "/y",
                "s3://lttricks/runs" + tmp + "/z", "dataset://x" + tmp + "-files/a.txt"}) {
            assertEquals("no class in " + name, ClientMessages.scrub("no class in " + name, config, BUCKET),
                    "a path inside a client's name is the client's, left alone");
        }
        assertEquals("cannot open $TMPDIR/a.bin", ClientMessages.scrub("cannot open " + tmp + "/a.bin", config, BUCKET));
        assertEquals("see ~/x", ClientMessages.scrub("see " + home + "/x", config, BUCKET));
        assertEquals("a file .../b is not the tmp directory",
                ClientMessages.scrub("a file " + tmp + "x/b is not the tmp directory", config, BUCKET),
                "a longer name is another directory: the last name only, not $TMPDIR + x");
        assertTrue(ClientMessages.scrub("x".repeat(5000), config, BUCKET).length() < ClientMessages.MAX_CHARS + 100);
        assertEquals("unexpected end of file (truncated?)", ClientMessages.reason(new java.io.EOFException()));
    }
}
