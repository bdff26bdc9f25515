#!/usr/bin/env python3
"""Independent numpy reference of lucid's InceptionV1 (inception5h) forward pass, as ported to
PyTorch (inception5h.pth), and a writer of random checkpoints with its names and shapes.

Written from the architecture's description, not from our Swift code: float64 throughout,
padding by np.pad (zeros for convolutions, -inf for max pools), local response normalisation
summed over an explicit channel window, concatenation with np.concatenate.

    inception_v1.py --make-weights OUT.pth [--seed S]
        writes a zip checkpoint (torch.save's format, written without torch) with every tensor
        InceptionV1 reads, random, scaled so that activations stay of order 1 to 10, plus an
        auxiliary-head tensor the network must ignore.
    inception_v1.py --weights W.pth --out DIR [--size S] [--batch B] [--seed S]
        writes float32 .npy files in DIR: images (random RGB in [0, 1], [B, 3, S, S]), input
        (x * 255 - 117), the layers in LAYERS (NCHW), logits and probs.
"""
import argparse
import collections
import os
import sys

import numpy as np

from torch_pickle import load_state_dict  # sibling file: the pure-python checkpoint reader

# lucid's inception5h mixed blocks: 1x1, 3x3 bottleneck, 3x3, 5x5 bottleneck, 5x5, pool reduce.
MIXED = collections.OrderedDict([
    ("mixed3a", (64, 96, 128, 16, 32, 32)), ("mixed3b", (128, 128, 192, 32, 96, 64)),
    ("mixed4a", (192, 96, 204, 16, 48, 64)), ("mixed4b", (160, 112, 224, 24, 64, 64)),
    ("mixed4c", (128, 128, 256, 24, 64, 64)), ("mixed4d", (112, 144, 288, 32, 64, 64)),
    ("mixed4e", (256, 160, 320, 32, 128, 128)), ("mixed5a", (256, 160, 320, 48, 128, 128)),
    ("mixed5b", (384, 192, 384, 48, 128, 128)),
])
POOL_AFTER = {"mixed3b": "maxpool4", "mixed4e": "maxpool10"}
LRN = dict(size=9, alpha=9.99999974738e-05, beta=0.5, k=1.0)
CLASSES = 1008
LAYERS = ["conv2d0", "maxpool0", "localresponsenorm0", "conv2d1", "conv2d2", "localresponsenorm1", "maxpool1",
          "mixed3a", "mixed3b", "maxpool4", "mixed4a", "mixed4c_3x3", "mixed4c_pool", "mixed4c", "mixed4e",
          "maxpool10", "mixed5a", "mixed5b"]


# ---------------------------------------------------------------------------------------------
# Layers (NCHW, float64).

def conv2d(x, w, b, stride=1, pad=None):
    """Convolution with bias; pad = (top, left, bottom, right) zeros, by default k // 2 all round."""
    n, ci, _, _ = x.shape
    co, ci_w, k, _ = w.shape
    assert ci == ci_w, (x.shape, w.shape)
    top, left, bottom, right = pad if pad is not None else (k // 2,) * 4
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    ho, wo = (xp.shape[2] - k) // stride + 1, (xp.shape[3] - k) // stride + 1
    cols = np.empty((n, ci, k, k, ho, wo))
    for dy in range(k):
        for dx in range(k):
            cols[:, :, dy, dx] = xp[:, :, dy:dy + stride * ho:stride, dx:dx + stride * wo:stride]
    out = w.reshape(co, ci * k * k) @ cols.reshape(n, ci * k * k, ho * wo)
    return out.reshape(n, co, ho, wo) + b[None, :, None, None]


def max_pool(x, stride, pad):
    """3x3 max pool after padding (top, left, bottom, right) with -inf."""
    top, left, bottom, right = pad
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=-np.inf)
    ho, wo = (xp.shape[2] - 3) // stride + 1, (xp.shape[3] - 3) // stride + 1
    out = np.full(x.shape[:2] + (ho, wo), -np.inf)
    for dy in range(3):
        for dx in range(3):
            out = np.maximum(out, xp[:, :, dy:dy + stride * ho:stride, dx:dx + stride * wo:stride])
    return out


