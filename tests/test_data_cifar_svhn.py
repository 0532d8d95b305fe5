"""deepcomplex.data.cifar: CIFAR-10/100 and SVHN readers on tiny files generated here in the real formats.

CIFAR batches are written as the real ones are: pickled dicts with bytes keys, b"data" a numpy uint8 (N, 3072) array of
red, green and blue 32x32 planes, labels a list. SVHN files are written with scipy.io.savemat: X (32, 32, 3, N) uint8
and y (N, 1) with digit 0 stored as 10. Pixel patterns (red = row, green = column, blue = image index) pin the layout.
"""
from __future__ import annotations

import ast
import os
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

import deepcomplex.data.cifar as cifar_mod
from deepcomplex.data.cifar import load_cifar, load_svhn
from deepcomplex.data.idx import DataFormatError

N = 7  # images per generated batch
CIFAR10_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
ROW = np.arange(32, dtype=np.uint8)[:, None].repeat(32, 1)  # [r, c] = r
COL = ROW.T.copy()  # [r, c] = c


# ----------------------------------------------------------------------------------------------------------------------
# writers of the real formats (test-only)
# ----------------------------------------------------------------------------------------------------------------------

def cifar_rows(first: int, n: int = N) -> np.ndarray:
    """(n, 3072) uint8 rows: red plane = row index, green = column index, blue = image index (first + i)."""
    return np.stack([np.concatenate([ROW.ravel(), COL.ravel(), np.full(1024, first + i, np.uint8)])
                     for i in range(n)])


def write_cifar(path: Path, data, labels: dict, protocol: int = 2, str_keys: bool = False) -> None:
    """One CIFAR batch: a pickled dict with bytes keys like the real python-version files."""
    batch = {"batch_label": b"generated batch", "data": data, **labels,
             "filenames": [f"img_{i}.png".encode() for i in range(len(data))]}
    batch = batch if str_keys else {k.encode(): v for k, v in batch.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(batch, protocol=protocol))


def cifar10_labels(first: int, n: int = N) -> list:
    return [(first + i) % 10 for i in range(n)]


def make_cifar10(root: Path, flat: bool = False, protocol: int = 2) -> Path:
    """Five train batches and a test batch of N images; images are numbered 0..5N-1 over the train batches."""
    d = root if flat else root / "cifar-10-batches-py"
    for b, name in enumerate(CIFAR10_TRAIN):
        write_cifar(d / name, cifar_rows(b * N), {"labels": cifar10_labels(b * N)}, protocol)
    write_cifar(d / "test_batch", cifar_rows(100), {"labels": cifar10_labels(100)}, protocol)
    return d


def cifar100_labels(first: int, n: int = N) -> dict:
    return {"fine_labels": [(7 * (first + i)) % 100 for i in range(n)],
            "coarse_labels": [(first + i) % 20 for i in range(n)]}


def make_cifar100(root: Path) -> Path:
    d = root / "cifar-100-python"
    write_cifar(d / "train", cifar_rows(0, 2 * N), cifar100_labels(0, 2 * N))
    write_cifar(d / "test", cifar_rows(50), cifar100_labels(50))
    return d


def svhn_x(n: int) -> np.ndarray:
    """(32, 32, 3, n) uint8: channel 0 = row index, channel 1 = column index, channel 2 = image index."""
    x = np.empty((32, 32, 3, n), np.uint8)
    x[:, :, 0, :] = ROW[:, :, None]
    x[:, :, 1, :] = COL[:, :, None]
    x[:, :, 2, :] = np.arange(n, dtype=np.uint8)
    return x


