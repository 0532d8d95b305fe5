"""deepcomplex.data: the IDX reader/writer and the (Fashion-)MNIST loaders.

The reader is checked against hand-built bytes and the writer against hand-built expected bytes, so neither is only
checked through the other. Loader tests use small generated directories in tmp_path; the last test loads Debian's
real Fashion-MNIST (package dataset-fashion-mnist) and is skipped when it is not installed.
"""
from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

import deepcomplex.data.mnist as mnist_mod
from deepcomplex.data.mnist import DATASETS as IDX_DATASETS
from deepcomplex.data import (DATASETS, SPLITS, DataFormatError, load_part, load_split, parse_idx, read_idx,
                              resolve_dir, write_idx)

# IDX type codes (third magic byte) and the big-endian dtype stored on disk, written out here independently.
CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}
BIG = {np.uint8: ">u1", np.int8: ">i1", np.int16: ">i2", np.int32: ">i4", np.float32: ">f4", np.float64: ">f8"}
DTYPES = list(CODES)
DTYPE_IDS = [np.dtype(t).name for t in DTYPES]
SHAPES = {1: (7,), 2: (3, 5), 3: (2, 3, 4)}
ZERO_SHAPES = [(0,), (3, 0), (0, 28, 28), (2, 0, 4), (2, 3, 0)]

STEMS = {"train-images": "train-images-idx3-ubyte", "train-labels": "train-labels-idx1-ubyte",
         "test-images": "t10k-images-idx3-ubyte", "test-labels": "t10k-labels-idx1-ubyte"}
APT_HINT = "apt-get install dataset-fashion-mnist"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


# ----------------------------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------------------------

def sample(dtype, shape, rng: np.random.Generator) -> np.ndarray:
    """Values spanning the dtype's range, with its extremes (ints) or special values (floats) included."""
    n = int(np.prod(shape))
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        flat = rng.integers(info.min, int(info.max) + 1, size=n, dtype=np.int64)
        specials = [info.min, info.max, 0, 1, -1 if info.min < 0 else 2]
    else:
        flat = rng.standard_normal(n) * 1e3
        specials = [0.0, -0.0, np.inf, -np.inf, np.nan, np.finfo(dtype).tiny / 4, np.finfo(dtype).max]
    k = min(n, len(specials))
    flat[:k] = specials[:k]
    return flat.astype(dtype).reshape(shape)


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array``, built by hand: 0, 0, type code, rank, big-endian uint32 dims, big-endian data."""
    code = CODES[array.dtype.type]
    dims = b"".join(struct.pack(">I", n) for n in array.shape)
    return bytes([0, 0, code, array.ndim]) + dims + array.astype(BIG[array.dtype.type]).tobytes()


def assert_same(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.dtype.isnative, f"result dtype {got.dtype} is not in native byte order"
    # bit-exact (covers -0.0, NaN, infinities and subnormals)
    assert got.tobytes() == expected.tobytes(), "values differ"


def make_dataset(directory: Path, n_train: int = 20, n_test: int = 8, gz=True, seed: int = 0, **overrides) -> dict:
    """Write the four IDX files of a small MNIST-format dataset; returns the arrays written, by part.

    ``gz`` is a bool for all files or a dict part -> bool; ``overrides`` (part with '-' as '_') replace an array.
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train-labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test-images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test-labels": ((np.arange(n_test) * 3 + 1) % 10).astype(np.uint8),
    }
    for key, value in overrides.items():
        arrays[key.replace("_", "-")] = value
    for part, array in arrays.items():
        compressed = gz[part] if isinstance(gz, dict) else gz
        write_idx(directory / (STEMS[part] + (".gz" if compressed else "")), array)
    return arrays


def assert_part(got, images: np.ndarray, labels: np.ndarray) -> None:
    x, y = got
    assert isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)
    assert x.dtype == torch.uint8 and y.dtype == torch.int64, (x.dtype, y.dtype)
    assert tuple(x.shape) == images.shape and tuple(y.shape) == labels.shape, (x.shape, y.shape)
    np.testing.assert_array_equal(x.numpy(), images)
    np.testing.assert_array_equal(y.numpy(), labels.astype(np.int64))


