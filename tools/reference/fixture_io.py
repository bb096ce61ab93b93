"""Writes test fixtures in the small versioned binary format that test/fixtures.ts reads.

Layout (little-endian):
    b"SHFX", u32 version (=1), u32 count,
    then per tensor: u16 name length, name (UTF-8), u8 dtype, u8 ndim, u32 dims[ndim], raw data.
dtype: 0 float32, 1 int32, 2 uint8, 3 float64.
"""
import struct

import numpy as np

VERSION = 1
DTYPES = {np.dtype(np.float32): 0, np.dtype(np.int32): 1, np.dtype(np.uint8): 2, np.dtype(np.float64): 3}


def to_numpy(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(value))


def write_fixture(path, tensors):
    """tensors: dict name -> torch tensor / numpy array / number."""
    with open(path, "wb") as f:
        f.write(b"SHFX")
        f.write(struct.pack("<II", VERSION, len(tensors)))
        for name, value in tensors.items():
            arr = to_numpy(value)
            if arr.dtype not in DTYPES:
                raise TypeError(f"{name}: unsupported dtype {arr.dtype}")
            encoded = name.encode("utf-8")
            f.write(struct.pack("<H", len(encoded)))
            f.write(encoded)
            f.write(struct.pack("<BB", DTYPES[arr.dtype], arr.ndim))
            f.write(struct.pack(f"<{arr.ndim}I", *arr.shape))
            f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
