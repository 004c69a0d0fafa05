#!/usr/bin/env python3
"""Builds genlab's embedded Fashion-MNIST sample from the full IDX files.

Takes the first 2,000 training and the first 500 test images with their labels, unchanged,
and writes them as gzip-compressed IDX files beside this script. The gzip header's time and
name are left empty so that the same input always gives the same bytes.

Usage: python3 make_sample.py [FOLDER_WITH_fashion-*-ubyte.gz]   (default: ../../../shared/data)
"""

import gzip
import io
import struct
import sys
from pathlib import Path

TRAIN, TEST = 2000, 500
HERE = Path(__file__).resolve().parent


def read_idx(path):
    """(dims, data bytes) of a gzip IDX file of unsigned bytes."""
    raw = gzip.decompress(path.read_bytes())
    zero, kind, ndim = raw[0:2], raw[2], raw[3]
    assert zero == b"\0\0" and kind == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = list(struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim]))
    data = raw[4 + 4 * ndim :]
    count = 1
    for d in dims:
        count *= d
    assert len(data) == count, f"{path}: {len(data)} data bytes, header says {count}"
    return dims, data


def write_idx_gz(path, dims, data):
    header = bytes([0, 0, 0x08, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(header + data)
    path.write_bytes(out.getvalue())


def main():
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "../../../shared/data"
    for split, stem, n in [("train", "train", TRAIN), ("test", "test", TEST)]:
        dims, images = read_idx(source / f"fashion-{stem}-images-idx3-ubyte.gz")
        ldims, labels = read_idx(source / f"fashion-{stem}-labels-idx1-ubyte.gz")
        assert ldims[0] == dims[0] and dims[0] >= n
        pixels = dims[1] * dims[2]
        write_idx_gz(HERE / f"fashion2k-{split}-images-idx3-ubyte.gz", [n, dims[1], dims[2]], images[: n * pixels])
        write_idx_gz(HERE / f"fashion2k-{split}-labels-idx1-ubyte.gz", [n], labels[:n])
        counts = [labels[:n].count(c) for c in range(10)]
        print(f"{split}: {n} images of {dims[1]}x{dims[2]}, per class {counts}")


if __name__ == "__main__":
    main()
