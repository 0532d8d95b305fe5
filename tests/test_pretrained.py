"""Pretrained weights inside the package (issue 25): the manifest, the checksum, create_model / list_models with
``pretrained=``, every shipped model's accuracy on the first 2,000 Fashion-MNIST test images, and the maintainer
script that adds an entry.

The tests that need shipped weights run once per manifest entry; the others build their own entry (a freshly
initialised coshnet_tiny) in a temporary copy of the package's directory, so they check the loading code whether or
not weights are shipped yet.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import deepcomplex
import deepcomplex.pretrained as pretrained
from deepcomplex.data import resolve_dir
from deepcomplex.models import count_parameters, create_model, list_models
from deepcomplex.pretrained import (PretrainedChecksumError, add_entry, file_sha256, list_pretrained, load_state_dict,
                                    read_manifest)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = list_pretrained()
ENTRY_KEYS = {"file", "sha256", "bytes", "dataset", "split", "recipe", "seed", "epochs", "commit", "date",
              "model_args", "parameters", "test_accuracy", "test_images", "subset_accuracy", "subset_images"}


def _have_fashion_mnist() -> bool:
    try:
        d = resolve_dir("fashion-mnist", None)
    except (FileNotFoundError, ValueError):
        return False
    return Path(d).is_dir()


needs_data = pytest.mark.skipif(not _have_fashion_mnist(), reason="Fashion-MNIST is not installed (Debian's "
                                "fashion-mnist package, /usr/share/datasets/fashion-mnist)")


@pytest.fixture
def fresh_root(tmp_path, monkeypatch):
    """A copy of the package's pretrained directory, with a freshly initialised coshnet_tiny as its coshnet_tiny
    entry, installed as the package's (PRETRAINED_DIR); yields (root, the model whose weights it holds)."""
    root = tmp_path / "pretrained"
    shutil.copytree(pretrained.PRETRAINED_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    torch.manual_seed(3)
    model = create_model("coshnet_tiny")
    add_entry("coshnet_tiny", model.state_dict(), {"dataset": "fashion-mnist", "model_args": {}, "recipe": "none",
                                                     "seed": 3, "subset_accuracy": 0.1, "subset_images": 2000}, root)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", root)
    return root, model


# --- the shipped weights ----------------------------------------------------------------------------------------------

def test_manifest_is_well_formed_and_every_entry_is_complete():
    path = pretrained.PRETRAINED_DIR / "manifest.json"
    data = json.loads(path.read_text())
    assert data["format"] == pretrained.FORMAT and isinstance(data["models"], dict)
    for name, entry in read_manifest().items():
        assert name in list_models(), f"{name} has weights but is not a registered model"
        assert ENTRY_KEYS <= set(entry), f"{name}: the entry lacks {sorted(ENTRY_KEYS - set(entry))}"
        assert entry["file"] == f"{name}.pt" and entry["subset_images"] == 2000
        assert entry["limit_train"] is None and entry["limit_test"] is None, f"{name} was trained on a subset"
        assert entry["recipe"] == "cosine-2x-flip" and entry["seed"] == 1 and entry["split"] == "60k"
        path = pretrained.PRETRAINED_DIR / entry["file"]
        assert path.stat().st_size == entry["bytes"] and file_sha256(path) == entry["sha256"]
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]) and re.fullmatch(r"\d{4}-\d\d-\d\d", entry["date"])


def test_the_weights_are_package_data():
    """pip install (not only a checkout) ships the manifest and every weight file."""
    text = (ROOT / "pyproject.toml").read_text()
    assert '"pretrained/manifest.json"' in text and '"pretrained/*.pt"' in text
    assert all(re.fullmatch(r"[a-z0-9_]+\.pt", e["file"]) for e in read_manifest().values())


@needs_data
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_scores_its_manifest_figure_on_2000_test_images(name):
    entry = read_manifest()[name]
    model = deepcomplex.create_model(name, pretrained=True)
    assert count_parameters(model) == entry["parameters"]
    scored = deepcomplex.evaluate(model, entry["dataset"], entry["split"], limit=2000)
    assert scored["images"] == 2000
    assert abs(scored["accuracy"] - entry["subset_accuracy"]) <= 0.01, (scored, entry["subset_accuracy"])
    # and the shipped network is the trained one, not chance (the 10k figure of the run it came from)
    assert entry["test_accuracy"] > 0.85 and abs(entry["test_accuracy"] - scored["accuracy"]) < 0.03


def test_pretrained_on_a_model_without_weights_lists_those_that_have():
    with pytest.raises(ValueError, match="'resnet18' has no pretrained weights") as err:
        create_model("resnet18", pretrained=True)
    assert all(name in str(err.value) for name in SHIPPED) and (SHIPPED or "none yet" in str(err.value))
    assert list_models(pretrained=True) == SHIPPED


# --- the loading code, on an entry of its own -------------------------------------------------------------------------