def write_svhn(path: Path, x, y) -> None:
    """An SVHN cropped-digit file: MATLAB v5 with X (32, 32, 3, N) and y (N, 1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"X": x, "y": y})


def svhn_y(n: int) -> np.ndarray:
    return (np.arange(n) % 10 + 1).astype(np.uint8).reshape(n, 1)  # 1..10, 10 = digit 0


def check_pattern(images: torch.Tensor, blue: list) -> None:
    assert images.dtype == torch.uint8 and images.shape == (len(blue), 3, 32, 32)
    r = torch.arange(32, dtype=torch.uint8)
    assert torch.equal(images[:, 0], r[:, None].expand(32, 32).expand(len(blue), 32, 32))
    assert torch.equal(images[:, 1], r[None, :].expand(32, 32).expand(len(blue), 32, 32))
    assert torch.equal(images[:, 2], torch.tensor(blue, dtype=torch.uint8)[:, None, None].expand(-1, 32, 32))


def load_strict(fn, *args, **kwargs):
    """Call a loader with warnings as errors (no non-writable-array or numpy deprecation warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# ----------------------------------------------------------------------------------------------------------------------
# CIFAR round trips
# ----------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flat", [False, True], ids=["cifar-10-batches-py", "flat"])
def test_cifar10_round_trip_both_layouts(tmp_path, flat):
    make_cifar10(tmp_path, flat=flat)
    images, labels = load_strict(load_cifar, "cifar10", "train", tmp_path)
    check_pattern(images, list(range(5 * N)))
    assert labels.dtype == torch.int64 and labels.tolist() == cifar10_labels(0, 5 * N)
    images, labels = load_strict(load_cifar, "cifar10", "test", str(tmp_path))
    check_pattern(images, list(range(100, 100 + N)))
    assert labels.tolist() == cifar10_labels(100)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_cifar_any_pickle_protocol(tmp_path, protocol):
    make_cifar10(tmp_path, protocol=protocol)
    images, labels = load_strict(load_cifar, "cifar10", "test", tmp_path)
    check_pattern(images, list(range(100, 100 + N)))
    assert labels.tolist() == cifar10_labels(100)


def test_cifar_python2_pickle_and_numpy_labels(tmp_path):
    """The real files are Python 2 pickles (__builtin__ names, str payloads); labels may also be numpy arrays."""
    d = make_cifar10(tmp_path)
    write_cifar(d / "test_batch", cifar_rows(100), {"labels": np.array(cifar10_labels(100), np.int64)}, str_keys=True)
    assert load_cifar("cifar10", "test", tmp_path)[1].tolist() == cifar10_labels(100)
    # Python 2 cPickle, protocol 2, of {'data': uint8 array of zeros (1, 3072), 'labels': [3]}, written out by hand
    py2 = (b"\x80\x02}q\x01(U\x04dataq\x02cnumpy.core.multiarray\n_reconstruct\nq\x03cnumpy\nndarray\nq\x04K\x00\x85U"
           b"\x01b\x87Rq\x05(K\x01K\x01M\x00\x0c\x86cnumpy\ndtype\nq\x06U\x02u1K\x00K\x01\x87Rq\x07(K\x03U\x01|NNNJ"
           b"\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T\x00\x0c\x00\x00" + bytes(3072) + b"tbU\x06labelsq\x08]q\tK"
           b"\x03au.")
    (d / "test_batch").write_bytes(py2)
    images, labels = load_strict(load_cifar, "cifar10", "test", tmp_path)
    assert images.shape == (1, 3, 32, 32) and not images.any() and labels.tolist() == [3]


def test_cifar100_fine_and_coarse(tmp_path):
    make_cifar100(tmp_path)
    images, fine = load_strict(load_cifar, "cifar100", "train", tmp_path)
    check_pattern(images, list(range(2 * N)))
    assert fine.tolist() == cifar100_labels(0, 2 * N)["fine_labels"] and fine.max() > 20
    images, coarse = load_cifar("cifar100", "test", tmp_path, label_mode="coarse")
    check_pattern(images, list(range(50, 50 + N)))
    assert coarse.dtype == torch.int64 and coarse.tolist() == cifar100_labels(50)["coarse_labels"]


def test_cifar_data_dir_from_environment(tmp_path, monkeypatch):
    make_cifar10(tmp_path / "cifar10")
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path))
    assert load_cifar("cifar10", "test")[1].tolist() == cifar10_labels(100)


def test_cifar_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="unknown CIFAR dataset 'cifar1000'"):
        load_cifar("cifar1000", "train", tmp_path)
    with pytest.raises(ValueError, match="part must be 'train' or 'test', got 'extra'"):
        load_cifar("cifar10", "extra", tmp_path)
    with pytest.raises(ValueError, match=r"cifar10: label_mode must be one of \['fine'\], got 'coarse'"):
        load_cifar("cifar10", "train", tmp_path, label_mode="coarse")


# ----------------------------------------------------------------------------------------------------------------------
# CIFAR: missing files
# ----------------------------------------------------------------------------------------------------------------------

def test_cifar_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar10: data directory .*nowhere does not exist.*data_batch_1.*"
                                                r"kriz/cifar\.html.*cannot download.*--data-dir"):
        load_cifar("cifar10", "train", tmp_path / "nowhere")


def test_cifar_no_data_dir_and_no_environment(monkeypatch):
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match=r"cifar100: no data directory given.*cifar-100-python.*--data-dir"):
        load_cifar("cifar100", "train")