def assert_names(exc: pytest.ExceptionInfo, path, *words: str) -> str:
    msg = str(exc.value)
    assert str(path) in msg, f"message does not name {path}: {msg!r}"
    for w in words:
        assert w.lower() in msg.lower(), f"message does not say {w!r}: {msg!r}"
    return msg


# ----------------------------------------------------------------------------------------------------------------------
# 1. IDX round trip, writer bytes, reader on hand-built bytes
# ----------------------------------------------------------------------------------------------------------------------

# mode: (file name, compress argument, expect gzip on disk)
MODES = {"raw": ("a.idx", None, False), "gz-by-name": ("a.idx.gz", None, True),
         "compress=True": ("a.idx", True, True), "compress=False": ("a.idx.gz", False, False)}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_round_trip(tmp_path, dtype, rank, mode):
    name, compress, gzipped = MODES[mode]
    array = sample(dtype, SHAPES[rank], np.random.default_rng(rank))
    path = tmp_path / name
    write_idx(path, array, compress=compress)

    on_disk = path.read_bytes()
    assert (on_disk[:2] == b"\x1f\x8b") == gzipped, f"gzip on disk: {on_disk[:2].hex()}, expected gzip={gzipped}"
    content = gzip.decompress(on_disk) if gzipped else on_disk
    assert content == idx_bytes(array), "written bytes differ from the hand-built IDX encoding"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "temporary file left behind"

    assert_same(read_idx(path), array)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("shape", ZERO_SHAPES, ids=[str(s) for s in ZERO_SHAPES])
@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64], ids=["uint8", "int32", "float64"])
def test_round_trip_zero_size(tmp_path, dtype, shape, gz):
    array = np.zeros(shape, dtype=dtype)
    path = tmp_path / ("z.idx.gz" if gz else "z.idx")
    write_idx(path, array)
    content = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
    assert content == idx_bytes(array)
    assert len(content) == 4 + 4 * len(shape)
    assert_same(read_idx(path), array)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.float64], ids=["int16", "int32", "float32",
                                                                                      "float64"])
def test_write_accepts_big_endian_input(tmp_path, dtype):
    native = sample(dtype, (4, 3), np.random.default_rng(1))
    write_idx(tmp_path / "b.idx", native.astype(BIG[dtype]))
    assert (tmp_path / "b.idx").read_bytes() == idx_bytes(native)
    assert_same(read_idx(tmp_path / "b.idx"), native)


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "x.idx", np.arange(3, dtype=np.int64))
    assert not (tmp_path / "x.idx").exists()


PARSE_CASES = [
    ("uint8", bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]), np.array([1, 2, 3], np.uint8)),
    ("uint8-high", bytes([0, 0, 8, 1, 0, 0, 0, 2, 0xFF, 0x80]), np.array([255, 128], np.uint8)),
    ("int8", bytes([0, 0, 9, 1, 0, 0, 0, 3, 0xFF, 0x80, 0x7F]), np.array([-1, -128, 127], np.int8)),
    ("int16-big-endian", bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE]), np.array([258, -2], np.int16)),
    ("int32-big-endian", bytes([0, 0, 0x0C, 1, 0, 0, 0, 3, 0, 0, 1, 2, 0xFF, 0xFF, 0xFF, 0xFE, 1, 2, 3, 4]),
     np.array([258, -2, 0x01020304], np.int32)),
    ("float32-big-endian", bytes([0, 0, 0x0D, 1, 0, 0, 0, 3, 0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0, 0x3E, 0x20, 0, 0]),
     np.array([1.0, -2.0, 0.15625], np.float32)),
    ("float64-big-endian", bytes([0, 0, 0x0E, 1, 0, 0, 0, 2, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0xC0, 0x08, 0, 0, 0, 0, 0, 0]),
     np.array([1.0, -3.0], np.float64)),
    ("rank2-row-major", bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]),
     np.array([[1, 2, 3], [4, 5, 6]], np.uint8)),
    ("rank3", bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8, 7, 6]),
     np.array([[[9, 8]], [[7, 6]]], np.uint8)),
    ("empty", bytes([0, 0, 0x0C, 2, 0, 0, 0, 0, 0, 0, 0, 5]), np.zeros((0, 5), np.int32)),
]


