#!/usr/bin/env python3
"""The plain PyTorch reference loop for bench/train-throughput.

It does the same work as `lt bench`: ResNet-32 (option-A shortcuts, Kaiming init) on CIFAR-10-LT
(IF 100, the numpy seed-0 protocol), batch 128, pad-4 random crop + flip + normalise, SGD with
Nesterov momentum 0.9 and weight decay 2e-4, optionally input mixup (alpha 1) with class-balanced
sampling; or forward-only evaluation of the 10,000 test images. Written for Debian's python3-torch
(1.13) with PIL and numpy, no torchvision. Prints one line of JSON.

--tuned is the best-tuned reference: the model and every input batch in channels-last memory
format (torch.channels_last), as a user who tunes PyTorch for CPU would run it. The glibc allocator
settings that lt uses (tools/allocator-env.sh: MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_,
MALLOC_TOP_PAD_, GLIBC_TUNABLES=glibc.malloc.hugetlb=1) are read by glibc at process start, so the
calling script (bench/train-throughput) sets them in this process's environment for the tuned run
and leaves them unset for the plain one.

--bf16 runs every forward pass (and the loss, as a user writes it) under
torch.autocast("cpu", dtype=torch.bfloat16): PyTorch's one-line mixed precision, the reference for
lt's precision bf16. Use it with --tuned for the best-tuned peer.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import tarfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "python"))
from lttricks_torch import CifarResNet  # noqa: E402  (the CIFAR network, shared with lt export's reader)

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.2023, 0.1994, 0.2010]).view(1, 3, 1, 1)


def load(archive, split, imbalance):
    """uint8 [N,3,32,32] images and labels; the training split long-tailed as the published protocol.

    `archive` is the JPEG ImageFolder copy (cifar-10-jpeg.tar.gz) or the official binary archive
    (cifar-10-binary.tar.gz): in both, an image's place among its class's images is its place in the
    official order, which is what the protocol shuffles."""
    per_class = [[] for _ in CLASSES]  # each class's images in the official order, as loaders
    with tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        bins = [m for m in members if m.name.endswith(".bin")]
        if bins:
            wanted = ["test_batch.bin"] if split == "test" else [f"data_batch_{i}.bin" for i in range(1, 6)]
            by_name = {m.name.split("/")[-1]: m for m in bins}
            for name in wanted:
                records = np.frombuffer(tar.extractfile(by_name[name]).read(), np.uint8).reshape(-1, 3073)
                for r in records:
                    per_class[r[0]].append(lambda r=r: r[1:].reshape(3, 32, 32).transpose(1, 2, 0))
        else:
            files = {}
            for m in members:
                parts = m.name.split("/")
                if len(parts) >= 3 and parts[-3] == split:
                    files[(parts[-2], parts[-1])] = tar.extractfile(m).read()
            for c, cls in enumerate(CLASSES):
                for name in sorted(n for (k, n) in files if k == cls):
                    data = files[(cls, name)]
                    per_class[c].append(lambda data=data: np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    chosen = []
    if imbalance:
        rs = np.random.RandomState(0)
        n_max = len(per_class[0])
        for c, images in enumerate(per_class):
            n_c = int(n_max * (1.0 / imbalance) ** (c / (len(CLASSES) - 1.0)))
            idx = np.arange(len(images))
            rs.shuffle(idx)
            chosen += [(c, images[i]) for i in idx[:n_c]]
    else:
        chosen = [(c, image) for c, images in enumerate(per_class) for image in images]
    x = np.stack([image() for _, image in chosen])
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.tensor([c for c, _ in chosen])


class ResNet32(CifarResNet):
    """ResNet-32 as lttricks builds it (tools/python/lttricks_torch.py: option-A shortcuts), with
    Kaiming-normal initialisation of the convolutions and the classifier, zero biases."""

    def __init__(self, classes=10):
        super().__init__(32, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
                if getattr(m, "bias", None) is not None:
                    nn.init.zeros_(m.bias)


class Basic(nn.Module):
    """ImageNet-layout basic block: two 3x3 convolutions, projection shortcut where the shape changes."""
    expansion = 1

    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.short = shortcut(inp, planes, stride)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.short(x))


class Bottleneck(nn.Module):
    """ImageNet-layout bottleneck (v1.5: the stride on the 3x3 convolution)."""
    expansion = 4

    def __init__(self, inp, planes, stride):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(inp, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.short = shortcut(inp, out, stride)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        return F.relu(self.bn3(self.conv3(y)) + self.short(x))


def shortcut(inp, out, stride):
    if stride == 1 and inp == out:
        return nn.Identity()
    return nn.Sequential(nn.Conv2d(inp, out, 1, stride, bias=False), nn.BatchNorm2d(out))


class ImageNetResNet(nn.Module):
    """ResNet-10 (basic [1,1,1,1]) or ResNet-50 (bottleneck [3,4,6,3]), as lttricks' ImageNetResNet."""

    def __init__(self, depth, classes):
        super().__init__()
        block, counts = {10: (Basic, [1, 1, 1, 1]), 50: (Bottleneck, [3, 4, 6, 3])}[depth]
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        layers, inp = [], 64
        for s, n in enumerate(counts):
            for b in range(n):
                layers.append(block(inp, 64 << s, 2 if b == 0 and s > 0 else 1))
                inp = (64 << s) * block.expansion
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(inp, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def network(name, classes):
    if name == "resnet32":
        return ResNet32(classes)
    if name in ("resnet10", "resnet50"):
        return ImageNetResNet(int(name[6:]), classes)
    raise SystemExit(f"--backbone: resnet32, resnet10 or resnet50, not {name}")


def augment(batch, gen):
    """Pad 4 with zeros, random 32x32 crop, horizontal flip with p = 1/2, normalise."""
    n = batch.shape[0]
    padded = F.pad(batch.float().div_(255), (4, 4, 4, 4))
    off = torch.randint(0, 9, (n, 2), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.empty(n, 3, 32, 32)
    for i in range(n):
        crop = padded[i, :, off[i, 0]:off[i, 0] + 32, off[i, 1]:off[i, 1] + 32]
        out[i] = crop.flip(2) if flip[i] else crop
    return (out - MEAN) / STD


def layout(args):
    """The memory format of the model and the inputs: channels-last when tuned."""
    return torch.channels_last if args.tuned else torch.contiguous_format


def precision(args):
    """The region every forward pass runs in: bf16 autocast with --bf16, else nothing."""
    return torch.autocast("cpu", dtype=torch.bfloat16) if args.bf16 else contextlib.nullcontext()


def train(args):
    x, y = load(args.data, "train", 100)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    rng = np.random.RandomState(0)
    fmt = layout(args)
    net = ResNet32().to(memory_format=fmt)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=2e-4)
    by_class = [torch.nonzero(y == c).flatten() for c in range(10)]
    n = len(y)
    order = torch.randperm(n, generator=gen)
    total = args.warmup + args.steps
    net.train()
    start = None
    for step in range(total):
        if step == args.warmup:
            start = time.perf_counter()
        if args.config == "mixup_cb":
            cls = torch.randint(0, 10, (args.batch,), generator=gen)
            idx = torch.stack([by_class[c][torch.randint(0, len(by_class[c]), (1,), generator=gen)][0] for c in cls])
        else:
            idx = order[(step * args.batch) % (n - args.batch):][:args.batch]
        inputs, targets = augment(x[idx], gen).contiguous(memory_format=fmt), y[idx]
        if args.config == "mixup_cb":
            lam = float(rng.beta(1.0, 1.0))
            perm = torch.randperm(args.batch, generator=gen)
            inputs = (lam * inputs + (1 - lam) * inputs[perm]).contiguous(memory_format=fmt)
            with precision(args):
                out = net(inputs)
                loss = lam * F.cross_entropy(out, targets) + (1 - lam) * F.cross_entropy(out, targets[perm])
        else:
            with precision(args):
                loss = F.cross_entropy(net(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    seconds = time.perf_counter() - start
    return {"config": args.config, "steps": args.steps, "batch": args.batch, "seconds": round(seconds, 3),
            "images_per_second": round(args.steps * args.batch / seconds, 1), "threads": torch.get_num_threads(),
            "tuned": args.tuned, "bf16": args.bf16}


def evaluate(args):
    x, _ = load(args.data, "test", None)
    torch.manual_seed(0)
    fmt = layout(args)
    net = ResNet32().to(memory_format=fmt).eval()
    with torch.no_grad(), precision(args):
        net((((x[:args.batch].float() / 255) - MEAN) / STD).contiguous(memory_format=fmt))
        start = time.perf_counter()
        for i in range(0, len(x), args.batch):
            net((((x[i:i + args.batch].float() / 255) - MEAN) / STD).contiguous(memory_format=fmt)).argmax(1)
        seconds = time.perf_counter() - start
    return {"config": "eval", "images": len(x), "seconds": round(seconds, 3),
            "images_per_second": round(len(x) / seconds, 1), "threads": torch.get_num_threads(), "tuned": args.tuned,
            "bf16": args.bf16}


def phases(args):
    """Milliseconds per step of forward + loss, backward and SGD on one fixed random batch."""
    torch.manual_seed(0)
    fmt = layout(args)
    net = network(args.backbone, args.classes).to(memory_format=fmt).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=2e-4)
    x = torch.randn(args.batch, 3, args.image_size, args.image_size).contiguous(memory_format=fmt)
    y = torch.randint(0, args.classes, (args.batch,))
    t = [0.0, 0.0, 0.0]
    prof = None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            t = [0.0, 0.0, 0.0]
            if args.profile:
                prof = torch.autograd.profiler.profile(record_shapes=True)
                prof.__enter__()
        t0 = time.perf_counter()
        with precision(args):
            loss = F.cross_entropy(net(x), y)
        t1 = time.perf_counter()
        opt.zero_grad()
        loss.backward()
        loss.item()
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        t[0] += t1 - t0
        t[1] += t2 - t1
        t[2] += t3 - t2
    if prof is not None:
        prof.__exit__(None, None, None)
        prof.export_chrome_trace(args.profile)
    ms = [round(v * 1000 / args.steps, 1) for v in t]
    return {"config": "phases", "forward_ms": ms[0], "backward_ms": ms[1], "optimizer_ms": ms[2],
            "images_per_second": round(args.steps * args.batch / sum(t), 1), "tuned": args.tuned, "bf16": args.bf16}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, help="cifar-10-jpeg.tar.gz")
    p.add_argument("--config", default="plain", choices=["plain", "mixup_cb", "eval", "phases"])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--backbone", default="resnet32", help="phases only: resnet32, resnet10 or resnet50")
    p.add_argument("--image-size", type=int, default=32, help="phases only: side of the square input")
    p.add_argument("--classes", type=int, default=10, help="phases only: classes of the classifier")
    p.add_argument("--profile", help="phases only: write the operator profile of the timed steps (Chrome trace) here")
    p.add_argument("--bf16", action="store_true",
                   help="forward passes and loss under torch.autocast('cpu', dtype=torch.bfloat16)")
    p.add_argument("--tuned", action="store_true",
                   help="best-tuned reference: channels-last model and inputs (the caller sets lt's MALLOC_* variables)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.config != "phases" and (args.backbone != "resnet32" or args.image_size != 32 or args.classes != 10):
        p.error("--backbone, --image-size and --classes apply to --config phases only")
    run = {"eval": evaluate, "phases": phases}.get(args.config, train)
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
