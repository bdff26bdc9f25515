#!/usr/bin/env python3
"""PyTorch-on-CPU anchor for the classification benchmark: torchvision's MobileNetV2 with the
same weights as ours. Run with .deps/venv-bench/bin/python (Benchmarks/anchors/setup-torch-venv).

    torch_classify.py [--weights W.pth] [--threads N] [--seconds S]
        times batch 1 and batch 16 at 224x224 (warm-up, then the median of repeats lasting
        about S seconds per batch size) and prints one JSON line:
        {"batch1_ips": ..., "batch16_ips": ..., "threads": N, "torch": "...", "torchvision": "..."}
    torch_classify.py --check IMAGE... [--save-probs P.npy]
        prints each image's top-5 (images of 224x224 are used as they are, others go through
        Resize(256) + CenterCrop(224)); --save-probs writes the (N,1000) probabilities.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_WEIGHTS = os.path.join(REPO, ".deps", "models", "mobilenet_v2-b0353104.pth")
LABELS = os.path.join(REPO, "Sources", "Models", "Resources", "imagenet_classes.txt")


def import_torchvision():
    """Imports torchvision although its C++ ops cannot load.

    PyPI's torchvision wheels are linked against the CUDA build of torch; beside the CPU-only
    torch their _C.so fails to load, and torchvision's import then stops on registering fake
    kernels for the two ops it does not guard (nms, qnms). Declaring those two schemas lets the
    pure-Python models import; MobileNetV2 uses none of torchvision's C++ ops.
    """
    import warnings
    warnings.filterwarnings("ignore", message="Failed to load image Python extension")
    try:
        import torchvision
    except RuntimeError as e:
        if "torchvision::nms does not exist" not in str(e):
            raise
        global _TORCHVISION_SCHEMAS  # kept alive: dropping the Library would unregister them
        _TORCHVISION_SCHEMAS = torch.library.Library("torchvision", "DEF")
        for op in ("nms", "qnms"):
            _TORCHVISION_SCHEMAS.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        import torchvision
    return torchvision


def load_model(torchvision, weights):
    model = torchvision.models.mobilenet_v2(weights=None)
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model.eval()


def images_per_second(model, batch, seconds):
    x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        times = []
        deadline = time.perf_counter() + seconds
        while len(times) < 5 or time.perf_counter() < deadline:
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def check(torchvision, model, paths, save_probs):
    from PIL import Image
    T = torchvision.transforms
    normalize = [T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))]
    crop = T.Compose([T.Resize(256), T.CenterCrop(224)] + normalize)
    as_is = T.Compose(normalize)
    batch = []
    for p in paths:
        img = Image.open(p).convert("RGB")
        batch.append((as_is if img.size == (224, 224) else crop)(img))
    with torch.inference_mode():
        probs = torch.softmax(model(torch.stack(batch)), dim=1)
    labels = open(LABELS).read().splitlines()
    for p, row in zip(paths, probs):
        top = torch.topk(row, 5)
        desc = ", ".join(f"{i} {labels[i]} {v:.4f}" for v, i in zip(top.values.tolist(), top.indices.tolist()))
        print(f"{os.path.basename(p)}: {desc}")
    if save_probs:
        import numpy as np
        np.save(save_probs, probs.numpy())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=DEFAULT_WEIGHTS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0, help="timing length per batch size")
    ap.add_argument("--check", nargs="+", metavar="IMAGE")
    ap.add_argument("--save-probs", metavar="P.npy")
    args = ap.parse_args()
    if not os.path.exists(args.weights):
        sys.exit(f"{args.weights}: weights not found (run scripts/setup)")

    torch.set_num_threads(args.threads)
    torchvision = import_torchvision()
    model = load_model(torchvision, args.weights)
    if args.check:
        check(torchvision, model, args.check, args.save_probs)
        return
    result = {f"batch{b}_ips": round(images_per_second(model, b, args.seconds), 2) for b in (1, 16)}
    result.update(threads=args.threads, torch=torch.__version__, torchvision=torchvision.__version__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
