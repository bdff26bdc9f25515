#!/usr/bin/env python3
"""PyTorch-on-CPU anchor for the feature-visualization benchmark: the same optimisation loop as
`atlas visualize` (lucid's FFT image with decorrelated colour and sigmoid, pad 16 + jitter +
random scale + rotation + jitter through one grid_sample, torchvision's MobileNetV2 up to a
layer, the mean of one channel per image, Adam at 0.05). Run with .deps/venv-bench/bin/python.

    torch_visualize.py [--threads N] [--steps S]
        times batch 16 at 80 px and batch 1 at 224 px, both to features.13, and prints one JSON
        line: {"batch16_80px_steps_per_s": ..., "batch1_224px_steps_per_s": ..., "threads": N}
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

from torch_classify import DEFAULT_WEIGHTS, import_torchvision, load_model

COLOR = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR = COLOR / COLOR.norm(dim=0).max()
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def fft_image(batch, size, generator):
    fy = torch.fft.fftfreq(size)[:, None]
    fx = torch.fft.rfftfreq(size)[None, :]
    scale = 1.0 / torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / size) * size
    spectrum = (0.01 * torch.randn(batch, 3, size, size // 2 + 1, 2, generator=generator)).requires_grad_()

    def image():
        pixels = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(size, size)) / 4
        pixels = torch.einsum("nchw,dc->ndhw", pixels, COLOR)
        return torch.sigmoid(pixels)
    return spectrum, image


def transform(images, generator):
    n, _, size, _ = images.shape
    padded = F.pad(images, (16,) * 4, value=0.5)
    side = size + 32
    angle = (torch.randint(-20, 20, (n,), generator=generator).float()) * math.pi / 180
    scale = 0.995 ** torch.randint(-5, 80, (n,), generator=generator).float()
    shift = torch.randint(-30, 31, (n, 2), generator=generator).float() * 2 / side
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    theta = theta * torch.tensor([size / side, size / side, 1.0])
    grid = F.affine_grid(theta, (n, 3, size, size), align_corners=False)
    return F.grid_sample(padded, grid, align_corners=False, padding_mode="border")


def steps_per_second(trunk, batch, size, steps):
    generator = torch.Generator().manual_seed(0)
    spectrum, image = fft_image(batch, size, generator)
    optimizer = torch.optim.Adam([spectrum], lr=0.05)
    times = []
    for step in range(steps + 3):
        start = time.perf_counter()
        optimizer.zero_grad()
        activation = trunk((transform(image(), generator) - MEAN) / STD)
        objective = activation[torch.arange(batch), torch.arange(batch) % activation.shape[1]].mean(dim=(1, 2)).sum()
        (-objective).backward()
        optimizer.step()
        if step >= 3:
            times.append(time.perf_counter() - start)
    return 1 / statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=DEFAULT_WEIGHTS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(import_torchvision(), args.weights)
    for p in model.parameters():
        p.requires_grad_(False)
    trunk = model.features[:14]  # features.0 ... features.13
    result = {"batch16_80px_steps_per_s": round(steps_per_second(trunk, 16, 80, args.steps), 3),
              "batch1_224px_steps_per_s": round(steps_per_second(trunk, 1, 224, args.steps), 3),
              "threads": args.threads, "torch": torch.__version__}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
