#!/usr/bin/env python3
"""A deterministic ImageFolder of ImageNet-like JPEGs for bench/input-pipeline.

From the CIFAR-10 JPEG copy (cifar-10-jpeg.tar.gz, its train split): image i of the output is the
i-th training image in name order, upscaled (bicubic) to an ImageNet-like size drawn from the
sizes ImageNet's training JPEGs commonly have (500x375, 375x500, 500x333, 333x500, 500x500,
400x300, 640x480, 480x640, 800x600 in the proportions of the list below), with per-pixel noise
(+-12 grey levels, numpy seed 0) so that the JPEG holds detail as a photograph does rather than
the flat gradients of an upscaled 32x32 image, saved at quality 90 under CLASS/NNNNN.jpg. Every
50th image is greyscale (PIL mode L, one channel) and every 50th from the 25th is CMYK (PIL's
naive RGB->CMYK with an Adobe marker, as a CMYK photograph from a print workflow): ImageNet has
both. The same arguments give the same files (same numpy and PIL versions).

Usage: make_imagefolder.py --data cifar-10-jpeg.tar.gz --out DIR [--images 3000]
Prints one line of JSON: images per mode, total bytes, mean width and height.
"""
import argparse
import io
import json
import os
import tarfile

import numpy as np
from PIL import Image

SIZES = [(500, 375)] * 6 + [(375, 500)] * 3 + [(500, 333)] * 3 + [(333, 500), (500, 500), (400, 300),
                                                                      (640, 480), (480, 640), (800, 600)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="cifar-10-jpeg.tar.gz")
    p.add_argument("--out", required=True)
    p.add_argument("--images", type=int, default=3000)
    args = p.parse_args()
    members = []
    with tarfile.open(args.data, "r:gz") as tar:
        for m in tar.getmembers():
            parts = m.name.split("/")
            if m.isfile() and len(parts) >= 3 and parts[-3] == "train":
                members.append((parts[-2], parts[-1], m))
        members.sort(key=lambda t: (t[1], t[0]))  # by file name first: the classes interleave
        members = [(c, n, tar.extractfile(m).read()) for c, n, m in members[:args.images]]
    if len(members) < args.images:
        raise SystemExit(f"only {len(members)} training images in {args.data}")
    rs = np.random.RandomState(0)
    counts = {"RGB": 0, "L": 0, "CMYK": 0}
    total_bytes = 0
    widths = heights = 0
    for i, (cls, name, data) in enumerate(members):
        w, h = SIZES[rs.randint(len(SIZES))]
        img = Image.open(io.BytesIO(data)).convert("RGB").resize((w, h), Image.BICUBIC)
        noise = rs.randint(-12, 13, size=(h, w, 1)).astype(np.int16)
        arr = np.clip(np.asarray(img).astype(np.int16) + noise, 0, 255).astype(np.uint8)
        img = Image.fromarray(arr, "RGB")
        mode = "L" if i % 50 == 0 else "CMYK" if i % 50 == 25 else "RGB"
        if mode != "RGB":
            img = img.convert(mode)
        target = os.path.join(args.out, cls, f"{i:05d}.jpg")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        img.save(target, "JPEG", quality=90)
        counts[mode] += 1
        total_bytes += os.path.getsize(target)
        widths += w
        heights += h
    n = len(members)
    print(json.dumps({"images": n, "modes": counts, "bytes": total_bytes, "mean_width": round(widths / n, 1),
                      "mean_height": round(heights / n, 1)}))


if __name__ == "__main__":
    main()