def local_response_norm(x, size, alpha, beta, k):
    """b_c = a_c / (k + alpha / size * sum of a_c'^2 over the size channels centred on c)^beta."""
    squares = np.pad(x * x, ((0, 0), (size // 2, size // 2), (0, 0), (0, 0)))
    sums = sum(squares[:, i:i + x.shape[1]] for i in range(size))
    return x / (k + alpha / size * sums) ** beta


def relu(x):
    return np.maximum(x, 0.0)


# ---------------------------------------------------------------------------------------------
# The network.

def forward(x, params):
    """Runs the network on a normalised batch (N, 3, S, S); returns the named activations."""
    acts = collections.OrderedDict()

    def conv(name, inp, **kw):
        y = relu(conv2d(inp, params[name + "_pre_relu_conv.weight"], params[name + "_pre_relu_conv.bias"], **kw))
        acts[name] = y
        return y

    def pool(name, inp, stride=2, pad=(0, 0, 1, 1)):
        acts[name] = max_pool(inp, stride, pad)
        return acts[name]

    x = conv("conv2d0", x, stride=2, pad=(2, 2, 3, 3))
    x = pool("maxpool0", x)
    x = acts["localresponsenorm0"] = local_response_norm(x, **LRN)
    x = conv("conv2d1", x)
    x = conv("conv2d2", x)
    x = acts["localresponsenorm1"] = local_response_norm(x, **LRN)
    x = pool("maxpool1", x)
    for block in MIXED:
        branches = [conv(block + "_1x1", x),
                    conv(block + "_3x3", conv(block + "_3x3_bottleneck", x)),
                    conv(block + "_5x5", conv(block + "_5x5_bottleneck", x)),
                    conv(block + "_pool_reduce", pool(block + "_pool", x, stride=1, pad=(1, 1, 1, 1)))]
        x = acts[block] = np.concatenate(branches, axis=1)
        if block in POOL_AFTER:
            x = pool(POOL_AFTER[block], x)
    pooled = x.mean(axis=(2, 3))
    logits = pooled @ params["softmax2_pre_activation_matmul.weight"].T + params["softmax2_pre_activation_matmul.bias"]
    acts["logits"] = logits
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    acts["probs"] = e / e.sum(axis=1, keepdims=True)
    return acts


# ---------------------------------------------------------------------------------------------
# Random checkpoints.

def parameter_shapes():
    """name -> shape of every tensor the network reads, in the port's order."""
    shapes = collections.OrderedDict()

    def conv(name, out, into, k):
        shapes[name + "_pre_relu_conv.weight"] = (out, into, k, k)
        shapes[name + "_pre_relu_conv.bias"] = (out,)

    conv("conv2d0", 64, 3, 7)
    conv("conv2d1", 64, 64, 1)
    conv("conv2d2", 192, 64, 3)
    channels = 192
    for block, (c1, c3b, c3, c5b, c5, cp) in MIXED.items():
        conv(block + "_1x1", c1, channels, 1)
        conv(block + "_3x3_bottleneck", c3b, channels, 1)
        conv(block + "_3x3", c3, c3b, 3)
        conv(block + "_5x5_bottleneck", c5b, channels, 1)
        conv(block + "_5x5", c5, c5b, 5)
        conv(block + "_pool_reduce", cp, channels, 1)
        channels = c1 + c3 + c5 + cp
    shapes["softmax2_pre_activation_matmul.weight"] = (CLASSES, channels)
    shapes["softmax2_pre_activation_matmul.bias"] = (CLASSES,)
    return shapes


def make_weights(path, seed):
    """He-scaled random weights (the first layer scaled down for inputs of order 100)."""
    from make_checkpoint_fixtures import Storage, StorageRef, Tensor, write_zip  # installs stand-in torch modules
    rng = np.random.default_rng(seed)
    arrays = collections.OrderedDict()
    for name, shape in parameter_shapes().items():
        if name.endswith(".bias"):
            values = rng.normal(0, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[1:]))
            values = rng.normal(0, np.sqrt(2.0 / fan_in) * (0.03 if name.startswith("conv2d0") else 1), shape)
        arrays[name] = values.astype(np.float32)
    # An auxiliary head's tensor, which the network does not use.
    arrays["head0_bottleneck_pre_relu_conv.weight"] = rng.normal(0, 0.1, (128, 508, 1, 1)).astype(np.float32)
    state = collections.OrderedDict()
    for index, (name, array) in enumerate(arrays.items()):
        strides = [int(np.prod(array.shape[i + 1:])) for i in range(array.ndim)]
        state[name] = Tensor(StorageRef(Storage(str(index), "float32", array.ravel())), 0, array.shape, strides)
    write_zip(path, state)


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--make-weights")
    parser.add_argument("--weights")
    parser.add_argument("--out")
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.make_weights:
        make_weights(args.make_weights, args.seed)
        return
    if not (args.weights and args.out):
        parser.error("give --make-weights, or --weights and --out")
    params = {name: array.astype(np.float64) for name, array in load_state_dict(args.weights).items()}
    images = np.random.default_rng(args.seed + 1).random((args.batch, 3, args.size, args.size))
    x = images * 255 - 117
    acts = forward(x, params)
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "images.npy"), images.astype(np.float32))
    np.save(os.path.join(args.out, "input.npy"), x.astype(np.float32))
    for name in LAYERS + ["logits", "probs"]:
        np.save(os.path.join(args.out, name + ".npy"), acts[name].astype(np.float32))


if __name__ == "__main__":
    sys.exit(main())
