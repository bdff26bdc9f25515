"""Writes small PyTorch checkpoints for the Swift checkpoint reader's tests, without torch.

    python3 make_checkpoint_fixtures.py OUTDIR

Tensors are numpy arrays laid out in storages on purpose (permuted strides, storage offsets,
shared storages, zero strides, a legacy storage view, every dtype the reader converts). The
pickles come from Python's own pickle module, with stand-in `torch` / `torch._utils` modules
so that globals are written exactly as torch.save writes them (GLOBAL 'torch FloatStorage',
'torch._utils _rebuild_tensor_v2', persistent ids for storages).

Good files get OUTDIR/<file>.expected.json: {"names": [...], "tensors": {name: {"shape",
"dtype", "values"}}}, values being the source arrays as float32 (bfloat16: the bits stored).
Broken and malicious files are written next to them; the Swift test knows what each one
must be refused for.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_CLASSES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
    "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
}


# --- stand-ins for the torch globals a checkpoint names (pickled by reference only) ----------
def _install_fake_torch():
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for name in ("_rebuild_tensor_v2", "_rebuild_parameter"):
        def never_called(*args):
            raise RuntimeError("stand-in")
        never_called.__module__, never_called.__name__, never_called.__qualname__ = "torch._utils", name, name
        setattr(utils, name, never_called)
    for cls_name in STORAGE_CLASSES.values():
        setattr(torch, cls_name, type(cls_name, (), {"__module__": "torch"}))
    torch._utils = utils
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    return torch, utils


torch, torch_utils = _install_fake_torch()


class Storage:
    """A saved storage: raw little-endian bytes of `numel` elements of `dtype`."""

    def __init__(self, key, dtype, elements):
        self.key, self.dtype, self.numel = key, dtype, len(elements)
        self.raw = np.ascontiguousarray(elements).tobytes()

    def big_endian_raw(self):
        return np.frombuffer(self.raw, dtype=RAW[self.dtype]).astype(RAW[self.dtype].newbyteorder(">")).tobytes()


class StorageRef:
    """What a tensor's pickle names: a storage, or (legacy) a view of part of one."""

    def __init__(self, storage, view=None):
        self.storage, self.view = storage, view


class Tensor:
    def __init__(self, ref, offset, size, stride, parameter=False):
        self.ref, self.offset, self.size, self.stride, self.parameter = ref, offset, size, stride, parameter

    def __reduce__(self):
        if self.parameter:
            return (torch_utils._rebuild_parameter,
                    (Tensor(self.ref, self.offset, self.size, self.stride), True, collections.OrderedDict()))
        return (torch_utils._rebuild_tensor_v2,
                (self.ref, self.offset, tuple(self.size), tuple(self.stride), False, collections.OrderedDict()))


RAW = {"float32": np.dtype("<f4"), "float64": np.dtype("<f8"), "float16": np.dtype("<f2"),
       "bfloat16": np.dtype("<u2"), "int64": np.dtype("<i8"), "int32": np.dtype("<i4"),
       "int16": np.dtype("<i2"), "int8": np.dtype("i1"), "uint8": np.dtype("u1"), "bool": np.dtype("?")}


def bfloat16_bits(values):
    return (np.asarray(values, np.float32).view(np.uint32) >> 16).astype(np.uint16)


def expected_values(dtype, elements):
    """What the reader must return for stored `elements`: float32."""
    if dtype == "bfloat16":
        return (np.asarray(elements).astype(np.uint32) << 16).view(np.float32)
    return np.asarray(elements).astype(np.float32)


