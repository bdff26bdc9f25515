#!/usr/bin/env python3
"""How far two palettes of the same layer agree: one built by a native network, one by its ONNX
graph (docs/onnx.md, the worked example), or any two palettes of one layer.

    .deps/venv/bin/python3 Benchmarks/onnx/compare_palettes.py PALETTE_A PALETTE_B [COLLECTION_A COLLECTION_B]

Prints, for the collections (when given): the largest activation difference relative to the
largest activation and the share of sampled positions whose attributed classes are the same; for
the palettes: the cell counts, and for each cell of A the cell of B whose mean activation is the
most similar (cosine): the mean and lowest of those cosines, and how often the two cells' top
class is the same. UMAP is chaotic (a difference in the last bit of one activation moves the
layout), so cells are matched by what they hold, not by where they lie.
"""
import json
import os
import sys

import numpy as np


def collection_agreement(a, b):
    worst, scale, same, total = 0.0, 0.0, 0, 0
    shards = sorted(name for name in os.listdir(a) if name.startswith("shard-"))
    for shard in shards:
        x, y = (np.load(os.path.join(folder, shard, "activations.npy")) for folder in (a, b))
        worst, scale = max(worst, float(np.abs(x - y).max())), max(scale, float(np.abs(x).max()))
        p, q = (np.load(os.path.join(folder, shard, "classes.npy")) for folder in (a, b))
        same += int((p == q).all(axis=1).sum())
        total += p.shape[0]
    print(f"collections: {total} samples; activations differ by at most {worst:.3g} "
          f"({worst / scale:.2g} of the largest, {scale:.3g}); attributed classes identical at {same / total:.2%} of samples")


def palette_agreement(a, b):
    (da, db) = (json.load(open(os.path.join(p, "palette.json"))) for p in (a, b))
    (va, vb) = (np.load(os.path.join(p, "vectors.npy")).astype(np.float64) for p in (a, b))
    na, nb = va / np.linalg.norm(va, axis=1, keepdims=True), vb / np.linalg.norm(vb, axis=1, keepdims=True)
    similarity = na @ nb.T
    best = similarity.argmax(axis=1)
    cosines = similarity[np.arange(len(va)), best]
    top = lambda cell: cell["classes"][0]["label"] if cell["classes"] else None
    same_top = sum(top(da["cells"][i]) == top(db["cells"][j]) for i, j in enumerate(best))
    print(f"palettes: {da['model']} {len(va)} cells, {db['model']} {len(vb)} cells; each cell of the first matched to the "
          f"second's most similar: cosine mean {cosines.mean():.4f}, lowest {cosines.min():.4f}; same top class "
          f"{same_top}/{len(va)} ({same_top / len(va):.1%})")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    if len(sys.argv) == 5:
        collection_agreement(sys.argv[3], sys.argv[4])
    palette_agreement(sys.argv[1], sys.argv[2])