def test_cifar_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar10 train: data_batch_1, .*data_batch_5 not found in .*"
                                                r"cifar-10-batches-py.*https://www\.cs\.toronto\.edu/~kriz/cifar\.html"
                                                r".*cannot download them.*--data-dir"):
        load_cifar("cifar10", "train", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cifar100 test: test not found.*cifar-100-python\.tar\.gz"):
        load_cifar("cifar100", "test", tmp_path)


def test_cifar_partial_and_unextracted(tmp_path):
    d = make_cifar10(tmp_path)
    (d / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match=r"cifar10 train: data_batch_4 not found in .*cifar-10-batches-py "):
        load_cifar("cifar10", "train", tmp_path)
    assert load_cifar("cifar10", "test", tmp_path)[0].shape == (N, 3, 32, 32)  # the test part is complete
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"cifar-10-python\.tar\.gz is there but not extracted: run tar xzf"):
        load_cifar("cifar10", "train", tmp_path)


# ----------------------------------------------------------------------------------------------------------------------
# CIFAR: malformed files
# ----------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cut", ["half", "empty", "garbage"])
def test_cifar_corrupt_pickle(tmp_path, cut):
    d = make_cifar10(tmp_path)
    raw = (d / "test_batch").read_bytes()
    (d / "test_batch").write_bytes({"half": raw[:len(raw) // 2], "empty": b"", "garbage": b"not a pickle at all"}[cut])
    with pytest.raises(DataFormatError, match=r"cifar10: .*test_batch: corrupt or truncated pickle"):
        load_cifar("cifar10", "test", tmp_path)


def test_cifar_not_a_dict(tmp_path):
    d = make_cifar10(tmp_path)
    (d / "test_batch").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(DataFormatError, match=r"test_batch: expected a pickled dict, got list"):
        load_cifar("cifar10", "test", tmp_path)


@pytest.mark.parametrize("data, message", [
    (np.zeros((N, 3072), np.float32), r"b'data' has dtype float32, expected uint8"),
    (np.zeros((N, 3071), np.uint8), r"b'data' has shape \(7, 3071\), expected \(N, 3072\)"),
    (np.zeros((N, 3, 32, 32), np.uint8), r"b'data' has shape \(7, 3, 32, 32\), expected \(N, 3072\)"),
    ([[0] * 3072] * N, r"b'data' is a list, expected a numpy uint8 array"),
], ids=["dtype", "width", "ndim", "list"])
def test_cifar_bad_data(tmp_path, data, message):
    d = make_cifar10(tmp_path)
    write_cifar(d / "data_batch_3", data, {"labels": cifar10_labels(0)})
    with pytest.raises(DataFormatError, match=r"cifar10: .*data_batch_3: " + message):
        load_cifar("cifar10", "train", tmp_path)


@pytest.mark.parametrize("labels, message", [
    ({}, r"no b'labels' entry"),
    ({"labels": cifar10_labels(0, N - 1)}, r"b'labels': 7 images but 6 labels"),
    ({"labels": [0] * (N - 1) + [10]}, r"b'labels': label 10 outside 0\.\.9"),
    ({"labels": [-1] + [0] * (N - 1)}, r"b'labels': label -1 outside 0\.\.9"),
    ({"labels": [0.5] * N}, r"b'labels': labels have dtype float64, expected integers"),
    ({"labels": [[0]] * N}, r"b'labels': labels have shape \(7, 1\), expected \(7,\)"),
], ids=["missing", "count", "high", "negative", "float", "2d"])
def test_cifar_bad_labels(tmp_path, labels, message):
    d = make_cifar10(tmp_path)
    write_cifar(d / "test_batch", cifar_rows(0), labels)
    with pytest.raises(DataFormatError, match=r"cifar10: .*test_batch.*" + message):
        load_cifar("cifar10", "test", tmp_path)


def test_cifar100_label_ranges(tmp_path):
    d = make_cifar100(tmp_path)
    write_cifar(d / "test", cifar_rows(0), {"fine_labels": [99] * N, "coarse_labels": [20] * N})
    assert load_cifar("cifar100", "test", tmp_path)[1].tolist() == [99] * N
    with pytest.raises(DataFormatError, match=r"cifar100: .*test: b'coarse_labels': label 20 outside 0\.\.19"):
        load_cifar("cifar100", "test", tmp_path, label_mode="coarse")
    write_cifar(d / "test", cifar_rows(0), {"fine_labels": [100] * N, "coarse_labels": [0] * N})
    with pytest.raises(DataFormatError, match=r"b'fine_labels': label 100 outside 0\.\.99"):
        load_cifar("cifar100", "test", tmp_path)


# ----------------------------------------------------------------------------------------------------------------------
# CIFAR: malicious pickles
# ----------------------------------------------------------------------------------------------------------------------

class _System:
    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@pytest.mark.parametrize("how", ["top-level", "inside-data", "protocol-0-by-hand", "builtins-eval", "codec"])
def test_cifar_malicious_pickle_refused(tmp_path, how):
    d = make_cifar10(tmp_path)
    marker = tmp_path / "pwned"
    command = f"touch {marker}"
    payload = {
        "top-level": pickle.dumps(_System(command)),
        "inside-data": pickle.dumps({b"data": _System(command), b"labels": [0]}),
        "protocol-0-by-hand": f"cos\nsystem\n(S'{command}'\ntR.".encode(),
        "builtins-eval": pickle.dumps({b"data": eval, b"labels": []}, protocol=2),
        "codec": b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x06\x00\x00\x00rot_13\x86R.",
    }[how]
    (d / "test_batch").write_bytes(payload)
    refused = {"top-level": r"refused to unpickle (os|posix)\.system", "inside-data": r"refused to unpickle",
               "protocol-0-by-hand": r"refused to unpickle os\.system",
               "builtins-eval": r"refused to unpickle (__builtin__|builtins)\.eval",
               "codec": r"pickle asks for _codecs\.encode with encoding 'rot_13'; only 'latin1'"}[how]
    with pytest.raises(DataFormatError, match=r"cifar10: .*test_batch: " + refused):
        load_cifar("cifar10", "test", tmp_path)
    assert not marker.exists()


# ----------------------------------------------------------------------------------------------------------------------
# SVHN
# ----------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("part", ["train", "test", "extra"])
def test_svhn_round_trip(tmp_path, part):
    n = {"train": 13, "test": 10, "extra": 11}[part]
    write_svhn(tmp_path / f"{part}_32x32.mat", svhn_x(n), svhn_y(n))
    images, labels = load_strict(load_svhn, part, tmp_path)
    check_pattern(images, list(range(n)))  # (32, 32, 3, N) -> (N, 3, 32, 32): [r, c, ch, i] -> [i, ch, r, c]
    assert images.is_contiguous()
    assert labels.dtype == torch.int64 and labels.tolist() == [(i + 1) % 10 for i in range(n)]  # 10 -> 0
    assert 0 in labels.tolist() and 10 not in labels.tolist()


def test_svhn_single_image_and_flat_labels(tmp_path, monkeypatch):
    """MATLAB drops a trailing singleton dimension, so one image is stored as (32, 32, 3); y may be (N,)."""
    write_svhn(tmp_path / "svhn" / "test_32x32.mat", svhn_x(1), np.array([[10]], np.uint8))
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path))
    images, labels = load_svhn("test")
    check_pattern(images, [0])
    assert labels.tolist() == [0]
    mat = tmp_path / "svhn" / "train_32x32.mat"
    scipy.io.savemat(mat, {"X": svhn_x(3), "y": np.array([1, 2, 3], np.uint8)}, oned_as="column")
    assert load_svhn("train")[1].tolist() == [1, 2, 3]


def test_svhn_missing(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"svhn: part must be one of \['train', 'test', 'extra'\], got 'valid'"):
        load_svhn("valid", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"svhn: data directory .*nowhere does not exist.*train_32x32\.mat, "
                                                r"test_32x32\.mat, extra_32x32\.mat.*ufldl\.stanford\.edu/housenumbers"
                                                r".*cannot download.*--data-dir"):
        load_svhn("train", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"svhn extra: extra_32x32\.mat not found in .*"
                                                r"http://ufldl\.stanford\.edu/housenumbers/.*--data-dir"):
        load_svhn("extra", tmp_path)
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match=r"svhn: no data directory given.*--data-dir"):
        load_svhn("train")


