#!/usr/bin/env python3
"""Checks atlas's ONNX import (docs/onnx.md) against onnxruntime on torchvision's classifiers.

For each model (randomly initialised, see `build`) and each exporter (ts13: TorchScript
exporter, opset 13, dynamic batch; dynamo18: torch.export-based exporter, opset 18, weights in
a .onnx.data file, dynamic batch where torch.export allows it), the script exports an ONNX
file, writes a model card beside it, runs `atlas model check CARD` and
`atlas classify --model CARD --resize none --json --top 1000` on four images at the model's
input size (two of uniform noise, centre crops of skimage's astronaut and chelsea), runs the
same pixels, normalised as the card says ((pixel - mean) / std, float32), through onnxruntime,
and compares: top-1 equal, and the largest |probability difference| over all 1000 classes.
A model atlas cannot import shows atlas's error instead. One table row per model x exporter
goes to stdout, one JSON object per row to OUT/results.jsonl; the files stay in OUT.
Exit status 1 if any model that imports disagrees with onnxruntime on a top-1.

Run from the repository root (after `swift build -c release`):

    .deps/venv-bench/bin/python Benchmarks/onnx/torchvision_zoo.py [--models resnet18,alexnet]
        [--exporters ts13,dynamo18] [--atlas PATH] [--out DIR]

The venv is Benchmarks/anchors/setup-torch-venv's, plus
`.deps/venv-bench/bin/pip install onnx onnxruntime onnxscript` (onnxscript: the dynamo
exporter). All 15 models with both exporters take about 4 minutes on 2 cores.
"""
import argparse
import collections
import contextlib
import io
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Benchmarks" / "anchors"))
from torch_classify import import_torchvision  # noqa: E402  (torchvision's C++ ops do not load)

TORCHVISION = import_torchvision()

MODELS = ("resnet18 googlenet mobilenet_v2 mobilenet_v3_small mobilenet_v3_large efficientnet_b0 "
          "squeezenet1_1 vgg11_bn alexnet densenet121 mnasnet0_5 regnet_x_400mf inception_v3 "
          "shufflenet_v2_x0_5 convnext_tiny").split()
EXPORTERS = {"ts13": (False, 13), "dynamo18": (True, 18)}  # name: (dynamo, opset)
MEAN = [123.675, 116.28, 103.53]  # torchvision's ImageNet statistics, in 0-255 units
STD = [58.395, 57.12, 57.375]
PHOTOS = REPO / ".deps" / "photos" / "skimage"


def input_size(name):
    return 299 if name == "inception_v3" else 224


def build(name, size, images):
    """The model with random weights, made to give logits like a trained network's.

    Freshly initialised, the batch norms hold mean 0 and variance 1, which do not match their
    inputs: activations grow or shrink from block to block, and the logits come out either huge
    (softmax one-hot, every other class's probability 0 in both runtimes, so nothing is
    compared) or nearly equal (softmax flat, top-1 decided by rounding). Running statistics
    gathered in train mode on random images make each batch norm normalise what it actually
    sees, as in a trained network; scaling the last layer so that the logits of the test images
    themselves have std ~4 then gives a softmax with a few leading classes and a graded tail,
    where top-1 is no tie and the probability differences measure the arithmetic.
    """
    torch.manual_seed(0)
    kw = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
    model = getattr(TORCHVISION.models, name)(weights=None, **kw)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        if norms:
            for norm in norms:
                norm.reset_running_stats()
                norm.momentum = None  # a plain average over the passes
            model.train()
            for _ in range(2):
                model(torch.randn(8, 3, size, size))
        model.eval()
        last = [m for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))][-1]
        z = model(torch.from_numpy(np.concatenate([normalised(image) for image in images])))
        scale = 4.0 / max((z - z.mean(1, keepdim=True)).std().item(), 1e-12)
        last.weight.mul_(scale)
        if last.bias is not None:
            last.bias.mul_(scale)
    return model


def export(model, path, exporter, size):
    """Exports with a dynamic batch where possible; returns "dynamic" or "fixed"."""
    dynamo, opset = EXPORTERS[exporter]
    kw = dict(input_names=["input"], output_names=["logits"], dynamo=dynamo, opset_version=opset)
    x = (torch.randn(1, 3, size, size),)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        if not dynamo:
            torch.onnx.export(model, x, path, dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, **kw)
            return "dynamic"
        logging.disable(logging.ERROR)  # torch logs the failed attempt's traceback at ERROR
        try:
            batch = torch.export.Dim("N", min=1, max=1024)
            torch.onnx.export(model, x, path, dynamic_shapes=({0: batch},), **kw)
            return "dynamic"
        except Exception:  # convnext_tiny: torch.export cannot keep its batch symbolic
            torch.onnx.export(model, x, path, **kw)
            return "fixed"
        finally:
            logging.disable(logging.NOTSET)


