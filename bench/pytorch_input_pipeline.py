#!/usr/bin/env python3
"""The reference input pipeline for bench/input-pipeline: torchvision's ImageFolder and DataLoader.

The ImageNet-LT training augmentation of the official code, on PIL images: RandomResizedCrop(224)
(scale 0.08-1, ratio 3/4-4/3, bilinear), RandomHorizontalFlip, ColorJitter(0.4, 0.4, 0.4, 0),
ToTensor, Normalize(ImageNet mean and std); ImageFolder's loader opens each file with PIL and
converts it to RGB (greyscale and CMYK JPEGs included). DataLoader with --workers processes,
batch 64, no shuffling (every image once), torch threads 1 in each worker (DataLoader's default).
Times one pass over the folder after a warm-up of --warmup batches (which also starts the workers).
Written for Debian's python3-torch 1.13 and python3-torchvision 0.14. Prints one line of JSON.
"""
import argparse
import json
import time

import torch
from torchvision import datasets, transforms


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
    start = None
    for b, (x, _) in enumerate(loader):
        if b == args.warmup:
            start = time.perf_counter()
            images = 0
        images += x.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"who": "torchvision", "workers": args.workers, "images": images,
                      "seconds": round(seconds, 3), "images_per_second": round(images / seconds, 1)}))


if __name__ == "__main__":
    main()