def test_svhn_without_scipy(tmp_path, monkeypatch):
    write_svhn(tmp_path / "test_32x32.mat", svhn_x(2), svhn_y(2))
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(ImportError, match=r"svhn: .*needs scipy: pip install scipy"):
        load_svhn("test", tmp_path)


def test_module_imports_scipy_lazily():
    tree = ast.parse(Path(cifar_mod.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
    assert names and not any(m.split(".")[0] == "scipy" for m in names)


@pytest.mark.parametrize("cut", ["half", "garbage", "empty"])
def test_svhn_corrupt_file(tmp_path, cut):
    path = tmp_path / "train_32x32.mat"
    write_svhn(path, svhn_x(4), svhn_y(4))
    raw = path.read_bytes()
    path.write_bytes({"half": raw[:len(raw) // 2], "garbage": b"definitely not MATLAB" * 10, "empty": b""}[cut])
    with pytest.raises(DataFormatError, match=r"svhn: .*train_32x32\.mat: corrupt or truncated \.mat file"):
        load_svhn("train", tmp_path)


@pytest.mark.parametrize("variables, message", [
    ({"X": svhn_x(4).astype(np.float64), "y": svhn_y(4)}, r"X has dtype float64, expected uint8"),
    ({"X": svhn_x(4)[:, :, :1], "y": svhn_y(4)}, r"X has shape \(32, 32, 1, 4\), expected \(32, 32, 3, N\)"),
    ({"X": svhn_x(4).transpose(3, 2, 0, 1).copy(), "y": svhn_y(4)},
     r"X has shape \(4, 3, 32, 32\), expected \(32, 32, 3, N\)"),
    ({"X": svhn_x(4)}, r"no variable 'y' \(has \['X'\]\)"),
    ({"images": svhn_x(4), "y": svhn_y(4)}, r"no variable 'X' \(has \['y'\]\)"),
    ({"X": svhn_x(4), "y": svhn_y(3)}, r"y: 4 images but 3 labels"),
    ({"X": svhn_x(4), "y": np.ones((4, 2), np.uint8)}, r"y has shape \(4, 2\), expected \(4, 1\)"),
    ({"X": svhn_x(4), "y": np.array([[1], [0], [2], [3]], np.uint8)}, r"y: label 0 outside 1\.\.10"),
    ({"X": svhn_x(4), "y": np.array([[1], [11], [2], [3]], np.uint8)}, r"y: label 11 outside 1\.\.10"),
    ({"X": svhn_x(4), "y": svhn_y(4).astype(np.float64)}, r"y: labels have dtype float64, expected integers"),
], ids=["x-dtype", "x-channels", "x-order", "no-y", "no-x", "count", "y-shape", "label-0", "label-11", "y-dtype"])
def test_svhn_malformed(tmp_path, variables, message):
    scipy.io.savemat(tmp_path / "test_32x32.mat", variables)
    with pytest.raises(DataFormatError, match=r"svhn: .*test_32x32\.mat: " + message):
        load_svhn("test", tmp_path)


# ----------------------------------------------------------------------------------------------------------------------
# through deepcomplex.data.load_split and the training command
# ----------------------------------------------------------------------------------------------------------------------

def test_load_split_dispatches_and_checks_splits(tmp_path):
    from deepcomplex.data import default_split, load_split

    make_cifar10(tmp_path / "c10")
    xtr, ytr, xte, yte = load_split("cifar10", data_dir=tmp_path / "c10")
    assert xtr.shape == (5 * N, 3, 32, 32) and xte.shape == (N, 3, 32, 32) and default_split("cifar10") == "standard"
    for part, n in (("train", 9), ("test", 4), ("extra", 5)):
        write_svhn(tmp_path / "svhn" / f"{part}_32x32.mat", svhn_x(n), svhn_y(n))
    xtr, ytr, xte, yte = load_split("svhn", "train+extra", tmp_path / "svhn")
    assert len(ytr) == 14 and len(yte) == 4 and int(ytr.max()) <= 9
    with pytest.raises(ValueError, match="split '10k20E' is not one of svhn's: standard, train\\+extra"):
        load_split("svhn", "10k20E", tmp_path / "svhn")
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        load_split("imagenet")


@pytest.mark.parametrize("dataset,model", [("cifar10", "dcn_resnet_ws"), ("svhn", "dcn_resnet_ws_real")])
def test_dcn_recipe_end_to_end_on_generated_files(tmp_path, dataset, model, capsys):
    import json

    from deepcomplex.cli import main as cli

    if dataset == "cifar10":
        make_cifar10(tmp_path / "data")
    else:
        for part, n in (("train", 12), ("test", 5)):
            write_svhn(tmp_path / "data" / f"{part}_32x32.mat", svhn_x(n), svhn_y(n))
    out = tmp_path / "run"
    args = ["train", "--model", model, "--dataset", dataset, "--data-dir", str(tmp_path / "data"), "--recipe",
            "dcn-cifar", "--epochs", "1", "--batch-size", "8", "--out", str(out), "--no-progress"]
    assert cli(args) == 0, capsys.readouterr().err
    result = json.loads((out / "result.json").read_text())
    cfg = result["config"]
    assert cfg["optimizer"] == "sgd-nesterov" and cfg["schedule"] == "dcn" and cfg["clip_grad_norm"] == 1.0
    assert cfg["split"] == "standard" and result["model_args"] == {"in_channels": 3, "num_classes": 10}
    assert 1_600_000 < result["parameters"] < 1_750_000
    assert cli(["eval", str(out)]) == 0
