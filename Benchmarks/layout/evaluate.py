"""Scores a layout against its input, as one JSON line.

  python evaluate.py X.npy LABELS.npy Y.npy METRIC

trustworthiness: scikit-learn's, k = 10, on a fixed (seed 0) subsample of at most 5,000 points,
  measured with METRIC in the input space.
knn_accuracy: leave-one-out 10-nearest-neighbour majority vote of the labels in the layout,
  over all points.
"""
import json
import sys

import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors


def main():
    x = np.load(sys.argv[1])
    labels = np.load(sys.argv[2]).astype(np.int64)
    y = np.load(sys.argv[3]).astype(np.float64)
    metric = sys.argv[4]
    subset = np.random.default_rng(0).choice(len(x), size=min(5000, len(x)), replace=False)
    trust = trustworthiness(x[subset], y[subset], n_neighbors=10, metric=metric)
    _, neighbours = NearestNeighbors(n_neighbors=11).fit(y).kneighbors(y)
    votes = labels[neighbours[:, 1:]]
    predicted = np.array([np.bincount(row).argmax() for row in votes])
    accuracy = float(np.mean(predicted == labels))
    print(json.dumps({"trustworthiness": float(trust), "knn_accuracy": accuracy}))


if __name__ == "__main__":
    main()
