#!/usr/bin/env python3
"""Operator times of two Chrome traces side by side (libtorch's profiler: lt-bench --profile and
pytorch_reference.py --profile), for finding where one network's step is slower than the other's.

    bench/profile_ops.py OURS.json REFERENCE.json [--steps N] [--top 25]

Per operator name: milliseconds per step of *self* time (the event's duration less that of the
events nested in it on the same thread), in both traces, and their difference; sorted by the
difference. Self time adds up to the step's total, so the rows say where the difference lies.

The two profilers' own costs differ (DJL records through libtorch 2.7.1's legacy profiler with
shapes, torch 1.13 through its autograd profiler): per operator call they add tens of
microseconds. On ImageNet-size networks that is noise; on CIFAR's ResNet-32, whose operators take
tens of microseconds themselves, it dominated (lt-bench ran at 100 img/s profiled and 255 not):
compare small networks with the unprofiled phases instead.
"""
import argparse
import json
from collections import defaultdict


def self_times(path, by_shape=False):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    by_thread = defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e:
            by_thread[(e.get("pid"), e.get("tid"))].append(e)
    totals = defaultdict(float)
    for evs in by_thread.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []   # [end, name, child time]
        def close(upto):
            while stack and stack[-1][0] <= upto:
                end, name, start, dur, child = stack.pop()
                totals[name] += dur - child
                if stack:
                    stack[-1][4] += dur
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            close(ts)
            name = e["name"] + (" " + json.dumps(e.get("shape", e.get("args", {}).get("Input Dims")))
                                if by_shape else "")
            stack.append([ts + dur, name, ts, dur, 0.0])
        close(float("inf"))
    return totals


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("ours")
    p.add_argument("reference")
    p.add_argument("--steps", type=int, default=1, help="steps in each trace (to print per step)")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--by-shape", action="store_true", help="one row per operator and input shapes")
    a = p.parse_args()
    ours, ref = self_times(a.ours, a.by_shape), self_times(a.reference, a.by_shape)
    k = 1000.0 * a.steps   # microseconds -> ms per step
    rows = sorted(set(ours) | set(ref), key=lambda n: -(ours.get(n, 0) - ref.get(n, 0)))
    w = 110 if a.by_shape else 48
    print(f"{'operator (self time, ms per step)':{w}} {'ours':>9} {'reference':>10} {'difference':>11}")
    for n in rows[:a.top]:
        print(f"{n[:w]:{w}} {ours.get(n, 0) / k:9.1f} {ref.get(n, 0) / k:10.1f} {(ours.get(n, 0) - ref.get(n, 0)) / k:+11.1f}")
    print(f"{'all':{w}} {sum(ours.values()) / k:9.1f} {sum(ref.values()) / k:10.1f} "
          f"{(sum(ours.values()) - sum(ref.values())) / k:+11.1f}")


if __name__ == "__main__":
    main()
