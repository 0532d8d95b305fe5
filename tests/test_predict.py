"""``deepcomplex predict`` and the top-level API for trained models (issue 25): reading PNG/JPEG/.npy inputs as
Fashion-MNIST's preprocessing, clear errors naming the file, top-k output as text and JSON, ``--run``;
``deepcomplex.load_run`` and ``deepcomplex.evaluate`` against hand-computed references; the example."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import deepcomplex
import deepcomplex.pretrained as pretrained
from deepcomplex.cli import main
from deepcomplex.data import resolve_dir
from deepcomplex.models import create_model
from deepcomplex.predict import CLASS_NAMES, PredictInputError, load_inputs, predict, read_image, read_npy

ROOT = Path(__file__).resolve().parents[1]
NAMES = CLASS_NAMES["fashion-mnist"]


def _have_fashion_mnist() -> bool:
    try:
        return Path(resolve_dir("fashion-mnist", None)).is_dir()
    except (FileNotFoundError, ValueError):
        return False


needs_data = pytest.mark.skipif(not _have_fashion_mnist(), reason="Fashion-MNIST is not installed (Debian's "
                                "fashion-mnist package, /usr/share/datasets/fashion-mnist)")


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A coshnet_tiny (fresh weights) installed as the package's pretrained coshnet_tiny, in a temporary copy."""
    root = tmp_path / "pretrained"
    shutil.copytree(pretrained.PRETRAINED_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    torch.manual_seed(5)
    model = create_model("coshnet_tiny")
    pretrained.add_entry("coshnet_tiny", model.state_dict(), {"dataset": "fashion-mnist", "model_args": {}}, root)
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", root)
    return model.eval()


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A short real run of coshnet_tiny (1 epoch on 512 images) of `deepcomplex train`."""
    if not _have_fashion_mnist():
        pytest.skip("Fashion-MNIST is not installed")
    from deepcomplex.train import RECIPES, TrainConfig, train

    out = tmp_path_factory.mktemp("run")
    train(TrainConfig(model="coshnet_tiny", epochs=1, limit_train=512, limit_test=100, out=str(out),
                      **RECIPES["cosine-2x-flip"]), progress=False)
    return out


def _png(path, array) -> Path:
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
    return Path(path)


# --- reading inputs ---------------------------------------------------------------------------------------------------

def test_a_28x28_grey_png_is_read_exactly(tmp_path):
    a = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    path = _png(tmp_path / "grey.png", a)
    x = read_image(path)
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32
    np.testing.assert_array_equal(x[0].numpy(), a.astype(np.float32) / 255)  # the training scale: uint8 / 255
    np.testing.assert_allclose(read_image(path, invert=True)[0].numpy(), (255 - a) / 255, atol=1e-7)


def test_rgb_is_made_grey_with_the_itu_601_weights(tmp_path):
    a = np.zeros((28, 28, 3), np.uint8)
    a[..., 0], a[..., 1], a[..., 2] = 200, 100, 50
    Image.fromarray(a).save(tmp_path / "c.png")
    expected = (200 * 299 + 100 * 587 + 50 * 114) / 1000  # L = R 0.299 + G 0.587 + B 0.114 (ITU-R 601-2)
    x = read_image(tmp_path / "c.png")
    assert x.shape == (1, 28, 28) and abs(float(x.mean()) * 255 - expected) <= 0.5


def test_a_wide_image_is_fitted_and_centred_as_fashion_mnist(tmp_path):
    """112 x 56 (w x h): the long edge to 28, so 28 x 14, centred with 7 background rows above and below."""
    a = np.zeros((56, 112), np.uint8)
    a[14:42, 28:84] = 255  # a white block on black, centred
    x = read_image(_png(tmp_path / "wide.png", a))[0].numpy()
    assert x.shape == (28, 28)
    assert np.all(x[:7] == 0) and np.all(x[21:] == 0)  # the padding rows, the border's background (black)
    assert np.all(x[11:17, 8:20] > 0.9)  # the block: rows 3.5-10.5 of 14, moved down 7, and columns 7-21
    rows, cols = np.nonzero(x > 0.5)
    assert abs(rows.mean() - 13.5) <= 0.5 and abs(cols.mean() - 13.5) <= 0.5
    assert abs(x.sum() - 14 * 7) <= 3  # the block covers 1/4 of the 28 x 14 picture: 98 pixels' worth of white
    # a white background (a photo) is extended with white, and --invert makes it Fashion-MNIST's black
    x = read_image(_png(tmp_path / "photo.png", 255 - a), invert=True)[0].numpy()
    assert np.all(x[:7] == 0) and np.all(x[11:17, 8:20] > 0.9)


def test_transparent_png_is_seen_over_white(tmp_path):
    a = np.zeros((28, 28, 4), np.uint8)  # transparent everywhere but a black, opaque square
    a[10:18, 10:18, 3] = 255
    Image.fromarray(a, "RGBA").save(tmp_path / "t.png")
    x = read_image(tmp_path / "t.png", invert=True)[0].numpy()
    assert np.all(x[10:18, 10:18] == 1) and x.sum() == 64  # inverted: the square white, the background black


def test_jpeg_of_any_size(tmp_path):
    a = np.full((300, 200, 3), 255, np.uint8)
    a[100:200, 50:150] = 0
    Image.fromarray(a).save(tmp_path / "p.jpg", quality=95)
    x = read_image(tmp_path / "p.jpg", invert=True)
    assert x.shape == (1, 28, 28) and float(x[0, 14, 14]) > 0.9 and float(x[0, 0, 0]) < 0.05


def test_npy_batches_and_single_images(tmp_path):
    a = np.random.default_rng(1).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "b.npy", a)
    np.save(tmp_path / "one.npy", a[0])
    np.save(tmp_path / "f.npy", a[:2, None].astype(np.float64) / 255)
    x, names = load_inputs([tmp_path / "b.npy", tmp_path / "one.npy", tmp_path / "f.npy"])
    assert x.shape == (8, 1, 28, 28)
    assert names == [f"{tmp_path / 'b.npy'}[{i}]" for i in range(5)] + [str(tmp_path / "one.npy")] + \
        [f"{tmp_path / 'f.npy'}[{i}]" for i in range(2)]
    np.testing.assert_allclose(x[:5, 0].numpy(), a / 255, atol=1e-7)
    np.testing.assert_allclose(x[5, 0].numpy(), a[0] / 255, atol=1e-7)
    np.testing.assert_allclose(x[6:, 0].numpy(), a[:2] / 255, atol=1e-7)


@pytest.mark.parametrize("array, message", [
    (np.zeros((3, 32, 32), np.uint8), r"expected an array of shape \(N, 28, 28\), \(28, 28\) or \(N, 1, 28, 28\), "
                                      r"got \(3, 32, 32\)"),
    (np.zeros((28,), np.uint8), "got \\(28,\\)"),
    (np.zeros((2, 3, 28, 28), np.uint8), "got \\(2, 3, 28, 28\\)"),
    (np.zeros((0, 28, 28), np.uint8), "holds no images"),
    (np.full((28, 28), 2.0), r"float images must lie in \[0, 1\]"),
    (np.full((28, 28), 300, np.int32), "integer images must lie in 0-255"),
    (np.zeros((28, 28), np.complex64), "expected uint8 or float images"),
])
def test_wrong_arrays_are_errors_naming_the_file(tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array)
    with pytest.raises(PredictInputError, match=message) as err:
        read_npy(tmp_path / "bad.npy")
    assert str(err.value).startswith(str(tmp_path / "bad.npy"))


def test_unreadable_files_are_errors_naming_the_file(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    np.save(tmp_path / "pickled.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "dir.png").mkdir()
    for name, message in [("empty.png", "the file is empty"), ("notes.png", "not an image Pillow can read"),
                          ("broken.npy", "not a readable .npy array"), ("pickled.npy", "not a readable .npy array"),
                          ("dir.png", "not a file"), ("missing.png", "no such file")]:
        with pytest.raises(PredictInputError, match=message) as err:
            load_inputs([tmp_path / name])
        assert str(tmp_path / name) in str(err.value)


def test_predict_is_softmax_top_k():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    x = torch.rand(5, 1, 28, 28)
    probs, idx = predict(model, x, top_k=3, batch_size=2)
    w, b = (p.detach().double().numpy() for p in model[1].parameters())
    logits = x.reshape(5, -1).double().numpy() @ w.T + b
    ref = np.exp(logits - logits.max(1, keepdims=True))
    ref /= ref.sum(1, keepdims=True)
    order = np.argsort(-ref, axis=1)[:, :3]
    np.testing.assert_array_equal(idx.numpy(), order)
    np.testing.assert_allclose(probs.numpy(), np.take_along_axis(ref, order, 1), rtol=1e-5)
    assert predict(model, x, top_k=50)[0].shape == (5, 10)


# --- the command ------------------------------------------------------------------------------------------------------

def test_predict_command_text_and_json(tmp_path, shipped, capsys):
    a = np.random.default_rng(2).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "batch.npy", a)
    png = _png(tmp_path / "first.png", a[0])
    assert main(["predict", "--model", "coshnet_tiny", str(png), str(tmp_path / "batch.npy")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "coshnet_tiny, pretrained (fashion-mnist): top 3 of 10 classes" and len(lines) == 5
    with torch.no_grad():
        ref = torch.softmax(shipped(torch.from_numpy(a).float().div(255).unsqueeze(1)), 1)
    best = ref[0].argmax()
    first = lines[1].split(str(png))[1]
    assert first.lstrip().startswith(f"{NAMES[best]:<11} {100 * float(ref[0, best]):5.1f} %")
    assert first.strip() == lines[2].split("batch.npy[0]")[1].strip()  # the PNG and the array agree

    assert main(["predict", str(tmp_path / "batch.npy"), "--top-k", "2", "--json"]) == 0  # --model: coshnet_tiny
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "coshnet_tiny, pretrained" and out["dataset"] == "fashion-mnist"
    assert [p["input"] for p in out["predictions"]] == [f"{tmp_path / 'batch.npy'}[{i}]" for i in range(3)]
    for i, p in enumerate(out["predictions"]):
        top = ref[i].topk(2)
        assert [t["index"] for t in p["top"]] == top.indices.tolist()
        assert [t["class"] for t in p["top"]] == [NAMES[j] for j in top.indices]
        np.testing.assert_allclose([t["probability"] for t in p["top"]], top.values.numpy(), atol=1e-5)


def test_predict_command_errors_exit_2(tmp_path, shipped, capsys):
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert main(["predict", str(tmp_path / "empty.jpg")]) == 2
    assert capsys.readouterr().err.strip() == f"deepcomplex predict: error: {tmp_path / 'empty.jpg'}: the file is empty"
    assert main(["predict", "--model", "complex_cnn_small", str(tmp_path / "empty.jpg")]) == 2
    shipped_names = ", ".join(deepcomplex.list_models(pretrained=True))
    assert f"'complex_cnn_small' has no pretrained weights; models with pretrained weights: {shipped_names}" in \
        capsys.readouterr().err
    np.save(tmp_path / "ok.npy", np.zeros((28, 28), np.uint8))
    assert main(["predict", "--top-k", "0", str(tmp_path / "ok.npy")]) == 2
    assert "--top-k: expected an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["predict", "--run", str(tmp_path / "nothing"), str(tmp_path / "ok.npy")]) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["predict", "--model", "coshnet_tiny", "--run", str(tmp_path), str(tmp_path / "ok.npy")])
    assert exit_.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_bad_file_gives_one_line_and_no_traceback(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    p = subprocess.run([sys.executable, "-m", "deepcomplex", "predict", str(tmp_path / "notes.txt")],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines()[-1].startswith("deepcomplex predict: error: ")


@needs_data
def test_predict_with_a_trained_run(trained_run, tmp_path, capsys):
    from deepcomplex.data import load_split

    _, _, images, _ = load_split("fashion-mnist", train=False)
    png = _png(tmp_path / "test0.png", images[0].numpy())  # a test image saved as PNG reads back as itself
    np.save(tmp_path / "test0.npy", images[0].numpy())
    assert main(["predict", "--run", str(trained_run), "--json", str(png), str(tmp_path / "test0.npy")]) == 0
    out = json.loads(capsys.readouterr().out)
    model, _, _ = deepcomplex.load_run(trained_run)
    with torch.no_grad():
        ref = torch.softmax(model(images[:1].unsqueeze(1).float() / 255), 1)[0].topk(3)
    for p in out["predictions"]:
        assert [t["index"] for t in p["top"]] == ref.indices.tolist()
        np.testing.assert_allclose([t["probability"] for t in p["top"]], ref.values.numpy(), atol=1e-5)


# --- deepcomplex.load_run, deepcomplex.evaluate -----------------------------------------------------------------------

def test_import_deepcomplex_loads_no_model_or_training_code():
    code = ("import sys, deepcomplex; assert not any(m.startswith(('deepcomplex.models', 'deepcomplex.train', "
            "'deepcomplex.api')) for m in sys.modules), sorted(sys.modules); "
            "print(deepcomplex.create_model is deepcomplex.models.create_model, 'load_run' in dir(deepcomplex))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0 and p.stdout.split() == ["True", "True"], p.stderr
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        deepcomplex.no_such_name  # noqa: B018
    assert {"create_model", "list_models", "load_run", "evaluate"} <= set(deepcomplex.__all__)


@needs_data
def test_load_run_gives_model_config_result(trained_run, tmp_path):
    model, config, result = deepcomplex.load_run(trained_run)
    assert not model.training and config.model == "coshnet_tiny" and config.limit_train == 512
    assert result == json.loads((trained_run / "result.json").read_text())
    # the model is the trained one: it scores the run's own test figure on the run's test subset
    from deepcomplex.train import load_run as load_run_with_data

    with_data = load_run_with_data(trained_run)
    scored = deepcomplex.evaluate(model, (with_data.x_test, with_data.y_test))
    assert scored["accuracy"] == pytest.approx(result["test_accuracy"]) and scored["images"] == 100
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    shutil.copy(trained_run / "checkpoint.pt", unfinished)
    assert deepcomplex.load_run(unfinished).result is None
    with pytest.raises(FileNotFoundError, match="not found"):
        deepcomplex.load_run(tmp_path / "nothing")


def test_evaluate_on_tensors_matches_a_hand_computed_reference():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10)).train()
    x, y = torch.rand(37, 1, 28, 28), torch.randint(0, 10, (37,))
    w, b = (p.detach().double().numpy() for p in model[1].parameters())
    logits = x.reshape(37, -1).double().numpy() @ w.T + b
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    for limit in (None, 20):
        n = limit or 37
        out = deepcomplex.evaluate(model, (x, y), limit=limit, batch_size=8)
        assert out["images"] == n and out["dataset"] is None and not model.training
        assert out["accuracy"] == pytest.approx(float((logits[:n].argmax(1) == y[:n].numpy()).mean()))
        assert out["loss"] == pytest.approx(float(-logp[np.arange(n), y[:n].numpy()].mean()), rel=1e-5)
    for bad, message in [(("x", "y", "z"), "a dataset name or an"), ((x, y[:5]), "N integer class labels"),
                         ((x, y.float()), "N integer class labels"), ("imagenet", "unknown dataset 'imagenet'")]:
        with pytest.raises(ValueError, match=message):
            deepcomplex.evaluate(model, bad)
    with pytest.raises(ValueError, match="limit must be >= 1"):
        deepcomplex.evaluate(model, (x, y), limit=0)


@needs_data
def test_evaluate_a_dataset_uses_its_first_test_images():
    from deepcomplex.data import load_split

    torch.manual_seed(2)
    model = create_model("coshnet_tiny")
    _, _, images, labels = load_split("fashion-mnist", train=False)
    by_name = deepcomplex.evaluate(model, "fashion-mnist", limit=300)
    by_hand = deepcomplex.evaluate(model, (images[:300].unsqueeze(1).float() / 255, labels[:300]))
    assert by_name["images"] == 300 and by_name["split"] == "60k"
    assert by_name["accuracy"] == by_hand["accuracy"] and by_name["loss"] == pytest.approx(by_hand["loss"])


@needs_data
def test_the_example_runs_on_a_trained_run(trained_run, capsys):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import pretrained_predict
    finally:
        sys.path.pop(0)
    accuracy = pretrained_predict.main(["--run", str(trained_run)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 9 and lines[-1] == f"accuracy on the first 2,000 test images: {accuracy:.2%}"
    model, _, _ = deepcomplex.load_run(trained_run)
    assert accuracy == deepcomplex.evaluate(model, "fashion-mnist", limit=2000)["accuracy"]
