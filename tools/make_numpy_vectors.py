#!/usr/bin/env python3
"""Writes the numpy reference vectors that NumpyRandomTest and LongTailSubsetTest compare against.

Run with Debian's python3-numpy (legacy RandomState is stable across numpy versions):
    /usr/bin/python3 tools/make_numpy_vectors.py core/src/test/resources/numpy
The tests read the files; they never run Python.
"""
import json
import sys

import numpy as np

out = sys.argv[1]

# Raw 32-bit outputs and bounded draws for a few seeds.
raw = {}
for seed in (0, 1, 42, 12345, 2**32 - 1):
    rs = np.random.RandomState(seed)
    raw[str(seed)] = [int(v) for v in rs.randint(0, 2**32, size=2000, dtype=np.uint64)]
# randint(0, 2**32, dtype=uint64) draws one 32-bit word per value through the masked path with
# mask 0xffffffff, i.e. the raw outputs.

shuffles = {}
for seed, n in ((0, 1), (0, 2), (0, 10), (7, 100), (0, 5000), (3, 65537), (11, 3)):
    rs = np.random.RandomState(seed)
    a = np.arange(n)
    rs.shuffle(a)
    shuffles[f"{seed}:{n}"] = [int(v) for v in a]

# Several shuffles in sequence from one stream (the CIFAR protocol shuffles class after class).
rs = np.random.RandomState(0)
seq = []
for n in (5000, 17, 300, 1):
    a = np.arange(n)
    rs.shuffle(a)
    seq.append([int(v) for v in a])

with open(f"{out}/mt19937.json", "w") as f:
    json.dump({"raw_uint32": raw, "shuffle": shuffles, "sequence": seq}, f)


def cifar_lt(n_max, classes, imbalance, seed=0):
    """The published protocol (Cui et al. / Cao et al.): per-class positions kept, in order."""
    rs = np.random.RandomState(seed)
    kept = []
    for c in range(classes):
        n_c = int(n_max * (1.0 / imbalance) ** (c / (classes - 1.0)))
        idx = np.arange(n_max)  # positions of class c's images in the official order
        rs.shuffle(idx)
        kept.append([int(v) for v in idx[:n_c]])
    return kept


lt = {}
for name, n_max, classes in (("cifar10", 5000, 10), ("cifar100", 500, 100)):
    for imb in (100, 50, 10):
        lt[f"{name}:{imb}"] = cifar_lt(n_max, classes, imb)
with open(f"{out}/cifar_lt_selection.json", "w") as f:
    json.dump(lt, f)
print("wrote", out)
