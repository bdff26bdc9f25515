"""Writes the layout benchmark's inputs, seeded, as float32 C-order .npy files.

  digits.npy / digits-labels.npy              scikit-learn's digits, 1,797 x 64
  clusters-N.npy / clusters-N-labels.npy      synthetic ReLU-like activations, N x 512
  hard-N.npy / hard-N-labels.npy              the harder kind: 200 clusters, N x 96 (a features.13-wide layer)

The synthetic data imitates a CNN layer's activations: a mixture of 50 anisotropic Gaussian
clusters in a 64-dimensional latent space (random rotations, axis scales log-uniform in
[0.05, 1]), sent through a fixed random linear map to 512 dimensions plus a bias, then a ReLU.
Cluster parameters come from one seed, so every size samples the same mixture. The hard kind
draws 200 clusters in a 32-dimensional latent space sent to 96 dimensions: many clusters, few
dimensions, as at MobileNetV2's features.13, where the layouts' quality parts (issue 16).

Usage: python make_data.py OUT_DIR [N | hard-N ...]     (default sizes: 10000 50000 100000)
"""
import os
import sys

import numpy as np

LATENT, DIM, CLUSTERS, SEED = 64, 512, 50, 20190306
SPREAD = float(os.environ.get("HARD_SPREAD", "0.35"))
# latent dimensions, dimensions, clusters, spread of the cluster centres
KINDS = {"clusters": (64, 512, 50, 1.0), "hard": (32, 96, 200, SPREAD)}


def mixture(rng, kind="clusters"):
    LATENT, DIM, CLUSTERS, spread = KINDS[kind]
    centres = rng.normal(0.0, spread, size=(CLUSTERS, LATENT))
    shapes = []
    for _ in range(CLUSTERS):
        rotation, _ = np.linalg.qr(rng.normal(size=(LATENT, LATENT)))
        scales = np.exp(rng.uniform(np.log(0.05), np.log(1.0), size=LATENT))
        shapes.append(rotation * scales)  # z = centre + (rotation * scales) @ g
    weights = rng.dirichlet(np.full(CLUSTERS, 5.0))
    projection = rng.normal(0.0, 1.0 / np.sqrt(LATENT), size=(LATENT, DIM))
    bias = rng.normal(-0.3, 0.3, size=DIM)
    return centres, shapes, weights, projection, bias


def sample(n, parameters, rng):
    centres, shapes, weights, projection, bias = parameters
    CLUSTERS, LATENT = centres.shape
    labels = rng.choice(CLUSTERS, size=n, p=weights)
    latent = np.empty((n, LATENT))
    for c in range(CLUSTERS):
        members = np.flatnonzero(labels == c)
        latent[members] = centres[c] + rng.normal(size=(members.size, LATENT)) @ shapes[c].T
    x = np.maximum(latent @ projection + bias, 0.0)
    return np.ascontiguousarray(x, dtype=np.float32), labels.astype(np.float32)


def save(path, array):
    tmp = path + ".tmp.npy"
    np.save(tmp, array)
    os.replace(tmp, path)


def main():
    out = sys.argv[1]
    sizes = sys.argv[2:] or ["10000", "50000", "100000"]
    os.makedirs(out, exist_ok=True)
    if not os.path.exists(os.path.join(out, "digits.npy")):
        from sklearn.datasets import load_digits
        digits = load_digits()
        save(os.path.join(out, "digits.npy"), np.ascontiguousarray(digits.data, dtype=np.float32))
        save(os.path.join(out, "digits-labels.npy"), digits.target.astype(np.float32))
    parameters = {kind: mixture(np.random.default_rng(SEED), kind) for kind in KINDS}
    for name in sizes:
        kind, n = name.split("-") if "-" in name else ("clusters", name)
        n = int(n)
        path = os.path.join(out, f"{kind}-{n}.npy")
        if os.path.exists(path):
            continue
        x, labels = sample(n, parameters[kind], np.random.default_rng(SEED + n))
        save(path, x)
        save(os.path.join(out, f"{kind}-{n}-labels.npy"), labels)
        print(f"[make_data] {path}: {x.shape}, {100 * np.mean(x == 0):.0f}% zeros", file=sys.stderr)


if __name__ == "__main__":
    main()