@pytest.mark.parametrize("data, expected", [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES])
def test_parse_hand_built(data, expected):
    assert_same(parse_idx(data), expected)


def test_parse_dimensions_are_big_endian():
    # dimension bytes 00 00 01 00 = 256 big-endian (65536 if read little-endian)
    data = bytes([0, 0, 8, 1, 0, 0, 1, 0]) + bytes(range(256))
    got = parse_idx(data)
    assert got.shape == (256,)
    np.testing.assert_array_equal(got, np.arange(256, dtype=np.uint8))


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_read_hand_built_file(tmp_path, gz):
    data = bytes([0, 0, 0x0C, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF])
    path = tmp_path / "h.idx"  # gzip is detected from the content, not the name
    path.write_bytes(gzip.compress(data) if gz else data)
    assert_same(read_idx(path), np.array([[-2 ** 31, 2 ** 31 - 1]], np.int32))


def test_read_accepts_str_path(tmp_path):
    write_idx(str(tmp_path / "s.idx.gz"), np.arange(5, dtype=np.uint8))
    assert (tmp_path / "s.idx.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert_same(read_idx(str(tmp_path / "s.idx.gz")), np.arange(5, dtype=np.uint8))


# ----------------------------------------------------------------------------------------------------------------------
# 2. IDX errors: DataFormatError (a ValueError) naming the file and what is wrong
# ----------------------------------------------------------------------------------------------------------------------

def test_data_format_error_is_value_error():
    assert issubclass(DataFormatError, ValueError)


@pytest.mark.parametrize("cut", [1, 3, 17])
def test_truncated_payload_raw(tmp_path, cut):
    path = tmp_path / "t.idx"
    write_idx(path, np.arange(40, dtype=np.int16).reshape(4, 10))  # 12 header + 80 data bytes
    path.write_bytes(path.read_bytes()[:-cut])
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    msg = assert_names(exc, path, "truncated")
    assert "trailing" not in msg


@pytest.mark.parametrize("cut", [1, 4, 8, 30])
def test_truncated_gz_file(tmp_path, cut):
    path = tmp_path / "t.idx.gz"
    write_idx(path, np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-cut])
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "gzip")


def test_truncated_payload_inside_valid_gzip(tmp_path):
    # a complete gzip stream whose IDX content is short: the IDX check, not the gzip check, must catch it
    path = tmp_path / "t.idx.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3])))
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "truncated")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("extra", [b"\x00", b"\x01\x02\x03\x04\x05"], ids=["1byte", "5bytes"])
def test_trailing_bytes(tmp_path, gz, extra):
    data = idx_bytes(np.arange(6, dtype=np.uint8)) + extra
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "trailing")


@pytest.mark.parametrize("data", [b"", bytes([0]), bytes([0, 0, 8]), bytes([0, 0, 8, 1, 0, 0, 0]),
                                  bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2])],
                         ids=["empty", "1byte", "3bytes", "rank1-3dimbytes", "rank3-2dims"])
def test_truncated_header(tmp_path, data):
    path = tmp_path / "h.idx"
    path.write_bytes(data)
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    msg = assert_names(exc, path, "header")
    assert "truncated" in msg or "too short" in msg, msg


@pytest.mark.parametrize("magic", [[1, 0, 8, 1], [0, 1, 8, 1], [0xFF, 0xFF, 8, 1], [0, 0, 0x00, 1], [0, 0, 0x0A, 1],
                                   [0, 0, 0x0F, 1], [0, 0, 0x07, 1]],
                         ids=["byte0", "byte1", "ff-ff", "type-00", "type-0a", "type-0f", "type-07"])
