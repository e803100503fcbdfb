package io.lttricks.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's autocast, the switch behind {@code torch.autocast}, turned on for a region of code on
 * this thread: inside it, the convolutions, linear layers and matrix products DJL calls cast their
 * float32 inputs and weights to bfloat16 on the autograd tape (gradients reach the float32
 * parameters), batch norm runs on bfloat16 input with float32 weights and statistics, and
 * everything else keeps its type. {@link Backbone} opens one around its forward pass when its
 * {@link Precision} is {@link Precision#BF16}, and hands float32 outputs back ({@link #toFloat32}).
 *
 * <p>Why through JNA: DJL 0.36 has no autocast, and cannot name bfloat16 at all (its native dtype
 * table lacks it: {@code toType(BFLOAT16)} aborts the JVM), and its casts run without gradient. So
 * the switch calls libtorch's own functions ({@code at::autocast::set_autocast_enabled},
 * {@code set_autocast_dtype}, {@code increment_nesting}, {@code decrement_nesting},
 * {@code clear_cache}) in the library DJL loaded, by their C++ names for libtorch 2.4 and later
 * (on a GPU, for CUDA's autocast: untested here, no GPU was lent to these sessions).
 * Arrays that come out bfloat16 show as {@link DataType#UNKNOWN} to DJL; nothing but this class and
 * the ops inside the region should touch them.
 *
 * <p>When bf16 is asked where it cannot run natively ({@link #support}: a CPU without AVX512-BF16
 * or AMX-BF16, a GPU older than compute capability 8.0, or a libtorch without these functions), the forward pass runs in float32 and says so
 * once; {@link #effective} tells callers which precision a device really gets, for the reports.
 */
public final class Autocast implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Autocast.class);
    /** c10::DeviceType CPU and CUDA, c10::ScalarType BFloat16 (int8 enums, passed widened to int). */
    private static final int CPU = 0;
    private static final int CUDA = 1;
    private static final int BFLOAT16 = 15;
    private static final Autocast NONE = new Autocast(-1, false);
    private static volatile boolean warned;

    private final int device;
    private final boolean previous;

    private Autocast(int device, boolean previous) {
        this.device = device;
        this.previous = previous;
    }

    /**
     * A region in {@code precision} on {@code device} (the device of the inputs): a no-op for
     * {@link Precision#FP32}, and for bf16 where it is not supported (said once, in the log).
     * Close it before the backward pass; try-with-resources.
     */
    public static Autocast enter(Precision precision, Device device) {
        if (precision != Precision.BF16 || effective(precision, device) != Precision.BF16) {
            return NONE;
        }
        int type = device.isGpu() ? CUDA : CPU;
        Native n = Native.get();
        boolean before = (n.isEnabled.invokeInt(new Object[] {type}) & 0xff) != 0;
        n.setDtype.invokeVoid(new Object[] {type, BFLOAT16});
        n.setEnabled.invokeVoid(new Object[] {type, 1});
        n.incrementNesting.invokeLong(new Object[0]);
        return new Autocast(type, before);
    }

    @Override
    public void close() {
        if (device < 0) {
            return;
        }
        Native n = Native.get();
        // As torch.autocast's exit: the cache of weights cast to bf16 lives until the outermost
        // region closes; kept longer, the next step would run on the old weights' copies.
        if (n.decrementNesting.invokeLong(new Object[0]) == 0) {
            n.clearCache.invokeVoid(new Object[0]);
        }
        n.setEnabled.invokeVoid(new Object[] {device, previous ? 1 : 0});
    }

    /**
     * {@code x} as float32, differentiably: a bfloat16 array plus a float32 zero of shape [1]
     * promotes to float32 (DJL's own cast would drop the gradient); {@code x} itself when it is
     * already a type DJL knows. The caller closes {@code x} when the result is another array.
     */
    public static NDArray toFloat32(NDArray x) {
        if (x.getDataType() != DataType.UNKNOWN) {
            return x;
        }
        try (NDArray zero = x.getManager().zeros(new Shape(1))) {
            return x.add(zero);
        }
    }

    /**
     * The precision {@code device} runs when {@code asked} is asked: bf16 only where it is native
     * (a GPU, or a CPU with AVX512-BF16 or AMX-BF16) and libtorch's switch was found; else fp32,
     * with one warning saying why.
     */
    public static Precision effective(Precision asked, Device device) {
        if (asked != Precision.BF16) {
            return asked;
        }
        String missing = support(device);
        if (missing == null) {
            return Precision.BF16;
        }
        if (!warned) {
            warned = true;
            LOG.warn("precision bf16 asked, running fp32: {}", missing);
        }
        return Precision.FP32;
    }

    /** Why not, per device, once asked (the forward pass asks every time): "" where bf16 is native. */
    private static final java.util.Map<Device, String> SUPPORT = new java.util.concurrent.ConcurrentHashMap<>();

    /** Null where bf16 runs natively on {@code device}; else why not. */
    public static String support(Device device) {
        String why = SUPPORT.computeIfAbsent(device, d -> {
            String w = checkSupport(d);
            return w == null ? "" : w;
        });
        return why.isEmpty() ? null : why;
    }

    private static String checkSupport(Device device) {
        if (!device.isGpu() && !cpuHasNativeBf16()) {
            return "this CPU has neither AVX512-BF16 nor AMX-BF16 (bf16 would be emulated, slower than fp32)";
        }
        if (device.isGpu()) {
            String capability = gpuCapability(device);
            if (capability != null && Integer.parseInt(capability) < 80) {
                int c = Integer.parseInt(capability);
                return "this GPU (compute capability " + c / 10 + "." + c % 10
                        + ") has no native bf16 (8.0 and later: Ampere, Hopper, ...)";
            }
        }
        return Native.error();
    }

    /** The GPU's compute capability as CUDA says it ("80", "90"), or null where it cannot be read. */
    private static String gpuCapability(Device device) {
        try {
            String c = ai.djl.util.cuda.CudaUtils.getComputeCapability(device.getDeviceId());
            return c != null && c.matches("\\d{2,3}") ? c : null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether the CPU flags (Linux /proc/cpuinfo) show AVX512-BF16 or AMX-BF16. */
    static boolean cpuHasNativeBf16() {
        return CpuFlags.HAS_BF16;
    }

    private static final class CpuFlags {
        static final boolean HAS_BF16 = read();

        private static boolean read() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("flags")) {
                        String flags = " " + line.toLowerCase(Locale.ROOT) + " ";
                        return flags.contains(" avx512_bf16 ") || flags.contains(" amx_bf16 ");
                    }
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
            return false;
        }
    }

    /** libtorch's autocast functions, found once in the library DJL loaded. */
    private static final class Native {
        private static final Native INSTANCE;
        private static final String ERROR;

        static {
            Native found = null;
            String error = null;
            try {
                found = new Native(NativeLibrary.getInstance(loaded()));
            } catch (RuntimeException | LinkageError e) {
                error = "libtorch's autocast switch was not found (" + e.getMessage() + "); this build expects libtorch 2.4"
                        + " or later, as DJL's PyTorch engine 0.36 loads";
            }
            INSTANCE = found;
            ERROR = error;
        }

        final Function setEnabled;
        final Function isEnabled;
        final Function setDtype;
        final Function incrementNesting;
        final Function decrementNesting;
        final Function clearCache;

        private Native(NativeLibrary torch) {
            setEnabled = torch.getFunction("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
            isEnabled = torch.getFunction("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
            setDtype = torch.getFunction("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
            incrementNesting = torch.getFunction("_ZN2at8autocast17increment_nestingEv");
            decrementNesting = torch.getFunction("_ZN2at8autocast17decrement_nestingEv");
            clearCache = torch.getFunction("_ZN2at8autocast11clear_cacheEv");
        }

        static Native get() {
            if (INSTANCE == null) {
                throw new IllegalStateException(ERROR);
            }
            return INSTANCE;
        }

        static String error() {
            return ERROR;
        }

        /** The libtorch_cpu DJL loaded (from its cache directory), as this process maps it. */
        private static String loaded() {
            Engine.getEngine("PyTorch");
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                    int i = line.indexOf('/');
                    if (i >= 0 && line.endsWith("/libtorch_cpu.so")) {
                        return line.substring(i);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/self/maps: " + e.getMessage(), e);
            }
            throw new IllegalStateException("libtorch_cpu.so is not loaded in this process");
        }
    }
}
