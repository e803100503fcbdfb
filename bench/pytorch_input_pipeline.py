#!/usr/bin/env python3
"""The reference input pipeline for bench/input-pipeline: torchvision's ImageFolder and DataLoader.

The ImageNet-LT training augmentation of the official code, on PIL images: RandomResizedCrop(224)
(scale 0.08-1, ratio 3/4-4/3, bilinear), RandomHorizontalFlip, ColorJitter(0.4, 0.4, 0.4, 0),
ToTensor, Normalize(ImageNet mean and std); ImageFolder's loader opens each file with PIL and
converts it to RGB (greyscale and CMYK JPEGs included). DataLoader with --workers processes,
batch 64, no shuffling (every image once), torch threads 1 in each worker (DataLoader's default).
Times one pass over the folder after a warm-up of --warmup batches (which also starts the workers),
and counts the CPU time the main process and the workers spent in that window (from /proc), so that
the CPU cost per image can be compared where other load makes wall-clock scaling meaningless.
Written for Debian's python3-torch 1.13 and python3-torchvision 0.14. Prints one line of JSON.
"""
import argparse
import json
import os
import time

import torch
from torchvision import datasets, transforms


def cpu_seconds(pids):
    """User + system CPU seconds of this process and the given ones (Linux /proc)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", required=True, help="the ImageFolder (bench/make_imagefolder.py)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=4, help="batches before the clock starts")
    args = p.parse_args()
    torch.manual_seed(0)
    t = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ColorJitter(0.4, 0.4, 0.4, 0),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    data = datasets.ImageFolder(args.dir, transform=t)
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch, shuffle=False, num_workers=args.workers,
                                         persistent_workers=False, prefetch_factor=4 if args.workers else 2)
    images = 0
    start = cpu0 = None
    batches = iter(loader)
    pids = [w.pid for w in getattr(batches, "_workers", [])]
    for b, (x, _) in enumerate(batches):
        if b == args.warmup:
            start, cpu0 = time.perf_counter(), cpu_seconds(pids)
            images = 0
        images += x.shape[0]
        if b == len(loader) - 1:
            cpu = cpu_seconds(pids) - cpu0  # before the workers exit
    seconds = time.perf_counter() - start
    print(json.dumps({"who": "torchvision", "workers": args.workers, "images": images,
                      "seconds": round(seconds, 3), "images_per_second": round(images / seconds, 1),
                      "cpu_ms_per_image": round(1000 * cpu / images, 2)}))


if __name__ == "__main__":
    main()
