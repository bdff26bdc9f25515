#!/usr/bin/env python3
"""Independent numpy reference of torchvision's MobileNetV2 1.0 forward pass (eval mode).

Written from the architecture's definition, not from our Swift code: float64 throughout,
batch norm applied as (x - mean) / sqrt(var + eps) * weight + bias (never folded into the
convolutions), padding k // 2, ReLU6 = clip(x, 0, 6).

    mobilenet_v2.py --weights W.pth --out DIR [--resize none|torchvision|keep|WxH] IMAGE...
        writes float32 .npy files in DIR: input, features.0 ... features.18 (block outputs,
        NCHW), features.K.conv.0 (the first ReLU6 layer inside block K = 1..17: the expanded
        layer, or for block 1, which has no expansion, its depthwise layer), logits, probs.
        --resize keep feeds the images at their own size (all the same size; the network is
        convolutional up to its global pooling); --resize WxH resizes them to W x H pixels with
        PIL's bilinear filter first, as `atlas paint` judges a painting at its canvas's scale.
    mobilenet_v2.py --make-crops DIR IMAGE...
        writes each image's torchvision-preprocessed 224x224 crop as DIR/<stem>.png.
"""
import argparse
import collections
import os
import sys
import time

import numpy as np
from PIL import Image

from torch_pickle import load_state_dict  # sibling file: the pure-python checkpoint reader

