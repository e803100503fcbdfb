package io.lttricks.core.model;

import java.util.List;
import java.util.Locale;

/** The backbone vocabulary: resnet32 (CIFAR), resnet10 (ImageNet-LT), resnet50 (iNaturalist), ... */
public final class Backbones {
    public static final List<String> NAMES = List.of("resnet20", "resnet32", "resnet44", "resnet56", "resnet110",
            "resnet10", "resnet18", "resnet34", "resnet50", "resnet101");

    private Backbones() {
    }

    public static Backbone create(String name, int numClasses) {
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (key) {
            case "resnet20" -> new CifarResNet(20, numClasses);
            case "resnet32", "res32cifar" -> new CifarResNet(32, numClasses);
            case "resnet44" -> new CifarResNet(44, numClasses);
            case "resnet56" -> new CifarResNet(56, numClasses);
            case "resnet110" -> new CifarResNet(110, numClasses);
            case "resnet10" -> new ImageNetResNet(10, numClasses);
            case "resnet18" -> new ImageNetResNet(18, numClasses);
            case "resnet34" -> new ImageNetResNet(34, numClasses);
            case "resnet50" -> new ImageNetResNet(50, numClasses);
            case "resnet101" -> new ImageNetResNet(101, numClasses);
            default -> throw new IllegalArgumentException("unknown backbone '" + name + "': use one of " + NAMES
                    + " (CIFAR layout: resnet20..resnet110; ImageNet layout: resnet10..resnet101)");
        };
    }

    /** The places manifold mixup can mix in the named backbone, without building it. */
    public static java.util.Set<io.lttricks.core.mixup.MixLocation> mixLocations(String name) {
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (!NAMES.contains(key) && !key.equals("res32cifar")) {
            throw new IllegalArgumentException("unknown backbone '" + name + "': use one of " + NAMES);
        }
        boolean cifar = key.equals("res32cifar") || List.of("resnet20", "resnet32", "resnet44", "resnet56", "resnet110")
                .contains(key);
        return cifar ? CifarResNet.MIX_LOCATIONS : ImageNetResNet.MIX_LOCATIONS;
    }

    /** The canonical name of a backbone (resnet32 for res32_cifar, ...). */
    public static String canonical(String name) {
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        if (key.equals("res32cifar")) {
            return "resnet32";
        }
        if (!NAMES.contains(key)) {
            throw new IllegalArgumentException("unknown backbone '" + name + "': use one of " + NAMES
                    + " (CIFAR layout: resnet20..resnet110; ImageNet layout: resnet10..resnet101)");
        }
        return key;
    }

    /** True for the 32x32 CIFAR layout. */
    public static boolean isCifarLayout(Backbone b) {
        return b instanceof CifarResNet;
    }
}