def test_bad_magic(tmp_path, magic):
    path = tmp_path / "m.idx"
    path.write_bytes(bytes(magic) + bytes([0, 0, 0, 3, 1, 2, 3]))
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "not an IDX file")


def test_parse_error_names_given_name():
    with pytest.raises(DataFormatError, match="my-file.idx.*truncated"):
        parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 4, 1]), name="my-file.idx")


def _gzip_of_small_idx() -> bytearray:
    data = bytearray(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])))
    assert data[3] == 0, "test assumes a gzip header without optional fields (deflate data at byte 10)"
    return data


def test_corrupt_gzip_deflate_stream(tmp_path):
    """Corrupt compressed data (reserved deflate block type 11 at the first block header).

    Python's gzip raises zlib.error here, which is neither OSError nor EOFError.
    """
    data = _gzip_of_small_idx()
    data[10] = 0x07  # BFINAL=1, BTYPE=11 (reserved): "invalid block type"
    path = tmp_path / "c.idx.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "gzip")


def test_corrupt_gzip_crc(tmp_path):
    data = _gzip_of_small_idx()
    data[-8] ^= 0xFF  # CRC32 of the trailer
    path = tmp_path / "c.idx.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "gzip")


def test_corrupt_gzip_header(tmp_path):
    data = _gzip_of_small_idx()
    data[2] = 0x07  # compression method other than 8 (deflate)
    path = tmp_path / "c.idx.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataFormatError) as exc:
        read_idx(path)
    assert_names(exc, path, "gzip")


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_checksum(tmp_path, gz):
    array = np.arange(12, dtype=np.int32).reshape(3, 4)
    content = idx_bytes(array)
    good = hashlib.sha256(content).hexdigest()
    path = tmp_path / ("c.idx.gz" if gz else "c.idx")
    write_idx(path, array)

    assert_same(read_idx(path, expected_sha256=good), array)  # hash of the decompressed bytes is accepted

    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(DataFormatError) as exc:
        read_idx(path, expected_sha256=wrong)
    msg = assert_names(exc, path, "checksum")
    assert good in msg and wrong in msg, f"message lacks the actual or expected hash: {msg!r}"

    if gz:  # the hash of the compressed file is not what is checked
        compressed = hashlib.sha256(path.read_bytes()).hexdigest()
        with pytest.raises(DataFormatError, match="checksum"):
            read_idx(path, expected_sha256=compressed)


def test_checksum_checked_before_structure(tmp_path):
    # a wrong checksum on a file that is also malformed still reports the checksum (both hashes)
    path = tmp_path / "c.idx"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 9, 1]))
    wrong = "0" * 64
    with pytest.raises(DataFormatError) as exc:
        read_idx(path, expected_sha256=wrong)
    msg = assert_names(exc, path, "checksum")
    assert wrong in msg and hashlib.sha256(path.read_bytes()).hexdigest() in msg


# ----------------------------------------------------------------------------------------------------------------------
# 3. load_part / load_split on generated directories
# ----------------------------------------------------------------------------------------------------------------------

@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)


def test_registry():
    assert set(DATASETS) >= {"mnist", "fashion-mnist"}
    assert set(DATASETS) == {"mnist", "fashion-mnist", "cifar10", "cifar100", "svhn"}
    assert SPLITS["60k"] == (("train",), "test") and SPLITS["10k20E"] == (("test",), "train")
    assert SPLITS["standard"] == (("train",), "test") and SPLITS["train+extra"] == (("train", "extra"), "test")


@pytest.mark.parametrize("gz", [True, False, {"train-images": True, "train-labels": False, "test-images": False,
                                               "test-labels": True}], ids=["gz", "raw", "mixed"])