BN_EPS = 1e-5
MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
CROP = 224
RESIZE_SHORT = 256
# torchvision's inverted residual setting: expansion t, output channels c, repeats n, first stride s.
BLOCK_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                  (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABELS = os.path.join(REPO, "Sources", "Models", "Resources", "imagenet_classes.txt")


# ---------------------------------------------------------------------------------------------
# Layers (NCHW, float64).

def conv2d(x, w, stride):
    """Dense convolution, padding k // 2, via im2col and one matrix product."""
    n, ci, h, wd = x.shape
    co, ci_w, k, _ = w.shape
    assert ci == ci_w, (x.shape, w.shape)
    if k == 1 and stride == 1:
        return (w.reshape(co, ci) @ x.reshape(n, ci, h * wd)).reshape(n, co, h, wd)
    p = k // 2
    ho, wo = (h + 2 * p - k) // stride + 1, (wd + 2 * p - k) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    cols = np.empty((n, ci, k, k, ho, wo))
    for dy in range(k):
        for dx in range(k):
            cols[:, :, dy, dx] = xp[:, :, dy:dy + stride * ho:stride, dx:dx + stride * wo:stride]
    out = w.reshape(co, ci * k * k) @ cols.reshape(n, ci * k * k, ho * wo)
    return out.reshape(n, co, ho, wo)


def depthwise_conv2d(x, w, stride):
    """Depthwise convolution (one k x k filter per channel), padding k // 2: sum of shifted slices."""
    n, c, h, wd = x.shape
    assert w.shape[:2] == (c, 1), (x.shape, w.shape)
    k = w.shape[2]
    p = k // 2
    ho, wo = (h + 2 * p - k) // stride + 1, (wd + 2 * p - k) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((n, c, ho, wo))
    for dy in range(k):
        for dx in range(k):
            out += w[:, 0, dy, dx][None, :, None, None] * \
                xp[:, :, dy:dy + stride * ho:stride, dx:dx + stride * wo:stride]
    return out


def batch_norm(x, params, prefix, eps=BN_EPS):
    """Eval-mode batch norm, the textbook formula (deliberately not folded into a scale/shift)."""
    def per_channel(name):
        return params[f"{prefix}.{name}"][None, :, None, None]
    return (x - per_channel("running_mean")) / np.sqrt(per_channel("running_var") + eps) \
        * per_channel("weight") + per_channel("bias")


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def conv_bn(x, params, prefix, stride, depthwise=False):
    """torchvision's Conv2dNormActivation minus the activation: prefix.0 = conv, prefix.1 = BN."""
    w = params[prefix + ".0.weight"]
    y = depthwise_conv2d(x, w, stride) if depthwise else conv2d(x, w, stride)
    return batch_norm(y, params, prefix + ".1")


# ---------------------------------------------------------------------------------------------
# The network.

def forward(x, params):
    """Runs the network on a preprocessed batch (N,3,224,224); returns the named activations."""
    acts = collections.OrderedDict()
    x = relu6(conv_bn(x, params, "features.0", stride=2))
    acts["features.0"] = x
    index = 1
    for t, c, n, s in BLOCK_SETTINGS:
        for i in range(n):
            stride = s if i == 0 else 1
            block = f"features.{index}.conv"
            y = x
            layer = 0
            if t != 1:
                y = relu6(conv_bn(y, params, f"{block}.{layer}", stride=1))
                acts[f"{block}.0"] = y
                layer += 1
            y = relu6(conv_bn(y, params, f"{block}.{layer}", stride=stride, depthwise=True))
            if t == 1:
                acts[f"{block}.0"] = y
            layer += 1
            y = conv2d(y, params[f"{block}.{layer}.weight"], stride=1)
            y = batch_norm(y, params, f"{block}.{layer + 1}")
            if stride == 1 and x.shape[1] == y.shape[1]:
                y = x + y
            assert y.shape[1] == c, (index, y.shape)
            x = y
            acts[f"features.{index}"] = x
            index += 1
    x = relu6(conv_bn(x, params, "features.18", stride=1))
    acts["features.18"] = x
    pooled = x.mean(axis=(2, 3))
    logits = pooled @ params["classifier.1.weight"].T + params["classifier.1.bias"]
    acts["logits"] = logits
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    acts["probs"] = e / e.sum(axis=1, keepdims=True)
    return acts


# ---------------------------------------------------------------------------------------------
# Images.

def torchvision_crop(img):
    """transforms.Resize(256) (PIL bilinear) then transforms.CenterCrop(224), as torchvision does."""
    w, h = img.size
    if w <= h:
        size = (RESIZE_SHORT, int(RESIZE_SHORT * h / w))
    else:
        size = (int(RESIZE_SHORT * w / h), RESIZE_SHORT)
    img = img.resize(size, Image.BILINEAR)
    w, h = img.size
    top = int(round((h - CROP) / 2.0))
    left = int(round((w - CROP) / 2.0))
    return img.crop((left, top, left + CROP, top + CROP))


def load_image(path, resize):
    img = Image.open(path).convert("RGB")
    if resize == "torchvision":
        img = torchvision_crop(img)
    elif "x" in resize:
        width, height = (int(v) for v in resize.split("x"))
        img = img.resize((width, height), Image.BILINEAR)
    elif resize == "none" and img.size != (CROP, CROP):
        raise SystemExit(f"{path}: image is {img.size[0]}x{img.size[1]}, expected {CROP}x{CROP} "
                         f"with --resize none")
    x = np.asarray(img, dtype=np.float64) / 255.0
    x = (x - MEAN) / STD
    return x.transpose(2, 0, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", help="torchvision's mobilenet_v2-b0353104.pth")
    ap.add_argument("--out", help="folder for the .npy activations")
    ap.add_argument("--resize", default="torchvision",
                    help="none, torchvision, keep, or WxH (PIL bilinear to W x H pixels)")
    ap.add_argument("--make-crops", metavar="DIR", help="only write the 224x224 crops as PNG")
    ap.add_argument("images", nargs="+")
    args = ap.parse_args(argv)

    if args.make_crops:
        os.makedirs(args.make_crops, exist_ok=True)
        for p in args.images:
            stem = os.path.splitext(os.path.basename(p))[0]
            torchvision_crop(Image.open(p).convert("RGB")).save(os.path.join(args.make_crops, stem + ".png"))
        return
    if not args.weights or not args.out:
        ap.error("--weights and --out are required (unless --make-crops)")

    run_and_save(args, forward, load_image)


def run_and_save(args, forward, load_image):
    """Loads the checkpoint `args.weights`, runs `forward` on `args.images` (read by `load_image`
    with `args.resize`), saves each named activation as `args.out`/NAME.npy and prints the top 5
    classes: the command-line body shared by the references of the ImageNet models."""
    params = {k: v.astype(np.float64) for k, v in load_state_dict(args.weights).items()
              if not k.endswith("num_batches_tracked")}
    x = np.stack([load_image(p, args.resize) for p in args.images])
    start = time.perf_counter()
    acts = forward(x, params)
    seconds = time.perf_counter() - start

    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "input.npy"), x.astype(np.float32))
    for name, a in acts.items():
        np.save(os.path.join(args.out, name + ".npy"), a.astype(np.float32))

    labels = open(LABELS).read().splitlines() if os.path.exists(LABELS) else None
    for p, probs in zip(args.images, acts["probs"]):
        top = np.argsort(-probs)[:5]
        desc = ", ".join(f"{i} {labels[i] if labels else ''} {probs[i]:.4f}" for i in top)
        print(f"{os.path.basename(p)}: {desc}")
    print(f"forward: {seconds:.2f} s for {len(args.images)} image(s), "
          f"{seconds / len(args.images):.2f} s per image", file=sys.stderr)


if __name__ == "__main__":
    main()
