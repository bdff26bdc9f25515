#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, Fuzz/corpus/<target>/, from real files, cut small.

    .deps/venv-bench/bin/python3 Fuzz/make-seeds.py ROOT [OUT]

ROOT is a checkout where `scripts/setup` ran and a collection and the castle atlas were built
(.deps/models, .deps/photos, data/demo, runs/); OUT defaults to Fuzz/corpus beside this script.
Needs numpy and Pillow, and torch for the real checkpoints (all in .deps/venv-bench); the small
checkpoint fixtures come from Tests/Reference/make_checkpoint_fixtures.py (no torch). The seeds
are committed, so this only runs again to change them. Every seed stays under 100 KB.
"""
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from PIL import Image

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "corpus")
repository = os.path.dirname(here)


def target(name):
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def seed_name(name):
    """Checkpoint seeds are stored as .seed, not .pth or .safetensors: git keeps model weights out."""
    for extension in (".pth", ".safetensors"):
        if name.endswith(extension):
            return name[:-len(extension)] + ".seed"
    return name


def write(folder, name, data):
    assert len(data) <= 100_000, (name, len(data))
    with open(os.path.join(folder, seed_name(name)), "wb") as f:
        f.write(data)


def crop(path, size, box_at=(0.5, 0.5)):
    image = Image.open(path)
    image.load()
    w, h = image.size
    left = int((w - size) * box_at[0])
    top = int((h - size) * box_at[1])
    return image.crop((left, top, left + size, top + size))


def saved(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


photos = os.path.join(root, ".deps/photos/skimage")
demo = os.path.join(root, "data/demo")

# --- png: colour types, bit depths, transparency, interlacing ------------------------------------
def interlaced_png(image):
    """Pillow cannot write Adam7: an 8-bit RGB PNG written by hand, filter 0 on every row."""
    pixels = np.asarray(image.convert("RGB"))
    h, w, _ = pixels.shape
    raw = b""
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        sub = pixels[y0::dy, x0::dx]
        if sub.size:
            raw += b"".join(b"\0" + row.tobytes() for row in sub)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

png = target("png")
write(png, "camera-gray.png", saved(crop(f"{photos}/camera.png", 48), "PNG"))
write(png, "chelsea-rgb.png", saved(crop(f"{photos}/chelsea.png", 40), "PNG"))
write(png, "astronaut-rgba.png", saved(crop(f"{photos}/astronaut.png", 32).convert("RGBA"), "PNG"))
write(png, "coffee-palette-trns.png", saved(crop(f"{photos}/coffee.png", 32).convert("P", palette=Image.ADAPTIVE, colors=16), "PNG",
                                             transparency=3))
write(png, "camera-16bit.png", saved(crop(f"{photos}/camera.png", 24).convert("I;16"), "PNG"))
write(png, "camera-1bit.png", saved(crop(f"{photos}/camera.png", 40).convert("1"), "PNG"))
write(png, "motorcycle-interlaced.png", interlaced_png(crop(f"{photos}/motorcycle_left.png", 24)))

# --- jpeg: baseline, progressive, grey, 4:4:4, CMYK, restart markers -----------------------------
jpeg = target("jpeg")
rocket = crop(f"{photos}/rocket.jpg", 64)
write(jpeg, "rocket-baseline.jpg", saved(rocket, "JPEG", quality=75))
write(jpeg, "rocket-progressive.jpg", saved(rocket, "JPEG", quality=60, progressive=True))
write(jpeg, "rocket-gray.jpg", saved(rocket.convert("L"), "JPEG", quality=70))
write(jpeg, "rocket-444.jpg", saved(rocket, "JPEG", quality=80, subsampling=0))
write(jpeg, "rocket-cmyk.jpg", saved(rocket.convert("CMYK"), "JPEG", quality=70))
write(jpeg, "grey-wallpaper-restart.jpg", saved(crop(f"{demo}/scenery/plasma-wallpapers/Grey.jpg", 48), "JPEG",
                                                quality=70, restart_marker_blocks=1))

# --- webp: lossy, lossless, alpha, animated ------------------------------------------------------
webp = target("webp")
chair = Image.open(f"{demo}/objects/categorization/others/chair.webp").convert("RGB").resize((48, 48))
cup = Image.open(f"{demo}/objects/categorization/others/cup.webp").convert("RGB").resize((32, 32))
write(webp, "chair-lossy.webp", saved(chair, "WEBP", quality=60))
write(webp, "chair-lossless.webp", saved(chair, "WEBP", lossless=True))
write(webp, "cup-alpha.webp", saved(cup.convert("RGBA"), "WEBP", quality=50))
write(webp, "cup-animated.webp", saved(cup, "WEBP", save_all=True, append_images=[chair.resize((32, 32))], duration=100))
with open(f"{demo}/objects/categorization/others/pillow.webp", "rb") as f:
    original = f.read()
if len(original) <= 100_000:
    write(webp, "pillow-original.webp", original)

# --- checkpoints: the test fixtures, and real tensors cut from mobilenet_v2 -----------------------
fixtures = tempfile.mkdtemp()
subprocess.run([sys.executable, os.path.join(repository, "Tests/Reference/make_checkpoint_fixtures.py"), fixtures], check=True)
legacy, zipped, safetensors = target("pth-legacy"), target("pth-zip"), target("safetensors")
for name in ["legacy.pth", "nested.pth", "short_storage.pth", "truncated_pickle.pth", "malicious_os_system.pth", "bad_count.pth"]:
    shutil.copy(os.path.join(fixtures, name), os.path.join(legacy, seed_name(name)))
for name in ["zip.pth", "zip_big_endian.pth", "zip_protocol4_wrapped.pth", "compressed.pth", "zip_missing_storage.pth"]:
    shutil.copy(os.path.join(fixtures, name), os.path.join(zipped, seed_name(name)))
shutil.copy(os.path.join(fixtures, "model.safetensors"), os.path.join(safetensors, seed_name("model.safetensors")))
# Containers inside themselves: pth-legacy's leak (see HostileCheckpointTests.testAContainerInsideItselfIsRefused).
write(legacy, "hostile-list-in-itself.pth", bytes([0x80, 0x02, 0x5d, 0x32, 0x61, 0x2e]))
write(legacy, "hostile-dict-in-itself.pth", bytes([0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x6b, 0x68, 0x00, 0x73, 0x2e]))
shutil.rmtree(fixtures)

try:
    import torch
    state = torch.load(os.path.join(root, ".deps/models/mobilenet_v2-b0353104.pth"), map_location="cpu", weights_only=True)
    small = {k: v for k, v in state.items() if k.startswith("features.1.conv.1.") or k == "features.0.1.num_batches_tracked"}
    small["features.0.0.weight"] = state["features.0.0.weight"][:4]
    small["classifier.1.bias"] = state["classifier.1.bias"][:8].clone()
    buffer = io.BytesIO()
    torch.save(small, buffer, _use_new_zipfile_serialization=False)
    write(legacy, "mobilenet-v2-cut.pth", buffer.getvalue())
    buffer = io.BytesIO()
    torch.save(small, buffer)
    write(zipped, "mobilenet-v2-cut.pth", buffer.getvalue())
    buffer = io.BytesIO()
    torch.save({"state_dict": {"fc.weight": state["features.0.0.weight"][:2].half(), "fc.bias": torch.arange(3, dtype=torch.int64)}},
               buffer)
    write(zipped, "nested-half-long.pth", buffer.getvalue())
except ImportError:
    state = None
    print("no torch: the real-checkpoint seeds are left out", file=sys.stderr)


def safetensors_file(tensors, metadata=None):
    header, offset, data = {}, 0, b""
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        offset, data = offset + len(raw), data + raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


if state is not None:
    bn = {k: ("F32", state[k].numpy()) for k in state if k.startswith("features.1.conv.1.") and "num_batches" not in k}
    write(safetensors, "mobilenet-v2-cut.safetensors", safetensors_file(bn, {"format": "pt"}))
    conv = state["features.0.0.weight"][:2].numpy()
    write(safetensors, "dtypes.safetensors", safetensors_file({
        "a.f16": ("F16", conv.astype(np.float16)), "b.bf16": ("BF16", (conv.view(np.uint32) >> 16).astype(np.uint16)),
        "c.f64": ("F64", conv[:1].astype(np.float64)), "d.i64": ("I64", np.arange(6, dtype=np.int64).reshape(2, 3)),
        "e.u8": ("U8", np.arange(4, dtype=np.uint8)), "f.bool": ("BOOL", np.array([True, False])),
        "g.scalar": ("F32", np.array(1.5, dtype=np.float32)), "h.empty": ("F32", np.zeros((0, 3), dtype=np.float32))}))

# An empty tensor whose C-order strides overflow: safetensors' first find (see
# HostileCheckpointTests.testSafetensorsShapeWhoseStridesOverflowIsRefused), kept as a seed.
hostile = json.dumps({"a": {"dtype": "F32", "shape": [0, 2**62, 2**62], "data_offsets": [0, 0]}}).encode()
write(safetensors, "hostile-empty-huge-strides.safetensors", struct.pack("<Q", len(hostile)) + hostile + b"\0" * 32)

# --- npy -------------------------------------------------------------------------------------------
npy = target("npy")
for name in ["layout.npy", "vectors.npy"]:
    shutil.copy(os.path.join(root, "runs/castle-atlas", name), os.path.join(npy, "castle-" + name))
def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()
values = np.load(os.path.join(root, "runs/castle-atlas/layout.npy"))[:6]
write(npy, "f8.npy", npy_bytes(values.astype(np.float64)))
write(npy, "big-endian.npy", npy_bytes(values.astype(">f4")))
write(npy, "fortran.npy", npy_bytes(np.asfortranarray(values.astype(np.float32))))
write(npy, "i8-3d.npy", npy_bytes(np.arange(24, dtype=np.int64).reshape(2, 3, 4)))
write(npy, "scalar.npy", npy_bytes(np.float32(2.5)))
write(npy, "version2.npy", npy_bytes(values.astype(np.float32), version=(2, 0)))

# --- canvas ----------------------------------------------------------------------------------------
canvas = target("canvas")
for name in sorted(os.listdir(os.path.join(repository, "canvases"))):
    shutil.copy(os.path.join(repository, "canvases", name), canvas)

# Stamp regions whose rows or columns overflow: canvas's first find (see
# CanvasParserTests.testARegionWhoseSizeOverflowsIsAnError), kept as seeds.
for name, region in {"bottom": [1, 0, -2**63, 1], "right": [0, 1, 1, -2**63]}.items():
    write(canvas, f"hostile-region-{name}.canvas", (
        'palette = "p"\ngrid = """\nab\n"""\n[brushes]\na = { class = "castle" }\n'
        f'b = {{ stamp = "x.png", region = {region} }}\n').encode())

# --- versioned JSON: palette descriptions, collection headers ---------------------------------------
palette = target("palette-json")
sources = [(f"palettes/mobilenet_v2/{layer}/palette.json", repository) for layer in ["features.6", "features.13", "features.17"]]
sources.append(("runs/castle-atlas/palette.json", root))
for relative, base in sources:
    description = json.load(open(os.path.join(base, relative)))
    description["cells"] = description["cells"][:4]
    if description.get("attributedClasses") is not None:
        description["attributedClasses"] = description["attributedClasses"][:6]
    name = relative.replace("palettes/mobilenet_v2/", "").replace("runs/", "").replace("/palette.json", "") + ".json"
    write(palette, name, json.dumps(description, sort_keys=True, indent=1).encode())

collection = target("collection-json")
for layer in ["features.13", "features.17"]:
    header = json.load(open(os.path.join(root, f"runs/collection-mobilenet_v2-{layer}/collection.json")))
    header["images"] = header["images"][:5]
    header["images"][1]["skipped"] = "not a PNG, JPEG or WebP image"
    header["shards"] = [dict(header["shards"][0], imageCount=5, samples=320)]
    write(collection, f"{layer}.json", json.dumps(header, sort_keys=True, indent=1).encode())

# --- an index: index.json and a shard, made as `atlas index build` writes them ----------------------
def index_files(channels, scales, images, seed):
    rng = np.random.default_rng(seed)
    origin = {"model": "mobilenet_v2", "weightsSHA256": header["weightsSHA256"], "layer": "features.13",
              "channels": channels, "stride": 16}
    shard, entries = bytearray(b"ATLGRID1"), []
    for number, (path, sides) in enumerate(images):
        grids = []
        for scale, side in zip(scales, sides):
            positions = side * side
            vectors = rng.normal(size=(positions, channels)).astype(np.float32)
            codes = np.round(127 * vectors / np.abs(vectors).max(axis=1, keepdims=True)).astype(np.int8)
            grids.append({"scale": scale, "rows": side, "columns": side, "offset": len(shard)})
            shard += codes.T.tobytes()
            shard += (1 / np.linalg.norm(codes.astype(np.float32), axis=1)).astype("<f4").tobytes()
            shard += np.abs(vectors).mean(axis=0).astype("<f4").tobytes()
        data = f"photo {number}".encode()
        entries.append({"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "width": 64 + number,
                        "height": 48, "shard": 0, "grids": grids})
    manifest = {"format": "atlas-index/1", "origin": origin, "scales": scales, "shards": ["shards/000000.grids"],
                "images": entries}
    return json.dumps(manifest, sort_keys=True).encode(), bytes(shard)

manifests, shards = target("index-manifest"), target("index-shard")
examples = {
    "two-photos-two-scales": index_files(8, [32, 48], [("photos/0.png", [2, 3]), ("photos/1.jpg", [2, 3])], 1),
    "one-photo-96-channels": index_files(96, [224], [("data/demo/animals/erase/bee.webp", [3])], 2),
    "three-photos-one-scale": index_files(4, [64], [("a.png", [4]), ("b.png", [4]), ("c.png", [1])], 3),
}
for name, (manifest, shard) in examples.items():
    write(manifests, name + ".json", manifest)
    # index-shard's input: index.json, a zero byte, then the bytes of the shard every entry names.
    write(shards, name + ".bin", manifest + b"\0" + shard)
write(manifests, "empty.json", json.dumps({"format": "atlas-index/1", "origin": json.loads(examples["two-photos-two-scales"][0])["origin"],
                                             "scales": [224, 320], "shards": [], "images": []}).encode())

# Manifests whose numbers overflow or are negative: index-shard's first finds (see
# IndexFolderTests.testManifestNumbersThatOverflowAreErrors), kept as seeds of the error paths.
manifest, shard = examples["two-photos-two-scales"]
for name, edit in {
    "offset-near-int-max": lambda m: m["images"][0]["grids"][0].update(offset=2**63 - 1),
    "rows-columns-overflow": lambda m: m["images"][0]["grids"][0].update(rows=2**32, columns=2**32),
    "negative-channels": lambda m: m["origin"].update(channels=-3),
    "negative-rows-columns": lambda m: m["images"][0]["grids"][0].update(rows=-2, columns=-2),
}.items():
    hostile = json.loads(manifest)
    edit(hostile)
    write(shards, f"hostile-{name}.bin", json.dumps(hostile, sort_keys=True).encode() + b"\0" + shard)

# ONNX models: the importer tests' small random-weight models (every supported operator, opsets
# 11 to 18) and bad files, from Tests/Reference/onnx_models.py (needs onnx and onnxruntime: run
# this part with .deps/venv). Stored as .seed, as the checkpoints are.
onnx_models = os.path.join(repository, "Tests", "Reference", "onnx_models.py")
with tempfile.TemporaryDirectory() as made:
    subprocess.run([sys.executable, onnx_models, "zoo", made], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, onnx_models, "bad", made], check=True, stdout=subprocess.DEVNULL)
    models = target("onnx-model")
    for name in sorted(os.listdir(made)):
        if name.endswith(".onnx") and name != "external_data.onnx":
            with open(os.path.join(made, name), "rb") as f:
                write(models, name[:-len(".onnx")] + ".seed", f.read())
cards = target("model-card")
write(cards, "imagenet.toml", b'onnx = "model.onnx"\ninput_size = 224\nmean = [123.675, 116.28, 103.53]\n'
      b'std = [58.395, 57.12, 57.375]\nlabels = "imagenet"\n')
write(cards, "named.toml", b'# EfficientNet-Lite0\nonnx = "lite0.onnx"  # beside the card\ninput_size = 224\n'
      b'mean = [127.0, 127, 127]\nstd = [128.0, 128.0, 128.0]\nlabels = "classes.txt"\nname = "lite0"\n')
write(cards, "short-mean.toml", b'onnx = "m.onnx"\ninput_size = 32\nmean = [1, 2]\nstd = [1, 1, 1]\nlabels = "imagenet"\n')

# Inverted files (atlas index ivf): ivf.json, a zero byte, then lists.bin (the 8-byte magic, lists + 1
# UInt64 offsets, the entries' UInt32 position numbers, then their codes), as InvertedFileBuilder writes them.
def inverted_files(lists, counts, subspaces, codewords, channels, seed):
    rng = np.random.default_rng(seed)
    positions = sum(counts)
    manifest = {"format": "atlas-ivf/1", "lists": lists, "subspaces": subspaces, "codewords": codewords, "channels": channels,
                "positions": positions, "images": max(1, positions // 4), "indexManifestBytes": 1234, "indexManifestCRC32": 99,
                "sample": positions, "seed": 1}
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype("<u8")
    numbers = rng.permutation(positions).astype("<u4")
    codes = rng.integers(0, codewords, size=positions * subspaces, dtype=np.uint8)
    return json.dumps(manifest, sort_keys=True, indent=2).encode(), b"ATLIVF01" + offsets.tobytes() + numbers.tobytes() + codes.tobytes()


inverted = target("inverted-lists")
for name, files in {
    "three-lists": inverted_files(3, [4, 0, 5], 2, 4, 6, 1),
    "features13-shape": inverted_files(16, [30] * 16, 16, 256, 96, 2),
    "one-list": inverted_files(1, [7], 1, 3, 5, 3),
}.items():
    write(inverted, name + ".bin", files[0] + b"\0" + files[1])
manifest, lists = inverted_files(3, [4, 0, 5], 2, 4, 6, 1)
write(inverted, "falling-offsets.bin", manifest + b"\0" + lists[:8] + struct.pack("<4Q", 0, 6, 4, 9) + lists[8 + 32:])
