"""Pure-python + numpy reader of PyTorch checkpoints: an independent reference for the Swift
reader (Sources/Models/Checkpoint) and the weights loader of the numpy reference models.

Reads the legacy format (torch.save before 1.6: five pickles, then raw storages) and the zip
format (torch.save since 1.6). torch is not needed: pickle.Unpickler resolves only an
allow-list of globals (find_class) and persistent ids as storages (persistent_load); tensors
are rebuilt with np.lib.stride_tricks.as_strided after checking that every element lies
inside the storage.

    load_state_dict(path) -> dict[str, np.ndarray]   (file order; original dtypes, except
                                                      bfloat16, which comes back as float32)

Command line (used by the Swift tests):
    python3 torch_pickle.py dump CHECKPOINT OUTDIR [NAME ...]
writes OUTDIR/index.json ([{"name", "shape", "dtype", "stride", "offset"}] for every tensor, in
file order) and
OUTDIR/values.npy (the named tensors, or all of them, as float32, flattened and concatenated
in the order given).
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# storage class -> (torch dtype name, numpy dtype of the raw little-endian elements)
STORAGE_TYPES = {
    "FloatStorage": ("float32", "<f4"),
    "DoubleStorage": ("float64", "<f8"),
    "HalfStorage": ("float16", "<f2"),
    "BFloat16Storage": ("bfloat16", "<u2"),
    "LongStorage": ("int64", "<i8"),
    "IntStorage": ("int32", "<i4"),
    "ShortStorage": ("int16", "<i2"),
    "CharStorage": ("int8", "i1"),
    "ByteStorage": ("uint8", "u1"),
    "BoolStorage": ("bool", "?"),
}

WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "module", "net")


class StorageType:
    def __init__(self, name):
        self.dtype_name, self.raw_dtype = STORAGE_TYPES[name]


class Storage:
    """A saved storage named by persistent ids; `data` (a 1-D numpy array) is filled in later."""

    def __init__(self, storage_type, key, numel):
        self.type, self.key, self.numel = storage_type, key, numel
        self.data = None


class StorageWindow:
    """What one persistent id sees: elements start..<stop of a saved storage (legacy views)."""

    def __init__(self, storage, start, stop):
        if not 0 <= start <= stop <= storage.numel:
            raise ValueError(f"storage {storage.key!r}: view {start}..<{stop} outside {storage.numel}")
        self.storage, self.start, self.stop = storage, start, stop
        self.type, self.key = storage.type, storage.key


class Tensor:
    """A tensor as _rebuild_tensor_v2 describes it, materialized once its storage is read."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        if self.storage.storage.data is None:
            raise ValueError(f"storage {self.storage.key!r} is missing from the file")
        data = self.storage.storage.data[self.storage.start:self.storage.stop]
        count = int(np.prod(self.size, dtype=np.int64))
        if count > 0:
            last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
            if self.offset < 0 or min(self.stride, default=0) < 0 or last >= len(data):
                raise ValueError(f"tensor reaches element {last} of storage {self.storage.key!r}, "
                                 f"which holds {len(data)}")
        base = data[self.offset:] if count > 0 else data[:0]
        view = np.lib.stride_tricks.as_strided(
            base, shape=self.size, strides=[s * data.itemsize for s in self.stride], writeable=False)
        array = view.copy(order="C")
        if self.storage.type.dtype_name == "bfloat16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        return array


def _rebuild_tensor(storage, offset, size, stride, *rest):
    return Tensor(storage, offset, size, stride)


def _rebuild_parameter(tensor, *rest):
    return tensor


ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}


class SafeUnpickler(pickle.Unpickler):
    """Resolves only ALLOWED globals and torch.*Storage types; refuses anything else."""

    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_TYPES:
            return StorageType(name)
        raise pickle.UnpicklingError(f"refused global '{module}.{name}'")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel, *view = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        key = str(key)
        storage = self.storages.setdefault(key, Storage(storage_type, key, numel))
        if view and view[0] is not None:
            _view_key, offset, size = view[0]
            return StorageWindow(storage, offset, offset + size)
        return StorageWindow(storage, 0, numel)


def _select(root):
    """The dict of tensors, with the same policy as the Swift reader (TorchCheckpoint)."""
    def flatten(d, prefix=""):
        out = collections.OrderedDict()
        for k, v in d.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, Tensor):
                out[path] = v
            elif isinstance(v, dict):
                out.update(flatten(v, path))
        return out

    if not isinstance(root, dict):
        raise ValueError(f"checkpoint holds a {type(root).__name__}, expected a dict")
    if not any(isinstance(v, Tensor) for v in root.values()):
        for key in WRAPPER_KEYS:
            if isinstance(root.get(key), dict) and flatten(root[key]):
                return flatten(root[key])
    return flatten(root)


def _load_legacy(f):
    if pickle.load(f) != LEGACY_MAGIC:
        raise ValueError("bad magic number")
    if pickle.load(f) != 1001:
        raise ValueError("unsupported protocol version")
    order = "<" if pickle.load(f)["little_endian"] else ">"
    storages = {}
    root = SafeUnpickler(f, storages).load()
    for key in pickle.load(f):
        storage = storages[str(key)]
        (count,) = struct.unpack(order + "q", f.read(8))
        if count != storage.numel:
            raise ValueError(f"storage {key}: element count {count}, pickle says {storage.numel}")
        dtype = np.dtype(storage.type.raw_dtype).newbyteorder(order)
        raw = f.read(count * dtype.itemsize)
        if len(raw) != count * dtype.itemsize:
            raise ValueError(f"storage {key}: truncated")
        storage.data = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("<"))
    return root


def _load_zip(path):
    with zipfile.ZipFile(path) as archive:
        (pkl,) = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        prefix = pkl[: -len("data.pkl")]
        names = set(archive.namelist())
        order = ">" if prefix + "byteorder" in names and archive.read(prefix + "byteorder") == b"big" else "<"
        storages = {}
        root = SafeUnpickler(io.BytesIO(archive.read(pkl)), storages).load()
        for key, storage in storages.items():
            dtype = np.dtype(storage.type.raw_dtype).newbyteorder(order)
            raw = archive.read(f"{prefix}data/{key}")
            if len(raw) != storage.numel * dtype.itemsize:
                raise ValueError(f"storage {key}: {len(raw)} bytes for {storage.numel} elements")
            storage.data = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("<"))
    return root


def load_tensors(path):
    """name -> (array, torch dtype name, Tensor with its size/stride/offset), in file order."""
    if zipfile.is_zipfile(path):
        root = _load_zip(path)
    else:
        with open(path, "rb") as f:
            root = _load_legacy(f)
    return collections.OrderedDict(
        (name, (t.array(), t.storage.type.dtype_name, t)) for name, t in _select(root).items())


def load_state_dict(path):
    """name -> numpy array (original dtype; bfloat16 as float32), in file order."""
    return collections.OrderedDict((name, array) for name, (array, _, _) in load_tensors(path).items())


def dump(path, outdir, names):
    tensors = load_tensors(path)
    os.makedirs(outdir, exist_ok=True)
    index = [{"name": n, "shape": list(a.shape), "dtype": d, "stride": list(t.stride), "offset": t.offset}
             for n, (a, d, t) in tensors.items()]
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump(index, f)
    chosen = names or list(tensors)
    values = [tensors[n][0].astype(np.float32).ravel() for n in chosen]
    np.save(os.path.join(outdir, "values.npy"),
            np.concatenate(values) if values else np.zeros(0, np.float32))


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "dump":
        sys.exit(__doc__)
    dump(sys.argv[2], sys.argv[3], sys.argv[4:])