def test_images(out, size):
    """Two noise images and two centre crops at size x size, written once per size."""
    folder = out / f"images{size}"
    if not folder.is_dir():
        folder.mkdir()
        rng = np.random.default_rng(size)
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"noise{i}.png")
        for photo in ("astronaut", "chelsea"):
            im = Image.open(PHOTOS / f"{photo}.png").convert("RGB")
            w, h = im.size
            s = min(w, h)
            box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
            im.crop(box).resize((size, size), Image.BILINEAR).save(folder / f"{photo}.png")
    return sorted(str(p) for p in folder.glob("*.png"))


def write_card(onnx_path, size):
    card = onnx_path.with_suffix(".toml")
    card.write_text(f'onnx = "{onnx_path.name}"\ninput_size = {size}\nmean = {MEAN}\n'
                    f'std = {STD}\nlabels = "imagenet"\n')
    return card


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def atlas_error(proc):
    """The error without the file's summary that precedes it: from "not supported" if present."""
    text = " ".join((proc.stderr or proc.stdout).split()).removeprefix("atlas: error: ")
    return text[text.find("not supported"):] if "not supported" in text else text


def normalised(image):
    """[1, 3, S, S] float32: the image's pixels as the card says, (pixel - mean) / std."""
    pixels = np.asarray(Image.open(image).convert("RGB"), np.float32)
    x = (pixels - np.float32(MEAN)) / np.float32(STD)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def onnxruntime_probs(session, image):
    z = session.run(None, {session.get_inputs()[0].name: normalised(image)})[0][0].astype(np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def check(atlas, path, size, images):
    """Runs atlas on the exported file and compares with onnxruntime; returns the result fields."""
    graph = onnx.load(str(path), load_external_data=False).graph
    res = {"ops": dict(sorted(collections.Counter(n.op_type for n in graph.node).items()))}
    card = write_card(path, size)
    proc = run([atlas, "model", "check", str(card)])
    res["imports"] = proc.returncode == 0
    if not res["imports"]:
        return res | {"error": atlas_error(proc)}
    proc = run([atlas, "classify", "--model", str(card), "--resize", "none", "--json", "--top", "1000"] + images)
    if proc.returncode != 0:
        return res | {"error": "classify: " + atlas_error(proc)}
    rows = {r["image"]: r["top"] for r in map(json.loads, proc.stdout.split("\n")[:-1])}
    if sorted(rows) != images:
        return res | {"error": f"classify: results for {sorted(rows)}, not {images}"}
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    res |= {"top1_equal": True, "max_prob_diff": 0.0, "top1": {}}
    for image in images:
        ref = onnxruntime_probs(session, image)
        got = np.zeros(1000)
        for t in rows[image]:
            got[t["index"]] = t["probability"]
        res["top1"][Path(image).name] = [int(got.argmax()), int(ref.argmax())]  # atlas, onnxruntime
        res["top1_equal"] &= bool(got.argmax() == ref.argmax())
        res["max_prob_diff"] = max(res["max_prob_diff"], float(np.abs(got - ref).max()))
    return res


def row(r):
    ops = f'{sum(r["ops"].values())} nodes, {len(r["ops"])} types' if "ops" in r else "-"
    imports = "yes" if r.get("imports") else "no"
    head = f'{r["model"]:<19}{r["exporter"]:<9}{r.get("batch", "-"):<8}{imports:<8}{ops:<20}'
    if "error" in r:
        return head + r["error"][:150]
    return head + f'{"equal" if r["top1_equal"] else "DIFFER":<8}{r["max_prob_diff"]:.1e}'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated torchvision model names")
    ap.add_argument("--exporters", default=",".join(EXPORTERS), help="comma-separated: ts13, dynamo18")
    ap.add_argument("--atlas", default=str(REPO / ".build" / "release" / "atlas"))
    ap.add_argument("--out", default="/tmp/atlas-torchvision-zoo", type=Path)
    args = ap.parse_args()
    exporters = args.exporters.split(",")
    if not Path(args.atlas).is_file():
        sys.exit(f"no atlas at {args.atlas} (swift build -c release, or --atlas PATH)")
    if unknown := set(exporters) - set(EXPORTERS):
        sys.exit(f"unknown exporter(s): {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f'{"model":<19}{"exporter":<9}{"batch":<8}{"imports":<8}{"ops":<20}top-1   max|dp| (or atlas error)')
    results = []
    with open(args.out / "results.jsonl", "w") as log:
        for name in args.models.split(","):
            size = input_size(name)
            images = test_images(args.out, size)
            model = build(name, size, images)
            for exporter in exporters:
                start = time.time()
                r = {"model": name, "exporter": exporter, "input_size": size}
                path = args.out / f"{name}.{exporter}.onnx"
                try:
                    r["batch"] = export(model, path, exporter, size)
                except Exception as e:
                    r["error"] = f"export failed: {e!r}"
                else:
                    r |= check(args.atlas, path, size, images)
                r["seconds"] = round(time.time() - start, 1)
                print(row(r), flush=True)
                log.write(json.dumps(r) + "\n")
                log.flush()
                results.append(r)
    print(f"results: {args.out / 'results.jsonl'}")
    sys.exit(1 if any(r.get("top1_equal") is False for r in results) else 0)


if __name__ == "__main__":
    main()
