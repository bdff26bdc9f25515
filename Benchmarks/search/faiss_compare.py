"""Measures FAISS's IndexIVFPQ beside atlas's own inverted file ("atlas index ivf") on one atlas index.

  .deps/venv-faiss/bin/python Benchmarks/search/faiss_compare.py INDEX_FOLDER [--metrics l2,ip]

(venv: python3 -m venv .deps/venv-faiss && .deps/venv-faiss/bin/pip install faiss-cpu numpy)

Reads every position's unit vector (int8 codes [channels, positions] times the float32 per-position
scale, from the shards named in index.json) into a float32 [N, channels] array, numbered as the index
numbers positions (grids in manifest order, row-major within a grid). Takes lists from ivf/ivf.json
and builds faiss.IndexIVFPQ(quantizer, channels, lists, 16, 8) once per metric (L2, as ours files
positions by L2 to centroids; inner product, as ours scores). Trains on a random sample (seed 1) of
max(64 * lists, 65,536) positions and adds all, on 2 OpenMP threads, timing each (wall and process
CPU). Then 40 positions drawn at seed 7 serve as queries, searched one at a time (as atlas's per-cell
stage does) with nprobe = max(8, lists // 64) and k = 8192: median and p95 milliseconds per search,
and recall = |exact top-100 by inner product (numpy brute force over all N) within FAISS's k results|
/ 100 (also within FAISS's own top 100). Finally faiss.write_index: seconds and bytes per position.
Run it on an otherwise idle machine; it prints the load average.
"""
import argparse
import json
import os
import tempfile
import time

import faiss
import numpy as np

K = 8192
TOP = 100
QUERIES = 40
THREADS = 2


def read_positions(folder):
    manifest = json.load(open(os.path.join(folder, "index.json")))
    channels = manifest["origin"]["channels"]
    grids = []  # (shard, offset, positions, start)
    start = 0
    for image in manifest["images"]:
        for grid in image["grids"]:
            positions = grid["rows"] * grid["columns"]
            grids.append((image["shard"], grid["offset"], positions, start))
            start += positions
    out = np.empty((start, channels), dtype=np.float32)
    by_group = {}
    for shard, offset, positions, begin in grids:
        by_group.setdefault((shard, positions), []).append((offset, begin))
    for (shard, positions), members in sorted(by_group.items()):
        data = np.memmap(os.path.join(folder, manifest["shards"][shard]), dtype=np.uint8, mode="r")
        assert bytes(data[:8]) == b"ATLGRID1"
        members = np.array(members, dtype=np.int64)
        code_span = np.arange(channels * positions, dtype=np.int64)
        scale_span = np.arange(4 * positions, dtype=np.int64)
        for lo in range(0, len(members), 256):
            offsets, begins = members[lo:lo + 256, 0], members[lo:lo + 256, 1]
            codes = data[offsets[:, None] + code_span].view(np.int8).reshape(-1, channels, positions)
            scales = np.ascontiguousarray(data[offsets[:, None] + channels * positions + scale_span])
            scales = scales.view("<f4").reshape(-1, positions)
            vectors = codes.transpose(0, 2, 1).astype(np.float32) * scales[:, :, None]
            out[(begins[:, None] + np.arange(positions)).ravel()] = vectors.reshape(-1, channels)
    return out


def exact_top(x, queries, top):
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for lo in range(0, len(x), 262144):
        scores = queries @ x[lo:lo + 262144].T
        ids = np.argpartition(-scores, top - 1, axis=1)[:, :top] if scores.shape[1] > top else \
            np.tile(np.arange(scores.shape[1]), (len(queries), 1))
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, ids, 1)], axis=1)
        best_ids = np.concatenate([best_ids, ids + lo], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :top]
        best_scores = np.take_along_axis(best_scores, keep, 1)
        best_ids = np.take_along_axis(best_ids, keep, 1)
    return best_ids, best_scores


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--metrics", default="l2,ip")
    args = parser.parse_args()
    faiss.omp_set_num_threads(THREADS)
    ivf = json.load(open(os.path.join(args.folder, "ivf", "ivf.json")))
    lists, subspaces = ivf["lists"], ivf["subspaces"]
    bits = int(np.log2(ivf["codewords"]))
    nprobe = max(8, lists // 64)

    wall = time.perf_counter()
    x = read_positions(args.folder)
    read_s = time.perf_counter() - wall
    n, d = x.shape
    sample = np.random.default_rng(1).choice(n, size=min(n, max(64 * lists, 65536)), replace=False)
    train = np.ascontiguousarray(x[np.sort(sample)])
    query_ids = np.random.default_rng(7).choice(n, size=QUERIES, replace=False)
    queries = np.ascontiguousarray(x[query_ids])
    wall = time.perf_counter()
    truth, _ = exact_top(x, queries, TOP)
    exact_s = time.perf_counter() - wall
    ours = sum(os.path.getsize(os.path.join(args.folder, "ivf", f))
               for f in os.listdir(os.path.join(args.folder, "ivf")))

    print(f"faiss {faiss.__version__}, numpy {np.__version__}, omp threads {THREADS}, "
          f"load average at start {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{args.folder}: N = {n} positions x {d}, lists {lists}, PQ {subspaces}x{bits} bits, "
          f"train {len(train)}, nprobe {nprobe}, k {K}, {QUERIES} queries (seed 7)")
    print(f"read {read_s:.1f} s, exact top-{TOP} brute force {exact_s:.1f} s; "
          f"atlas ivf/ on disk {ours / n:.2f} B/position")
    rows = []
    for metric in args.metrics.split(","):
        if metric == "l2":
            index = faiss.IndexIVFPQ(faiss.IndexFlatL2(d), d, lists, subspaces, bits)
        else:
            index = faiss.IndexIVFPQ(faiss.IndexFlatIP(d), d, lists, subspaces, bits,
                                     faiss.METRIC_INNER_PRODUCT)
        train_t = timed(lambda: index.train(train))
        add_t = timed(lambda: index.add(x))
        index.nprobe = nprobe
        index.search(queries[:1], K)  # warm-up, not timed
        times, recall_k, recall_top = [], [], []
        for i in range(QUERIES):
            t = time.perf_counter()
            _, ids = index.search(queries[i:i + 1], K)
            times.append(time.perf_counter() - t)
            found = ids[0][ids[0] >= 0]
            recall_k.append(len(np.intersect1d(truth[i], found)) / TOP)
            recall_top.append(len(np.intersect1d(truth[i], found[:TOP])) / TOP)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "faiss.index")
            write_t = timed(lambda: faiss.write_index(index, path))
            size = os.path.getsize(path)
        ms = np.array(times) * 1000
        rows.append((metric, train_t, add_t, np.median(ms), np.percentile(ms, 95),
                     np.mean(recall_k), np.min(recall_k), np.mean(recall_top), write_t[0], size / n))
        del index
    print(f"{'metric':6} {'train wall/cpu s':>16} {'add wall/cpu s':>15} {'search med/p95 ms':>17} "
          f"{'R@k mean/min':>12} {'R100@100':>8} {'write s':>7} {'B/pos':>6}")
    for m, tr, ad, med, p95, rk, rkmin, rt, ws, bpp in rows:
        print(f"{m:6} {tr[0]:7.1f}/{tr[1]:<8.1f} {ad[0]:6.1f}/{ad[1]:<8.1f} {med:8.2f}/{p95:<8.2f} "
              f"{rk:6.3f}/{rkmin:<5.2f} {rt:8.3f} {ws:7.2f} {bpp:6.2f}")
    print(f"load average at end {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
