/*
 * The floating-point peak of this machine's cores: fp32 fused multiply-adds (AVX-512) and bf16 dot
 * products (AVX512-BF16, vdpbf16ps), many independent accumulators per thread so that latency does
 * not limit throughput, one thread per core asked for. Prints one line of JSON:
 *   {"threads": T, "fp32_gflops": X, "bf16_gflops": Y}
 * Built and run by bench/onednn-kernels (gcc -O2 -fopenmp -mavx512f -mavx512bf16).
 * A 512-bit FMA is 32 fp32 operations; a 512-bit vdpbf16ps is 64 (32 products and 32 additions).
 */
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define ACC 12
/* Twelve accumulators as separate variables (an array would live in memory and measure stores). */
/* Each starts from its own value, or the compiler computes one and copies it. */
#define V(i) _mm512_set1_ps(0.5f + 0.01f * (i))
#define DECLARE() __m512 c0 = V(0), c1 = V(1), c2 = V(2), c3 = V(3), c4 = V(4), c5 = V(5), c6 = V(6), c7 = V(7), \
        c8 = V(8), c9 = V(9), c10 = V(10), c11 = V(11)
#define STEP(x, op) { __m512 c = x; op; x = c; }
#define EACH(op) do { STEP(c0, op); STEP(c1, op); STEP(c2, op); STEP(c3, op); STEP(c4, op); STEP(c5, op); \
        STEP(c6, op); STEP(c7, op); STEP(c8, op); STEP(c9, op); STEP(c10, op); STEP(c11, op); } while (0)
#define SUM() _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)), \
        _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)), \
        _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11))))
#define ITERS 20000000L

static double run_fp32(void) {
    double t0 = omp_get_wtime();
    float sink = 0;
#pragma omp parallel reduction(+ : sink)
    {
        __m512 a = _mm512_set1_ps(1.0000001f), b = _mm512_set1_ps(0.9999999f);
        DECLARE();
        for (long n = 0; n < ITERS; n++) {
            EACH(c = _mm512_fmadd_ps(a, c, b));
        }
        sink += _mm512_reduce_add_ps(SUM());
    }
    double t = omp_get_wtime() - t0;
    if (sink == 42.0f) puts("");   /* keeps the loop */
    return (double) omp_get_max_threads() * ITERS * ACC * 32 / t / 1e9;
}

static double run_bf16(void) {
    double t0 = omp_get_wtime();
    float sink = 0;
#pragma omp parallel reduction(+ : sink)
    {
        __m512bh a = (__m512bh) _mm512_set1_epi16(0x3f80), b = (__m512bh) _mm512_set1_epi16(0x3f80);
        DECLARE();
        for (long n = 0; n < ITERS; n++) {
            EACH(c = _mm512_dpbf16_ps(c, a, b));
        }
        sink += _mm512_reduce_add_ps(SUM());
    }
    double t = omp_get_wtime() - t0;
    if (sink == 42.0f) puts("");
    return (double) omp_get_max_threads() * ITERS * ACC * 64 / t / 1e9;
}

int main(int argc, char **argv) {
    if (argc > 1) omp_set_num_threads(atoi(argv[1]));
    run_fp32();   /* warm-up: clocks up */
    double fp32 = run_fp32();
    double bf16 = __builtin_cpu_supports("avx512bf16") ? run_bf16() : 0.0;
    printf("{\"threads\": %d, \"fp32_gflops\": %.1f, \"bf16_gflops\": %.1f}\n", omp_get_max_threads(), fp32, bf16);
    return 0;
}
