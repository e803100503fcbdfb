#!/usr/bin/env python3
"""The oneDNN kernels two training steps ran, side by side, from ONEDNN_VERBOSE=1 logs.

    bench/onednn_kernels.py OURS.log REFERENCE.log --warmup W [--peak-fp32 G --peak-bf16 G]

Each log is the whole output of one `phases` run (bench/lt-bench train-throughput --config phases,
bench/pytorch_reference.py --config phases) with ONEDNN_VERBOSE=1: oneDNN's `exec` lines, then the
run's JSON line. oneDNN 3.x (libtorch 2.7.1, ours) and 2.x (PyTorch 1.13) write different line
heads; both are read. Steps are told apart by the network's first convolution (3 input channels,
forward), which runs once per step; the first W steps (the run's warm-up: oneDNN compiles its
kernels there) are left out.

Prints, per primitive (kind, direction, implementation), calls and milliseconds per step on both
sides; the floating-point work of the convolutions and matrix products (2 x multiply-adds, from
each line's problem descriptor) and the rate oneDNN achieved on it; the step's time outside oneDNN
(the JSON line's phases less the kernels: batch norm, ReLU, additions, the loss, SGD and the
framework's own work). With --peak-* (GFLOP/s of the cores, e.g. from bench/onednn-kernels' GEMM),
each rate as a fraction of that peak.
"""
import argparse
import json
import re
import sys
from collections import defaultdict

CONV = re.compile(r"mb(\d+)_?g?(\d*)_?ic(\d+)oc(\d+)_(?:id\d+od\d+kd\d+sd\d+dd\d+pd\d+_)?"
                  r"ih(\d+)oh(\d+)kh(\d+)sh\d+dh\d+ph\d+_iw(\d+)ow(\d+)kw(\d+)")


def parse(path):
    """(steps as lists of (kind, prop, impl, flops, ms), the run's JSON line or None)."""
    steps, current, result = [], None, None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and line.endswith("}"):
                try:
                    result = json.loads(line)
                except ValueError:
                    pass
                continue
            if not line.startswith("onednn_verbose") and not line.startswith("dnnl_verbose"):
                continue
            fields = line.split(",")
            if "exec" not in fields:
                continue
            i = fields.index("exec")
            try:
                kind, impl, prop = fields[i + 2], fields[i + 3], fields[i + 4]
                ms = float(fields[-1])
            except (IndexError, ValueError):
                continue
            problem = fields[-2]
            flops = 0
            if kind == "convolution":
                m = CONV.search(problem)
                if m:
                    mb, g, ic, oc, _, oh, kh, _, ow, kw = (int(v) if v else 1 for v in m.groups())
                    flops = 2 * mb * oc * oh * ow * (ic // max(g, 1)) * kh * kw
                if prop == "forward_training" and m and int(m.group(3)) == 3:
                    current = []
                    steps.append(current)
            elif kind in ("matmul", "inner_product"):
                dims = [int(d) for d in re.findall(r"\d+", problem.split(":")[0])]
                other = [int(d) for d in re.findall(r"\d+", problem.split(":")[-1])] if ":" in problem else []
                if len(dims) >= 2 and other:
                    flops = 2 * dims[-2] * dims[-1] * other[-1]
            if current is not None:
                current.append((kind, prop if prop != "undef" else "", impl, flops, ms))
    return steps, result


def summary(steps, warmup):
    timed = steps[warmup:]
    if not timed:
        raise SystemExit(f"onednn_kernels: only {len(steps)} steps in the log; fewer than --warmup {warmup} + 1")
    n = len(timed)
    rows = defaultdict(lambda: [0.0, 0.0, 0.0])     # (kind, prop, impl) -> calls, ms, flops per step
    for step in timed:
        for kind, prop, impl, flops, ms in step:
            row = rows[(kind, prop, impl)]
            row[0] += 1 / n
            row[1] += ms / n
            row[2] += flops / n
    return rows, n


def phase_ms(result):
    if not result:
        return None
    return sum(result.get(k, 0.0) for k in ("forward_ms", "backward_ms", "optimizer_ms"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ours")
    p.add_argument("reference")
    p.add_argument("--warmup", type=int, default=3, help="steps at the start of each log left out")
    p.add_argument("--names", default="ours,PyTorch", help="the two columns' names")
    p.add_argument("--peak-fp32", type=float, help="GFLOP/s of the cores in fp32 (for the fraction of peak)")
    p.add_argument("--peak-bf16", type=float, help="GFLOP/s of the cores in bf16")
    args = p.parse_args()
    names = args.names.split(",")
    sides = []
    for path in (args.ours, args.reference):
        steps, result = parse(path)
        rows, n = summary(steps, args.warmup)
        sides.append((rows, n, result))
    keys = sorted(set(sides[0][0]) | set(sides[1][0]),
                  key=lambda k: -max(sides[0][0].get(k, [0, 0])[1], sides[1][0].get(k, [0, 0])[1]))
    print(f"steps read: {names[0]} {sides[0][1]}, {names[1]} {sides[1][1]} (after {args.warmup} warm-up steps)")
    print(f"{'primitive (kind, direction, implementation)':60} {'calls ' + names[0]:>12} {'ms ' + names[0]:>10} {'calls ' + names[1]:>14} {'ms ' + names[1]:>12}")
    for key in keys:
        kind, prop, impl = key
        a = sides[0][0].get(key, [0, 0, 0])
        b = sides[1][0].get(key, [0, 0, 0])
        label = f"{kind} {prop} {impl}".replace("  ", " ")
        print(f"{label[:60]:60} {a[0]:12.1f} {a[1]:10.2f} {b[0]:14.1f} {b[1]:12.2f}")
    print()
    for name, (rows, n, result) in zip(names, sides):
        total = sum(r[1] for r in rows.values())
        by_kind = defaultdict(float)
        for (kind, _, _), r in rows.items():
            by_kind[kind] += r[1]
        flops = sum(r[2] for r in rows.values())
        compute_ms = sum(r[1] for (kind, _, _), r in rows.items() if kind in ("convolution", "matmul", "inner_product"))
        rate = flops / compute_ms / 1e6 if compute_ms else 0.0
        line = (f"{name}: oneDNN {total:.1f} ms per step (" + ", ".join(f"{k} {v:.1f}" for k, v in
                sorted(by_kind.items(), key=lambda kv: -kv[1])) + f"); {flops / 1e9:.2f} GFLOP per step in "
                f"convolutions and products at {rate:.0f} GFLOP/s")
        step = phase_ms(result)
        if step:
            line += f"; the step {step:.1f} ms (verbose on), outside oneDNN {step - total:.1f} ms"
            line += f", whole step at {flops / step / 1e6:.0f} GFLOP/s"
        precision = "bf16" if any("bf16" in impl for (_, _, impl) in rows) else "fp32"
        peak = args.peak_bf16 if precision == "bf16" else args.peak_fp32
        if peak:
            line += f"; kernels at {100 * rate / peak:.0f}% of the {precision} peak {peak:.0f} GFLOP/s"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