# --- the tensors ---------------------------------------------------------------------------
def make_tensors(with_view):
    """name -> (Tensor, expected float32 array, dtype) and the storages they use."""
    rng = np.random.default_rng(7)
    tensors = collections.OrderedDict()

    def add(name, dtype, storage, offset, size, stride, ref=None, parameter=False):
        raw = np.frombuffer(storage.raw, dtype=RAW[dtype])
        source = raw if ref is None or ref.view is None else raw[ref.view[1]:ref.view[1] + ref.view[2]]
        logical = np.lib.stride_tricks.as_strided(
            source[offset:] if np.prod(size) else source[:0], shape=size,
            strides=[s * source.itemsize for s in stride])
        tensors[name] = (Tensor(ref or StorageRef(storage), offset, size, stride, parameter),
                         expected_values(dtype, logical), dtype)

    # A conv weight stored HWIO and exposed as OIHW through permuted strides (as EfficientNet's).
    hwio = rng.standard_normal((2, 2, 3, 4)).astype(np.float32)
    oihw = hwio.transpose(3, 2, 0, 1)
    add("conv.weight", "float32", Storage("conv_w", "float32", hwio.ravel()), 0, oihw.shape,
        [s // 4 for s in oihw.strides])
    add("conv.bias", "float32", Storage("conv_b", "float32", rng.standard_normal(4).astype(np.float32)),
        0, (4,), (1,), parameter=True)
    # Two float64 tensors sharing one storage, the second at an offset, with unused elements after.
    shared = Storage("bn_stats", "float64", rng.standard_normal(10) * 1e3)
    add("bn.running_var", "float64", shared, 0, (3,), (1,))
    add("bn.running_mean", "float64", shared, 3, (5,), (1,))
    add("bn.num_batches_tracked", "int64", Storage("bn_n", "int64", np.array([12345], np.int64)), 0, (), ())
    # A transposed float16 matrix; bfloat16; a row broadcast with stride 0; every other int16.
    add("fc.weight", "float16", Storage("fc_w", "float16", rng.standard_normal(12).astype(np.float16)),
        0, (3, 4), (1, 3))
    add("fc.bias", "bfloat16", Storage("fc_b", "bfloat16", bfloat16_bits([1.5, -2.25, 3.14159])), 0, (3,), (1,))
    add("emb.weight", "int32", Storage("emb", "int32", np.array([7, -8, 9], np.int32)), 0, (2, 3), (0, 1))
    add("ids", "int16", Storage("ids", "int16", np.arange(-5, 6, dtype=np.int16)), 1, (5,), (2,))
    add("big", "int64", Storage("big", "int64", np.array([-7, 2**40 + 1, 2**53 + 3], np.int64)), 0, (3,), (1,))
    add("small", "int8", Storage("small", "int8", np.array([-128, 0, 5, 127], np.int8)), 0, (2, 2), (2, 1))
    add("pixels", "uint8", Storage("pixels", "uint8", np.array([0, 128, 255], np.uint8)), 0, (3,), (1,))
    add("flags", "bool", Storage("flags", "bool", np.array([True, False, False, True])), 0, (4,), (1,))
    add("empty", "float32", Storage("empty", "float32", np.zeros(0, np.float32)), 0, (0, 3), (3, 1))
    if with_view:
        # A legacy storage view: elements 2..<6 of an 8-element storage, seen as a 2x2 matrix.
        root = Storage("viewed", "float32", np.arange(8, dtype=np.float32) * 0.5)
        add("view.t", "float32", root, 0, (2, 2), (2, 1), ref=StorageRef(root, ("viewed_part", 2, 4)))
    return tensors


def state_dict(tensors):
    """An OrderedDict of tensors carrying `_metadata`, pickled with BUILD as torch's are."""
    sd = collections.OrderedDict((name, t) for name, (t, _, _) in tensors.items())
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("conv", {"version": 2})])
    return sd


def expectation(tensors, names=None):
    chosen = names or list(tensors)
    return {"names": chosen, "tensors": {
        name: {"shape": list(tensors[name][1].shape), "dtype": tensors[name][2],
               "values": [float(v) for v in tensors[name][1].ravel()]} for name in chosen}}


# --- writers -------------------------------------------------------------------------------
def pickle_with_storages(obj, protocol, legacy):
    """The object's pickle and the storages it names, in first-use order."""
    storages = collections.OrderedDict()

    class Pickler(pickle.Pickler):
        def persistent_id(self, o):
            if not isinstance(o, StorageRef):
                return None
            s = o.storage
            storages[s.key] = s
            cls = getattr(torch, STORAGE_CLASSES[s.dtype])
            if legacy:
                return ("storage", cls, s.key, "cpu", s.numel, o.view)
            return ("storage", cls, s.key, "cpu", s.numel)

    buffer = io.BytesIO()
    Pickler(buffer, protocol=protocol).dump(obj)
    return buffer.getvalue(), storages