def test_create_model_pretrained_loads_the_entry(fresh_root):
    root, original = fresh_root
    assert "coshnet_tiny" in list_models(pretrained=True)
    model = deepcomplex.create_model("coshnet_tiny", pretrained=True)
    x = torch.rand(3, 1, 28, 28)
    torch.testing.assert_close(model.eval()(x), original.eval()(x), rtol=0, atol=0)
    state = load_state_dict("coshnet_tiny", root)
    assert {v.dtype for v in state.values()} <= {torch.float32, torch.complex64}
    assert state.keys() == original.state_dict().keys()
    # the arguments it was trained with may be repeated, not changed
    deepcomplex.create_model("coshnet_tiny", pretrained=True, num_classes=10)
    with pytest.raises(ValueError, match="would build another architecture"):
        deepcomplex.create_model("coshnet_tiny", pretrained=True, num_classes=5)


def test_a_model_without_weights_names_the_ones_with(fresh_root):
    with pytest.raises(ValueError, match=r"'complex_cnn_small' has no pretrained weights; models with pretrained "
                                         r"weights: .*coshnet_tiny"):
        create_model("complex_cnn_small", pretrained=True)
    with pytest.raises(ValueError, match="unknown model"):
        create_model("no_such_model", pretrained=True)


def test_checksum_mismatch_is_a_clear_error(fresh_root):
    root, _ = fresh_root
    path = root / "coshnet_tiny.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PretrainedChecksumError, match=r"'coshnet_tiny'.*has SHA-256 [0-9a-f]{64}, but the manifest "
                                                       r"records [0-9a-f]{64}.*damaged or was replaced"):
        load_state_dict("coshnet_tiny", root)
    with pytest.raises(ValueError, match="damaged or was replaced"):
        create_model("coshnet_tiny", pretrained=True)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_changed_copy_of_a_shipped_file_is_refused(tmp_path, name):
    root = tmp_path / "copy"
    shutil.copytree(pretrained.PRETRAINED_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    with open(root / f"{name}.pt", "ab") as f:
        f.write(b"\0")
    load_state_dict(name)  # the package's own file is untouched and still loads
    with pytest.raises(PretrainedChecksumError, match=name):
        load_state_dict(name, root)


def test_missing_file_and_bad_manifest(fresh_root):
    root, _ = fresh_root
    (root / "coshnet_tiny.pt").unlink()
    with pytest.raises(FileNotFoundError, match="coshnet_tiny.pt is missing"):
        load_state_dict("coshnet_tiny", root)
    (root / "manifest.json").write_text('{"models": []}')
    with pytest.raises(ValueError, match="format"):
        read_manifest(root)
    (root / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        list_pretrained(root)


def test_add_entry_stores_float32_and_a_matching_checksum(tmp_path):
    state = {k: v.to(torch.complex128 if v.is_complex() else torch.float64)  # stored at single precision
             for k, v in create_model("coshnet_tiny").state_dict().items()}
    assert {v.dtype for v in state.values()} == {torch.float64, torch.complex128}
    entry = add_entry("coshnet_tiny", state, {"note": "x"}, tmp_path)
    assert entry["sha256"] == file_sha256(tmp_path / "coshnet_tiny.pt") and entry["note"] == "x"
    state = load_state_dict("coshnet_tiny", tmp_path)
    assert {v.dtype for v in state.values()} <= {torch.float32, torch.complex64}
    add_entry("coshnet_base", create_model("coshnet_base").state_dict(), {}, tmp_path)
    assert list_pretrained(tmp_path) == ["coshnet_base", "coshnet_tiny"]  # a second entry keeps the first


# --- scripts/add_pretrained.py ----------------------------------------------------------------------------------------

@needs_data
def test_add_pretrained_script_writes_entry_and_results_row(tmp_path):
    from deepcomplex.train import RECIPES, TrainConfig, train

    run = tmp_path / "run"
    train(TrainConfig(model="coshnet_tiny", epochs=1, limit_train=256, limit_test=100, out=str(run),
                      **RECIPES["cosine-2x-flip"]), progress=False)
    root = tmp_path / "pretrained"
    script = [sys.executable, str(ROOT / "scripts" / "add_pretrained.py"), str(run), "--name", "coshnet_tiny",
              "--root", str(root)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    refused = subprocess.run(script, capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "--allow-limited" in refused.stderr  # a subset run is not shipped by mistake
    done = subprocess.run(script + ["--allow-limited", "--subset", "300"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    entry = read_manifest(root)["coshnet_tiny"]
    result = json.loads((run / "result.json").read_text())
    assert entry["test_accuracy"] == result["test_accuracy"] and entry["test_images"] == 100
    assert entry["recipe"] == "cosine-2x-flip" and entry["seed"] == 1 and entry["commit"] == result["git_commit"]
    assert entry["parameters"] == 49990 and entry["subset_images"] == 300 and entry["limit_train"] == 256
    model = create_model("coshnet_tiny")
    model.load_state_dict(load_state_dict("coshnet_tiny", root))
    assert deepcomplex.evaluate(model, "fashion-mnist", limit=300)["accuracy"] == entry["subset_accuracy"]
    row = done.stdout.strip().splitlines()[-1]
    assert row.startswith("| coshnet_tiny | 49,990 | `cosine-2x-flip`, 1 | 1 | 60k |")
    assert f"{100 * entry['test_accuracy']:.2f} %" in row and f"{100 * entry['subset_accuracy']:.2f} %" in row
    assert entry["sha256"][:12] in row
