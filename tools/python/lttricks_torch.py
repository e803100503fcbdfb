#!/usr/bin/env python3
"""An lttricks model in PyTorch: read the safetensors file `lt export` writes, build the network,
classify images.

    python3 tools/python/lttricks_torch.py MODEL.safetensors IMAGE... [--top 5]

or from Python (put tools/python on sys.path):

    import lttricks_torch
    model, meta = lttricks_torch.load("model.safetensors")   # eval mode, weights loaded (strict)
    x = lttricks_torch.preprocess(PIL.Image.open("cat.jpg"), meta).unsqueeze(0)
    probabilities = lttricks_torch.scores(model(x), meta)

Networks: the CIFAR layouts (resnet20/32/44/56/110: three stages of basic blocks, 16/32/64
channels, option-A shortcuts that subsample by 2 and pad channels with zeros, no weights) are
defined here; the ImageNet layouts (resnet10/18/34/50/101) are torchvision's ResNet, whose tensor
names the file carries, so torchvision.models.resnet50(num_classes=K).load_state_dict(tensors)
works too. Needs torch and numpy; torchvision for the ImageNet layouts; PIL to read images. The
file is read with the standard library and numpy (the `safetensors` package reads it as well).
"""
import argparse
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """(tensors by name as torch tensors, the file's string metadata)."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, meta


class BasicBlockA(nn.Module):
    """conv-BN-ReLU, conv-BN, plus the shortcut, ReLU; the shortcut subsamples and zero-pads channels."""

    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.reshape = stride != 1 or inp != planes
        self.pad = planes // 4

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = x
        if self.reshape:
            short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + short)


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for 32x32 inputs, as lttricks' CifarResNet (the paper's ResNet-32 is n = 5)."""

    def __init__(self, depth, num_classes):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"CIFAR ResNet depth must be 6n+2, got {depth}")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        inp = 16
        for s, (planes, stride) in enumerate(((16, 1), (32, 2), (64, 2))):
            blocks = []
            for b in range(n):
                blocks.append(BasicBlockA(inp, planes, stride if b == 0 else 1))
                inp = planes
            setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


IMAGENET = {"resnet10": ("basic", [1, 1, 1, 1]), "resnet18": ("basic", [2, 2, 2, 2]),
            "resnet34": ("basic", [3, 4, 6, 3]), "resnet50": ("bottleneck", [3, 4, 6, 3]),
            "resnet101": ("bottleneck", [3, 4, 23, 3])}


def build(meta):
    """The untrained network the metadata names."""
    name, classes = meta["backbone"], int(meta["num_classes"])
    if meta.get("layout") == "cifar":
        return CifarResNet(int(name.replace("resnet", "")), classes)
    if name not in IMAGENET:
        raise ValueError(f"unknown network {name}")
    from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet
    kind, blocks = IMAGENET[name]
    return ResNet(BasicBlock if kind == "basic" else Bottleneck, blocks, num_classes=classes)


def load(path):
    """(the network in eval mode with the file's weights, the file's metadata with classes parsed)."""
    tensors, meta = read_safetensors(path)
    model = build(meta)
    model.load_state_dict(tensors, strict=True)
    meta = dict(meta)
    meta["classes"] = json.loads(meta["classes"])
    return model.eval(), meta


def preprocess(image, meta):
    """A PIL image as the network's input (3 x H x W float tensor): lttricks' test transform's steps
    (decoders and resampling filters differ in their last bits between libraries)."""
    image = image.convert("RGB")
    if meta.get("layout") == "cifar":
        image = image.resize((32, 32), resample=2)   # bilinear
    else:
        w, h = image.size
        scale = 256 / min(w, h)
        image = image.resize((max(224, round(w * scale)), max(224, round(h * scale))), resample=2)
        w, h = image.size
        left, top = (w - 224) // 2, (h - 224) // 2
        image = image.crop((left, top, left + 224, top + 224))
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
    mean = torch.tensor(json.loads(meta["mean"])).view(3, 1, 1)
    std = torch.tensor(json.loads(meta["std"])).view(3, 1, 1)
    return (x - mean) / std


def scores(logits, meta):
    """Class probabilities as lttricks reports them: sigmoid for sigmoid-loss models, else softmax."""
    return torch.sigmoid(logits) if meta.get("scores") == "sigmoid" else torch.softmax(logits, dim=1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a .safetensors file from lt export")
    p.add_argument("images", nargs="+", help="image files (JPEG, PNG)")
    p.add_argument("--top", type=int, default=5, help="classes shown per image (default 5)")
    args = p.parse_args()
    from PIL import Image
    model, meta = load(args.model)
    with torch.no_grad():
        for path in args.images:
            s = scores(model(preprocess(Image.open(path), meta).unsqueeze(0)), meta)[0]
            print(path)
            values, indices = s.topk(min(args.top, len(meta["classes"])))
            for v, i in zip(values.tolist(), indices.tolist()):
                print(f"  {100 * v:6.2f}%  {meta['classes'][i]}")


if __name__ == "__main__":
    sys.exit(main())