def test_load_part_mnist(tmp_path, no_env, gz):
    arrays = make_dataset(tmp_path, gz=gz)
    assert_part(load_part("mnist", "train", tmp_path), arrays["train-images"], arrays["train-labels"])
    assert_part(load_part("mnist", "test", str(tmp_path)), arrays["test-images"], arrays["test-labels"])


def test_load_split_60k(tmp_path, no_env):
    arrays = make_dataset(tmp_path)
    out = load_split("mnist", "60k", tmp_path)
    assert len(out) == 4
    assert_part(out[:2], arrays["train-images"], arrays["train-labels"])
    assert_part(out[2:], arrays["test-images"], arrays["test-labels"])
    assert tuple(out[0].shape) == (20, 28, 28) and tuple(out[2].shape) == (8, 28, 28)


def test_load_split_default_is_60k(tmp_path, no_env):
    arrays = make_dataset(tmp_path)
    out = load_split("mnist", data_dir=tmp_path)
    assert_part(out[:2], arrays["train-images"], arrays["train-labels"])


def test_load_split_10k20E_swaps(tmp_path, no_env):
    arrays = make_dataset(tmp_path)
    out = load_split("mnist", "10k20E", tmp_path)
    assert_part(out[:2], arrays["test-images"], arrays["test-labels"])
    assert_part(out[2:], arrays["train-images"], arrays["train-labels"])
    assert tuple(out[0].shape) == (8, 28, 28) and tuple(out[2].shape) == (20, 28, 28)


def test_unknown_split(tmp_path, no_env):
    make_dataset(tmp_path)
    with pytest.raises(ValueError, match="10k"):
        load_split("mnist", "10k", tmp_path)


@pytest.mark.parametrize("call", [lambda d: load_part("emnist", "train", d), lambda d: load_split("emnist", "60k", d),
                                  lambda d: resolve_dir("emnist", d)], ids=["load_part", "load_split", "resolve_dir"])
def test_unknown_dataset(tmp_path, no_env, call):
    make_dataset(tmp_path)
    with pytest.raises(ValueError, match="emnist"):
        call(tmp_path)


@pytest.mark.parametrize("part", ["val", "Train", "test-images", ""])
def test_unknown_part(tmp_path, no_env, part):
    make_dataset(tmp_path)
    with pytest.raises(ValueError, match="part"):
        load_part("mnist", part, tmp_path)


def test_fashion_mnist_checksum_mismatch(tmp_path, no_env):
    make_dataset(tmp_path)
    with pytest.raises(DataFormatError) as exc:
        load_split("fashion-mnist", "60k", tmp_path)
    msg = assert_names(exc, tmp_path / (STEMS["train-images"] + ".gz"), "checksum")
    assert IDX_DATASETS["fashion-mnist"].sha256["train-images"] in msg


def test_fashion_mnist_checksum_mismatch_raw_test_part(tmp_path, no_env):
    # raw (not gzip) files are verified too, each against its own part's hash
    make_dataset(tmp_path, gz=False)
    with pytest.raises(DataFormatError) as exc:
        load_part("fashion-mnist", "test", tmp_path)
    msg = assert_names(exc, tmp_path / STEMS["test-images"], "checksum")
    assert IDX_DATASETS["fashion-mnist"].sha256["test-images"] in msg


def test_fashion_mnist_verify_false(tmp_path, no_env):
    arrays = make_dataset(tmp_path)
    out = load_split("fashion-mnist", "60k", tmp_path, verify=False)
    assert_part(out[:2], arrays["train-images"], arrays["train-labels"])
    assert_part(out[2:], arrays["test-images"], arrays["test-labels"])


def test_verify_false_still_checks_structure(tmp_path, no_env):
    make_dataset(tmp_path, train_labels=np.full(20, 10, np.uint8))
    with pytest.raises(DataFormatError, match="label"):
        load_part("fashion-mnist", "train", tmp_path, verify=False)


