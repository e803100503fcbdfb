package io.lttricks.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * A 1x1 convolution (the bottlenecks' and the downsampling shortcuts') computed as a matrix
 * product over channels: y[n, o, h, w] = sum_c W[o, c] x[n, c, s*h, s*w] (+ b[o]). The same
 * function as the convolution, with the same gradients.
 *
 * <p>Why not the convolution: libtorch 2.7.1's oneDNN (3.7.1) picks its brgemm 1x1 kernel for
 * these and, on some CPUs, its blocking heuristic divides by zero while planning it (SIGFPE in
 * {@code brg_blocking_t::est_eff_1x1}), which kills the JVM: seen on a 2-core AMD EPYC VM
 * (2026-12-01) for every ResNet-50 input size tried (64 to 224), NCHW or channels-last, whatever
 * ONEDNN_MAX_CPU_ISA down to AVX2. oneDNN fixed the kernel later (oneDNN pull 3453); until DJL
 * ships a libtorch with it, the matrix product (MKL's gemm) avoids the kernel on every CPU.
 */
final class Pointwise {
    private Pointwise() {
    }

    /** Whether {@code conv} is a plain 1x1 convolution (no padding or groups). */
    static boolean applies(Conv2d conv) {
        return applies(conv.getKernelShape(), conv.getPadding(), conv.getGroups());
    }

    /** The same from a kernel's shape ([..., kh, kw] or [kh, kw]), its padding and groups. */
    static boolean applies(Shape kernel, Shape padding, int groups) {
        int d = kernel.dimension();
        return kernel.get(d - 2) == 1 && kernel.get(d - 1) == 1 && groups == 1 && padding.get(0) == 0 && padding.get(1) == 0;
    }

    /** A 1x1 convolution block's output for {@code x}, its weight (and bias) from the parameter store. */
    static NDArray forward(ai.djl.training.ParameterStore ps, Conv2d conv, NDArray x, boolean training) {
        NDArray weight = ps.getValue(conv.getParameters().get("weight"), x.getDevice(), training);
        NDArray bias = conv.isIncludeBias() ? ps.getValue(conv.getParameters().get("bias"), x.getDevice(), training) : null;
        return apply(x, weight, bias, conv.getStride());
    }

    /**
     * @param x      the input, [N, C, H, W] (any memory layout)
     * @param weight [O, C, 1, 1]
     * @param bias   [O], or null
     * @param stride the convolution's stride (rows, columns)
     * @return [N, O, H', W'], stored channels-last
     */
    static NDArray apply(NDArray x, NDArray weight, NDArray bias, Shape stride) {
        long sh = stride.get(0);
        long sw = stride.get(1);
        long out = weight.getShape().get(0);
        long in = weight.getShape().get(1);
        // Sample in the NHWC view, not in NCHW: the slice's gradient is a zero tensor of the sliced
        // tensor's shape, contiguous; in NHWC order that is channels-last for x, like every other
        // gradient of the network. Sliced in NCHW it was NCHW-contiguous, and the ReLU backward that
        // met it beside channels-last tensors took a slow strided path (6x at ResNet-50's stage ends).
        NDArray full = x.transpose(0, 2, 3, 1);
        NDArray nhwc = sh == 1 && sw == 1 ? full : full.get(":, ::" + sh + ", ::" + sw + ", :");
        try (NDArray w = weight.reshape(out, in).transpose()) {
            NDArray y = nhwc.matMul(w);
            if (bias != null) {
                y.addi(bias);
            }
            NDArray nchw = y.transpose(0, 3, 1, 2);
            y.close();   // the view keeps the storage
            if (nhwc != full) {
                nhwc.close();
            }
            full.close();
            return nchw;
        }
    }
}
