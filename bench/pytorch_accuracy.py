#!/usr/bin/env python3
"""A plain PyTorch twin of an lttricks recipe, for bench/accuracy-reference: does lttricks learn
like PyTorch?

It trains what `lt train recipes/baseline.yaml` or `recipes/drs_class_balanced.yaml` trains, the
way the official code does: ResNet-32 (option-A shortcuts; Kaiming-normal convolutions, PyTorch's
default classifier), CIFAR-10-LT (IF 100, the numpy seed-0 protocol) from the JPEG copy or the official binaries, batch 128
with the last partial batch dropped, pad-4 crop + flip, SGD (momentum 0.9, Nesterov, weight decay
2e-4), the official warm-up multi-step schedule stepped per epoch, softmax cross-entropy; with
--drs, class-balanced sampling from the deferred epoch on. Then the final model's top-1 error on
the 10,000 test images. Debian's python3-torch (1.13), numpy and PIL; one line of JSON.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from pytorch_reference import MEAN, STD, ResNet32, load


def augment(batch, gen):
    """Pad 4 with zeros, random 32x32 crop, horizontal flip with p = 1/2, normalise: batched."""
    n = batch.shape[0]
    padded = F.pad(batch.float().div_(255), (4, 4, 4, 4))
    off = torch.randint(0, 9, (n, 2), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    ar = torch.arange(32)
    rows = (off[:, 0:1] + ar).view(n, 1, 32, 1)
    cols = (off[:, 1:2] + ar).view(n, 1, 1, 32)
    out = padded[torch.arange(n).view(n, 1, 1, 1), torch.arange(3).view(1, 3, 1, 1), rows, cols]
    out = torch.where(flip.view(n, 1, 1, 1), out.flip(3), out)
    return (out - MEAN) / STD


def lr_at(epoch, base, warmup, milestones, decay):
    """The official WarmupMultiStepLR as lttricks' LrSchedule: epoch e (from 1) trains at this rate."""
    factor = 1.0
    if epoch < warmup:
        alpha = epoch / warmup
        factor = (1 / 3) * (1 - alpha) + alpha
    return base * factor * decay ** sum(1 for m in milestones if m <= epoch)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, help="cifar-10-jpeg.tar.gz or cifar-10-binary.tar.gz")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=30, help="30: lttricks' quick profile; 200: the paper's")
    p.add_argument("--drs", action="store_true", help="class-balanced sampling after the deferred epoch (DRS)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-from", type=int, default=0,
                   help="also evaluate after every epoch from this one on and report the best (the paper's way; 0: off)")
    p.add_argument("--progress", action="store_true", help="a line per epoch on stderr: loss, rate, test error")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    e = args.epochs
    milestones = [m for m in (int(0.8 * e), int(0.9 * e)) if m >= 2]
    warmup = max(1, round(5 * e / 200))
    deferred = int(0.8 * e)

    x, y = load(args.data, "train", 100)
    xt, yt = load(args.data, "test", None)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    net = ResNet32()
    net.fc.reset_parameters()  # the official classifier is a separate nn.Linear with PyTorch's default init
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=2e-4)
    by_class = [torch.nonzero(y == c).flatten() for c in range(10)]
    n, batch = len(y), 128
    start, best = time.perf_counter(), None
    for epoch in range(1, e + 1):
        for group in opt.param_groups:
            group["lr"] = lr_at(epoch, 0.1, warmup, milestones, 0.01)
        if args.drs and epoch > deferred:
            cls = torch.randint(0, 10, (n,), generator=gen)
            order = torch.stack([by_class[c][torch.randint(0, len(by_class[c]), (1,), generator=gen)][0] for c in cls])
        else:
            order = torch.randperm(n, generator=gen)
        net.train()
        t0, total, steps = time.perf_counter(), 0.0, n // batch
        for b in range(steps):
            idx = order[b * batch:(b + 1) * batch]
            loss = F.cross_entropy(net(augment(x[idx], gen)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        test_error = None
        if args.eval_from and epoch >= args.eval_from:
            test_error = top1_error(net, xt, yt)
            if best is None or test_error < best[1]:
                best = (epoch, test_error)
        if args.progress:
            print(f"epoch {epoch}/{e}  loss {total / steps:.4f}  lr {opt.param_groups[0]['lr']:.4g}  "
                  f"{steps * batch / (time.perf_counter() - t0):.0f} img/s"
                  + (f"  test-err {100 * test_error:.2f}%" if test_error is not None else ""),
                  file=sys.stderr, flush=True)
    result = {"recipe": "drs_class_balanced" if args.drs else "baseline", "seed": args.seed, "epochs": e,
              "final_top1_error": top1_error(net, xt, yt), "seconds": round(time.perf_counter() - start, 1)}
    if best is not None:
        result.update(best_test_epoch=best[0], best_test_epoch_top1_error=best[1])
    print(json.dumps(result))


def top1_error(net, xt, yt):
    """The top-1 error on the test images; leaves the network in training mode."""
    net.eval()
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(xt), 500):
            pred = net(((xt[i:i + 500].float() / 255) - MEAN) / STD).argmax(1)
            wrong += int((pred != yt[i:i + 500]).sum())
    net.train()
    return wrong / len(xt)


if __name__ == "__main__":
    main()