def test_missing_directory(tmp_path, no_env):
    missing = tmp_path / "does-not-exist"
    with pytest.raises(FileNotFoundError) as exc:
        load_split("fashion-mnist", "60k", missing)
    assert_names(exc, missing, STEMS["train-images"], APT_HINT)


@pytest.mark.parametrize("part, absent", [("train", "train-images"), ("train", "train-labels"),
                                          ("test", "test-images"), ("test", "test-labels")])
def test_missing_file(tmp_path, no_env, part, absent):
    make_dataset(tmp_path)
    (tmp_path / (STEMS[absent] + ".gz")).unlink()
    with pytest.raises(FileNotFoundError) as exc:
        load_part("fashion-mnist", part, tmp_path, verify=False)
    msg = assert_names(exc, tmp_path, STEMS[absent], APT_HINT)
    others = [STEMS[k] for k in STEMS if k != absent and k.startswith(part)]
    assert not any(o in msg for o in others), f"message names a file that exists: {msg!r}"


def test_missing_file_mnist(tmp_path, no_env):
    arrays = make_dataset(tmp_path)
    (tmp_path / (STEMS["test-labels"] + ".gz")).unlink()
    assert_part(load_part("mnist", "train", tmp_path), arrays["train-images"], arrays["train-labels"])  # still loads
    with pytest.raises(FileNotFoundError) as exc:
        load_split("mnist", "60k", tmp_path)
    assert_names(exc, tmp_path, STEMS["test-labels"])


def test_count_mismatch(tmp_path, no_env):
    make_dataset(tmp_path, train_labels=(np.arange(19) % 10).astype(np.uint8))
    with pytest.raises(DataFormatError) as exc:
        load_part("mnist", "train", tmp_path)
    msg = str(exc.value)
    assert "20" in msg and "19" in msg, msg


@pytest.mark.parametrize("bad", [10, 255])
def test_label_out_of_range(tmp_path, no_env, bad):
    labels = (np.arange(8) % 10).astype(np.uint8)
    labels[5] = bad
    make_dataset(tmp_path, test_labels=labels)
    with pytest.raises(DataFormatError) as exc:
        load_part("mnist", "test", tmp_path)
    assert_names(exc, tmp_path / (STEMS["test-labels"] + ".gz"), str(bad))


def test_label_nine_is_valid(tmp_path, no_env):
    labels = np.full(8, 9, np.uint8)
    arrays = make_dataset(tmp_path, test_labels=labels)
    assert_part(load_part("mnist", "test", tmp_path), arrays["test-images"], labels)


BAD_IMAGES = {
    "int32": np.zeros((20, 28, 28), np.int32),
    "int8": np.zeros((20, 28, 28), np.int8),
    "float32": np.zeros((20, 28, 28), np.float32),
    "rank2": np.zeros((20, 784), np.uint8),
    "rank4": np.zeros((20, 1, 28, 28), np.uint8),
    "rank1": np.zeros(20, np.uint8),
}


@pytest.mark.parametrize("key", list(BAD_IMAGES))
def test_bad_images(tmp_path, no_env, key):
    make_dataset(tmp_path, train_images=BAD_IMAGES[key])
    with pytest.raises(DataFormatError) as exc:
        load_part("mnist", "train", tmp_path)
    assert_names(exc, tmp_path / (STEMS["train-images"] + ".gz"), "images")


BAD_LABELS = {"int32": np.zeros(20, np.int32), "int16": np.zeros(20, np.int16), "rank2": np.zeros((20, 1), np.uint8)}


@pytest.mark.parametrize("key", list(BAD_LABELS))
def test_bad_labels(tmp_path, no_env, key):
    make_dataset(tmp_path, train_labels=BAD_LABELS[key])
    with pytest.raises(DataFormatError) as exc:
        load_part("mnist", "train", tmp_path)
    assert_names(exc, tmp_path / (STEMS["train-labels"] + ".gz"), "labels")


