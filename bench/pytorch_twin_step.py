#!/usr/bin/env python3
"""Repeats lttricks' training step in PyTorch from the same weights and batch (bench/twin-step).

Reads what `bench/lt-bench twin-step --out DIR` wrote (lttricks' ResNet-32: initial weights, a
batch, logits, loss, gradients), loads the weights into pytorch_reference.py's ResNet-32 (the
official code's network), runs the same batch in training mode, and prints how far lttricks'
loss, logits and gradients are from PyTorch's, next to the same distance between two things that
are equally right: PyTorch in the other memory format, and PyTorch with the input moved by
1e-6. Gradients are compared parameter by parameter as |a - b| / |b| (Frobenius norms); the
median and the worst are printed. Exits 1 when lttricks' median is above --tolerance.

    bench/pytorch_twin_step.py DIR [--channels-last] [--tolerance 1e-4]
"""
import argparse
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

from pytorch_reference import ResNet32


def tensors_in_order(net):
    """The network's parameters and batch-norm statistics in lttricks' parameter order."""
    out = []
    for mod in net.modules():
        if isinstance(mod, torch.nn.Conv2d):
            out.append(mod.weight)
        elif isinstance(mod, torch.nn.BatchNorm2d):
            out += [mod.weight, mod.bias, mod.running_mean, mod.running_var]
        elif isinstance(mod, torch.nn.Linear):
            out += [mod.weight, mod.bias]
    return out


def raw(path):
    return torch.from_numpy(np.fromfile(path, dtype="<f4"))


def step(d, manifest, x, y, fmt, noise=0.0):
    net = ResNet32().train()
    ts = tensors_in_order(net)
    if len(ts) != len(manifest):
        raise SystemExit(f"lttricks wrote {len(manifest)} tensors, the PyTorch network has {len(ts)}")
    with torch.no_grad():
        for (idx, name, _), t in zip(manifest, ts):
            v = raw(f"{d}/w{idx}")
            if v.numel() != t.numel():
                raise SystemExit(f"{name}: {v.numel()} values, PyTorch's tensor has {t.numel()}")
            t.copy_(v.view_as(t))
    net = net.to(memory_format=fmt)
    xi = x + noise * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
    logits = net(xi.contiguous(memory_format=fmt))
    loss = F.cross_entropy(logits, y)
    loss.backward()
    grads = {name: t.grad.detach().flatten().clone() for (idx, name, g), t in zip(manifest, ts) if g == "true"}
    return loss.item(), logits.detach(), grads


def distance(a, b):
    r = [((a[k] - b[k]).norm() / (b[k].norm() + 1e-30)).item() for k in b]
    worst = max(range(len(r)), key=r.__getitem__)
    return float(np.median(r)), r[worst], list(b)[worst]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir")
    p.add_argument("--channels-last", action="store_true", help="lttricks ran channels-last (its default)")
    p.add_argument("--tolerance", type=float, default=1e-4)
    a = p.parse_args()
    torch.set_num_threads(2)
    manifest = [line.split(" ") for line in open(f"{a.dir}/manifest.txt").read().splitlines()]
    picked = [line.split(" ") for line in open(f"{a.dir}/batch.txt").read().splitlines()]
    y = torch.tensor([int(label) for _, label in picked])
    logits_lt = raw(f"{a.dir}/logits").view(len(picked), -1)
    loss_lt = raw(f"{a.dir}/loss")[0].item()
    grads_lt = {name: raw(f"{a.dir}/g{idx}") for idx, name, g in manifest if g == "true"}
    # The batch exactly as lttricks fed it (decoded and normalised by lttricks).
    x = torch.from_numpy(np.fromfile(f"{a.dir}/input", dtype="<f4")).view(len(picked), 3, 32, 32)
    same = torch.channels_last if a.channels_last else torch.contiguous_format
    other = torch.contiguous_format if a.channels_last else torch.channels_last
    loss_pt, logits_pt, grads_pt = step(a.dir, manifest, x, y, same)
    _, _, grads_other = step(a.dir, manifest, x, y, other)
    _, _, grads_noise = step(a.dir, manifest, x, y, same, 1e-6)
    rows = {
        "lttricks vs PyTorch": distance(grads_lt, grads_pt),
        "PyTorch, other memory format": distance(grads_other, grads_pt),
        "PyTorch, input + 1e-6 noise": distance(grads_noise, grads_pt),
    }
    print(f"loss: lttricks {loss_lt:.7f}, PyTorch {loss_pt:.7f}; logits: max |difference| "
          f"{(logits_lt - logits_pt).abs().max().item():.2e} (largest logit {logits_pt.abs().max().item():.2f})")
    print(f"{'gradients, |a - b| / |b| per parameter':40} {'median':>9} {'worst':>9}  worst parameter")
    for k, (med, worst, name) in rows.items():
        print(f"{k:40} {med:9.2e} {worst:9.2e}  {name}")
    print(json.dumps({"memory_format": "channels_last" if a.channels_last else "nchw", "loss_lttricks": loss_lt,
                      "loss_pytorch": loss_pt, "median_relative_gradient_difference": rows["lttricks vs PyTorch"][0]}))
    sys.exit(0 if rows["lttricks vs PyTorch"][0] <= a.tolerance else 1)


if __name__ == "__main__":
    main()