def legacy_bytes(obj, magic=LEGACY_MAGIC, count_delta=None, omit_key=None, main_pickle=None):
    """torch's legacy layout; the keyword arguments break it on purpose."""
    body, storages = pickle_with_storages(obj, 2, legacy=True)
    out = io.BytesIO()
    for header in (magic, 1001, {"protocol_version": 1001, "little_endian": True,
                                 "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, out, protocol=2)
    out.write(main_pickle if main_pickle is not None else body)
    keys = sorted(k for k in storages if k != omit_key)
    pickle.dump(keys, out, protocol=2)
    for key in keys:
        count = storages[key].numel + (count_delta if key == "fc_w" and count_delta else 0)
        out.write(struct.pack("<q", count))
        out.write(storages[key].raw)
    return out.getvalue()


def write_zip(path, obj, protocol=2, big_endian=False, compress_pickle=False, omit_key=None,
              shorten_key=None, data_pkl=None):
    body, storages = pickle_with_storages(obj, protocol, legacy=False)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("fixture/data.pkl", data_pkl if data_pkl is not None else body,
                         compress_type=zipfile.ZIP_DEFLATED if compress_pickle else zipfile.ZIP_STORED)
        archive.writestr("fixture/byteorder", "big" if big_endian else "little")
        for key, storage in storages.items():
            if key == omit_key:
                continue
            raw = storage.big_endian_raw() if big_endian else storage.raw
            archive.writestr(f"fixture/data/{key}", raw[:-2] if key == shorten_key else raw)
        archive.writestr("fixture/version", "3\n")


def write_safetensors(path, arrays):
    header, offset, chunks = {"__metadata__": {"format": "pt"}}, 0, []
    codes = {"float32": "F32", "float16": "F16", "int64": "I64", "float64": "F64"}
    for name, array in arrays.items():
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": codes[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def write(outdir, name, data):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(data)


def expect(outdir, name, expectation_json):
    with open(os.path.join(outdir, name + ".expected.json"), "w") as f:
        json.dump(expectation_json, f)


class Net:
    """A pickled model object: refused by the reader (it names __main__.Net)."""


class Evaluates:
    def __reduce__(self):
        return (eval, ("1 + 1",))


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    legacy_tensors = make_tensors(with_view=True)
    zip_tensors = make_tensors(with_view=False)

    # Good files.
    write(outdir, "legacy.pth", legacy_bytes(state_dict(legacy_tensors)))
    expect(outdir, "legacy.pth", expectation(legacy_tensors))
    write_zip(os.path.join(outdir, "zip.pth"), state_dict(zip_tensors))
    expect(outdir, "zip.pth", expectation(zip_tensors))
    write_zip(os.path.join(outdir, "zip_big_endian.pth"), state_dict(zip_tensors), big_endian=True)
    expect(outdir, "zip_big_endian.pth", expectation(zip_tensors))
    training = {"epoch": 7, "state_dict": state_dict(zip_tensors),
                "optimizer": {"lr": 0.5, "betas": (0.9, 0.999), "state": {}}}
    write_zip(os.path.join(outdir, "zip_protocol4_wrapped.pth"), training, protocol=4)
    expect(outdir, "zip_protocol4_wrapped.pth", expectation(zip_tensors))
    parts = list(legacy_tensors)
    nested = {"encoder": {"weight": legacy_tensors[parts[0]][0], "bias": legacy_tensors[parts[1]][0]},
              "decoder": collections.OrderedDict([("ids", legacy_tensors["ids"][0])]), "note": "not a tensor"}
    write(outdir, "nested.pth", legacy_bytes(nested))
    renamed = collections.OrderedDict([("encoder.weight", legacy_tensors[parts[0]]),
                                       ("encoder.bias", legacy_tensors[parts[1]]),
                                       ("decoder.ids", legacy_tensors["ids"])])
    expect(outdir, "nested.pth", expectation(renamed))
    arrays = collections.OrderedDict([("a.weight", np.arange(6, dtype=np.float32).reshape(2, 3) / 7),
                                      ("a.half", np.array([0.5, -1.25], np.float16)),
                                      ("a.count", np.array(42, np.int64))])
    write_safetensors(os.path.join(outdir, "model.safetensors"), arrays)
    expect(outdir, "model.safetensors", {"names": list(arrays), "tensors": {
        n: {"shape": list(a.shape), "dtype": a.dtype.name, "values": [float(v) for v in a.astype(np.float32).ravel()]}
        for n, a in arrays.items()}})

    # Broken files.
    good = legacy_bytes(state_dict(legacy_tensors))
    write(outdir, "bad_magic.pth", legacy_bytes(state_dict(legacy_tensors), magic=LEGACY_MAGIC + 1))
    write(outdir, "truncated_data.pth", good[:-7])
    headers = sum(len(pickle.dumps(h, protocol=2)) for h in (LEGACY_MAGIC, 1001, {
        "protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}))
    write(outdir, "truncated_pickle.pth", good[:headers + 200])
    write(outdir, "bad_count.pth", legacy_bytes(state_dict(legacy_tensors), count_delta=1))
    write(outdir, "missing_key.pth", legacy_bytes(state_dict(legacy_tensors), omit_key="fc_b"))
    short = collections.OrderedDict(
        [("short", Tensor(StorageRef(Storage("short", "float32", np.arange(5, dtype=np.float32))), 0, (2, 3), (3, 1)))])
    write(outdir, "short_storage.pth", legacy_bytes(short))
    write(outdir, "malicious_os_system.pth", legacy_bytes(
        {}, main_pickle=b"\x80\x02cos\nsystem\nX\x07\x00\x00\x00echo hi\x85R."))
    write(outdir, "deeply_nested.pth", legacy_bytes({}, main_pickle=b"\x80\x02)" + b"\x85" * 100_000 + b"."))
    write(outdir, "malicious_main_net.pth", legacy_bytes(collections.OrderedDict([("net", Net())])))
    write_zip(os.path.join(outdir, "malicious_eval.pth"), {}, data_pkl=pickle.dumps(Evaluates(), protocol=4))
    write_zip(os.path.join(outdir, "compressed.pth"), state_dict(zip_tensors), compress_pickle=True)
    write_zip(os.path.join(outdir, "zip_missing_storage.pth"), state_dict(zip_tensors), omit_key="conv_w")
    write_zip(os.path.join(outdir, "zip_short_storage.pth"), state_dict(zip_tensors), shorten_key="fc_w")
    with open(os.path.join(outdir, "zip.pth"), "rb") as f:
        write(outdir, "zip_truncated.pth", f.read()[:-30])
    write(outdir, "not_a_checkpoint.pth", b"hello, world\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