def test_truncated_file_in_dataset(tmp_path, no_env):
    make_dataset(tmp_path, gz=False)
    path = tmp_path / STEMS["test-images"]
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataFormatError) as exc:
        load_split("mnist", "60k", tmp_path)
    assert_names(exc, path, "truncated")


def test_env_var_used_as_root(tmp_path, monkeypatch):
    arrays = make_dataset(tmp_path / "mnist")
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path))
    assert resolve_dir("mnist") == tmp_path / "mnist"
    assert resolve_dir("fashion-mnist") == tmp_path / "fashion-mnist"
    out = load_split("mnist", "60k")
    assert_part(out[:2], arrays["train-images"], arrays["train-labels"])
    assert_part(out[2:], arrays["test-images"], arrays["test-labels"])


def test_env_var_without_dataset_subdir(tmp_path, monkeypatch):
    # files directly in $DEEPCOMPLEX_DATA (not in <env>/fashion-mnist) are not found, and the message says where
    make_dataset(tmp_path)
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError) as exc:
        load_part("fashion-mnist", "train")
    assert_names(exc, tmp_path / "fashion-mnist", APT_HINT)


def test_data_dir_overrides_env(tmp_path, monkeypatch):
    arrays = make_dataset(tmp_path / "explicit")
    make_dataset(tmp_path / "env" / "mnist", seed=1)
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path / "env"))
    assert resolve_dir("mnist", tmp_path / "explicit") == tmp_path / "explicit"
    assert_part(load_part("mnist", "train", tmp_path / "explicit"), arrays["train-images"], arrays["train-labels"])


def test_default_dirs_without_env(no_env):
    assert resolve_dir("fashion-mnist") == DEBIAN_DIR
    with pytest.raises(FileNotFoundError, match="data_dir"):
        resolve_dir("mnist")  # MNIST has no default directory


# ----------------------------------------------------------------------------------------------------------------------
# 4. The real Fashion-MNIST (Debian package dataset-fashion-mnist)
# ----------------------------------------------------------------------------------------------------------------------

def _debian_missing() -> list:
    return [s for s in STEMS.values() if not ((DEBIAN_DIR / (s + ".gz")).is_file() or (DEBIAN_DIR / s).is_file())]


@pytest.mark.skipif(bool(_debian_missing()),
                    reason=f"Fashion-MNIST not installed in {DEBIAN_DIR} (missing {', '.join(_debian_missing())}); "
                           f"{APT_HINT}")
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)
    seen = []
    real_read_idx = mnist_mod.read_idx

    def spy(path, expected_sha256=None):
        seen.append((Path(path).name, expected_sha256))
        return real_read_idx(path, expected_sha256)

    monkeypatch.setattr(mnist_mod, "read_idx", spy)
    xtr, ytr, xte, yte = load_split("fashion-mnist", "60k")

    # every file was read with its recorded checksum (and passed it, or load_split would have raised)
    expected = IDX_DATASETS["fashion-mnist"].sha256
    assert sorted(h for _, h in seen) == sorted(expected.values()), seen
    # the recorded label checksums are right, computed here independently
    for part in ("train-labels", "test-labels"):
        path = DEBIAN_DIR / (STEMS[part] + ".gz")
        if path.is_file():
            assert hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest() == expected[part]

    assert xtr.dtype == torch.uint8 and xte.dtype == torch.uint8
    assert ytr.dtype == torch.int64 and yte.dtype == torch.int64
    assert tuple(xtr.shape) == (60000, 28, 28) and tuple(ytr.shape) == (60000,)
    assert tuple(xte.shape) == (10000, 28, 28) and tuple(yte.shape) == (10000,)
    assert torch.bincount(ytr, minlength=10).tolist() == [6000] * 10
    assert torch.bincount(yte, minlength=10).tolist() == [1000] * 10
    mean = xtr.double().mean().item()
    assert 70.0 <= mean <= 80.0, f"train pixel mean {mean:.3f} (expected about 72.94)"
    assert int(xtr.max()) == 255 and int(xtr.min()) == 0
