"""Runs one Python anchor layout in a fresh process and reports it as one JSON line.

  python anchor.py umap IN.npy OUT.npy --neighbors 20 --min-dist 0.01 --metric cosine --seed 0
  python anchor.py tsne IN.npy OUT.npy --dims 2 --perplexity 30 --metric euclidean --seed 0

"seconds" times the first call in the process (umap-learn's numba compilation included, as a
user meets it); "warm_seconds" a second fit in the same process (compiled, as a notebook's next
call meets it); "peak_rss_mb" is the whole process's peak resident memory (ru_maxrss).

umap-learn runs unseeded (random_state=None) on all cores (n_jobs=-1): a random_state makes it
run on one thread, which would overstate our lead. --seed is ignored for it; openTSNE keeps its
seed, which does not limit its threads.
"""
import argparse
import json
import os
import resource
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=["umap", "tsne"])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--neighbors", type=int, default=15)
    parser.add_argument("--min-dist", type=float, default=0.1)
    parser.add_argument("--metric", default="euclidean")
    parser.add_argument("--dims", type=int, default=2)
    parser.add_argument("--perplexity", type=float, default=30.0)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    x = np.load(args.input)
    warm = None
    if args.method == "umap":
        import umap

        def fit():
            model = umap.UMAP(n_neighbors=args.neighbors, min_dist=args.min_dist, metric=args.metric,
                              n_components=args.dims, random_state=None, n_jobs=-1)
            return model.fit_transform(x)

        start = time.perf_counter()
        y = fit()
        first = time.perf_counter() - start
        start = time.perf_counter()
        fit()
        warm = time.perf_counter() - start
        start = time.perf_counter() - first  # so that "seconds" below is the first call
    else:
        import openTSNE
        model = openTSNE.TSNE(n_components=args.dims, perplexity=args.perplexity, metric=args.metric,
                              learning_rate=args.learning_rate or "auto", random_state=args.seed,
                              n_jobs=os.cpu_count())
        start = time.perf_counter()
        y = np.asarray(model.fit(x))
    seconds = time.perf_counter() - start
    np.save(args.output, np.ascontiguousarray(y, dtype=np.float32))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    report = {"seconds": seconds, "peak_rss_mb": peak}
    if warm is not None:
        report["warm_seconds"] = warm
    print(json.dumps(report))


if __name__ == "__main__":
    main()
