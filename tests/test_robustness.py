"""Noise and blur perturbations (against scipy.ndimage) and the `deepcomplex robustness` command on a tiny run."""
import csv
import json

import numpy as np
import pytest
import torch
from scipy import ndimage

from conftest import write_band_idx
from deepcomplex.cli import main as cli
from deepcomplex.data import gaussian_blur, gaussian_noise, random_flip_shift
from deepcomplex.train import TrainConfig, robustness, train


def _scipy_blur(x: torch.Tensor, sigmas) -> np.ndarray:
    """scipy.ndimage.gaussian_filter on each 2-D image of an (N, C, H, W) batch, one sigma per image."""
    a = x.numpy()
    return np.stack([[ndimage.gaussian_filter(a[i, c], float(sigmas[i]), mode="reflect", truncate=4.0)
                      for c in range(a.shape[1])] for i in range(a.shape[0])])


@pytest.mark.parametrize("sigma", [0.1, 0.25, 0.3, 0.5, 0.75, 1.0, 1.37, 2.5, 4.2])
def test_blur_matches_scipy_per_image(sigma):
    x = torch.rand(3, 2, 11, 8, dtype=torch.float64)  # sigma 4.2: radius 17 > both sides, reflected more than once
    y = gaussian_blur(x, sigma)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_allclose(y.numpy(), _scipy_blur(x, [sigma] * 3), rtol=0, atol=1e-12)


def test_blur_per_image_sigma_tensor_matches_scipy():
    x = torch.rand(5, 1, 28, 28, dtype=torch.float64)
    sigmas = torch.tensor([0.0, 0.2, 0.55, 0.75, 1.8], dtype=torch.float64)
    np.testing.assert_allclose(gaussian_blur(x, sigmas).numpy(), _scipy_blur(x, sigmas), rtol=0, atol=1e-12)
    # float32 images: the same within float32 rounding; a float32 sigma tensor is accepted
    y32 = gaussian_blur(x.float(), sigmas.float())
    assert y32.dtype == torch.float32
    np.testing.assert_allclose(y32.double().numpy(), _scipy_blur(x, sigmas.float().double()), rtol=0, atol=1e-6)


def test_blur_never_mixes_images_or_channels():
    x = torch.rand(4, 3, 16, 16, dtype=torch.float64)
    for sigma in (0.75, 3.0, torch.tensor([0.5, 1.0, 2.0, 0.75])):
        base = gaussian_blur(x, sigma)
        x2 = x.clone()
        x2[2, 1] += torch.randn(16, 16, dtype=torch.float64)  # perturb one channel of one image
        moved = gaussian_blur(x2, sigma)
        changed = (moved != base).flatten(2).any(-1)  # (N, C): which planes changed
        assert changed[2, 1] and changed.sum() == 1, changed


def test_blur_sigma_zero_is_the_identity():
    x = torch.rand(3, 2, 7, 9)
    assert torch.equal(gaussian_blur(x, 0), x) and torch.equal(gaussian_blur(x, 0.0), x)
    assert torch.equal(gaussian_blur(x, torch.zeros(3)), x)
    y = gaussian_blur(x, torch.tensor([0.0, 1.0, 0.0]))
    assert torch.equal(y[0], x[0]) and torch.equal(y[2], x[2]) and not torch.equal(y[1], x[1])
    # a blur preserves the mean of each image up to the boundary, and leaves a constant image unchanged
    c = torch.full((1, 1, 6, 6), 0.3, dtype=torch.float64)
    torch.testing.assert_close(gaussian_blur(c, 2.0), c, rtol=0, atol=1e-15)


def test_noise_statistics_and_seeded_reproducibility():
    x = torch.full((64, 1, 64, 64), 0.5, dtype=torch.float64)  # 262,144 samples
    for var in (10.0, 50.0, 400.0):
        noise = (gaussian_noise(x, var, torch.Generator().manual_seed(1)) - x) * 255
        assert abs(noise.mean().item()) < 0.02 * var ** 0.5
        assert noise.var().item() == pytest.approx(var, rel=0.02)
    a = gaussian_noise(x, 50, torch.Generator().manual_seed(7))
    b = gaussian_noise(x, 50, torch.Generator().manual_seed(7))
    c = gaussian_noise(x, 50, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    # one seed, one standard-normal draw: variances differ only by the scale of the same pattern
    d = gaussian_noise(x, 200, torch.Generator().manual_seed(7))
    torch.testing.assert_close(d - x, 2 * (a - x), rtol=1e-12, atol=1e-15)
    assert torch.equal(gaussian_noise(x, 0), x)
    # not clipped to [0, 1] (as in the CoShNet code): heavy noise leaves the range
    y = gaussian_noise(torch.zeros(1, 1, 28, 28), 10000, torch.Generator().manual_seed(0))
    assert y.dtype == torch.float32 and y.min() < 0 and y.max() > 1


def test_bad_inputs_name_the_function():
    x = torch.rand(2, 1, 5, 5)
    with pytest.raises(ValueError, match="gaussian_noise.*variance.*>= 0.*-1"):
        gaussian_noise(x, -1)
    with pytest.raises(ValueError, match="gaussian_noise.*nan"):
        gaussian_noise(x, float("nan"))
    with pytest.raises(TypeError, match="gaussian_noise.*floating-point.*torch.uint8"):
        gaussian_noise(torch.zeros(2, 1, 5, 5, dtype=torch.uint8), 10)
    with pytest.raises(ValueError, match="gaussian_blur.*sigma.*>= 0.*-0.5"):
        gaussian_blur(x, -0.5)
    with pytest.raises(ValueError, match="gaussian_blur.*every sigma.*-1"):
        gaussian_blur(x, torch.tensor([0.5, -1.0]))
    with pytest.raises(ValueError, match=r"gaussian_blur.*shape \(2,\).*got shape \(3,\)"):
        gaussian_blur(x, torch.ones(3))
    with pytest.raises(ValueError, match=r"gaussian_blur expects a 4D input \(N, C, H, W\), got 3D"):
        gaussian_blur(x[0], 1.0)
    with pytest.raises(TypeError, match="gaussian_blur.*floating-point.*torch.int64"):
        gaussian_blur(torch.zeros(2, 1, 5, 5, dtype=torch.int64), 1.0)
    with pytest.raises(TypeError, match="gaussian_blur.*floating-point.*complex64"):
        gaussian_blur(torch.zeros(2, 1, 5, 5, dtype=torch.complex64), 1.0)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A complex_cnn_small trained for one epoch on generated MNIST-format data (tests/test_train.py's recipe)."""
    d = write_band_idx(tmp_path_factory.mktemp("robust"), (("train", 300), ("t10k", 200)))
    run = d / "run"
    train(TrainConfig(model="complex_cnn_small", dataset="mnist", data_dir=str(d), out=str(run), epochs=1,
                      batch_size=32, lr=3e-3, seed=3), progress=False)
    return run


def test_cli_robustness_end_to_end(tiny_run, capsys):
    args = ["robustness", str(tiny_run), "--noise-var", "0,50,10000", "--blur-sigma", "0,0.75", "--no-progress",
            "--threads", "1"]
    assert cli(args) == 0
    text = capsys.readouterr().out
    assert "10000" in text and "0.75" in text and "CoShNet test perturbation" in text
    assert "epoch 1, trained with seed 3, noise seed 0:" in text.splitlines()[0]  # the run's seed, not the noise's
    for name in ("robustness.json", "robustness.csv", "robustness.png"):
        assert (tiny_run / name).stat().st_size > 0
    assert not list(tiny_run.glob(".*tmp*"))
    saved = json.loads((tiny_run / "robustness.json").read_text())
    acc = np.array(saved["accuracy"])
    assert acc.shape == (3, 2) and np.array(saved["loss"]).shape == (3, 2)
    assert saved["noise_vars"] == [0, 50, 10000] and saved["blur_sigmas"] == [0, 0.75]
    assert saved["model"] == "complex_cnn_small" and saved["parameters"] == 36682 and saved["epoch"] == 1
    assert saved["seed"] == 0 and saved["run_seed"] == 3  # the noise's seed, the run's
    assert saved["torch"] == torch.__version__ and saved["test_images"] == 200
    rows = list(csv.DictReader((tiny_run / "robustness.csv").open()))
    assert len(rows) == 6 and float(rows[-1]["noise_var"]) == 10000 and float(rows[-1]["blur_sigma"]) == 0.75
    assert float(rows[0]["test_accuracy"]) == acc[0, 0]

    # the clean cell is exactly `deepcomplex eval`'s accuracy on the same test set
    assert cli(["eval", str(tiny_run)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert acc[0, 0] == report["test_accuracy"] and acc[0, 0] > 0.3  # chance is 0.1
    assert acc[2, 0] < acc[0, 0] and acc[2, 1] < acc[0, 0]  # noise std 100/255 hurts

    # seeded: a second call (the library function, to a checkpoint path and another directory) gives the same numbers
    again = robustness(str(tiny_run / "checkpoint.pt"), [0, 50, 10000], [0, 0.75], out=str(tiny_run / "again"),
                       progress=False)
    assert again["accuracy"] == saved["accuracy"] and again["loss"] == saved["loss"]
    assert again["paper_protocol"] == saved["paper_protocol"]
    assert (tiny_run / "again" / "robustness.png").stat().st_size > 0
    other = robustness(str(tiny_run), [50], [0.5], seed=1, limit_test=50, out=str(tiny_run / "other"), progress=False)
    assert other["test_images"] == 50 and np.array(other["accuracy"]).shape == (1, 1)


def _exit_code(argv) -> int:
    """The command's exit status, whether it returns it or argparse exits with it (a bad flag value)."""
    try:
        return cli(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("args, message", [
    (["--noise-var", "0,,5"], "--noise-var: expected comma-separated numbers"),
    (["--noise-var", "0,ten"], "--noise-var: 'ten' is not a number"),
    (["--noise-var=-5,10"], "--noise-var: values must be finite and >= 0, got -5"),
    (["--blur-sigma", "-0.5"], "--blur-sigma: values must be finite and >= 0"),
    (["--blur-sigma", "nan"], "--blur-sigma: values must be finite and >= 0"),
    (["--blur-sigma", "0.5,0.5"], "distinct blur_sigmas"),
    (["--limit-test", "0"], "--limit-test: expected an integer >= 1"),
    (["--seed", "x"], "--seed: expected an integer from 0 to 4294967295, got 'x'"),
    (["--threads", "0"], "--threads: expected an integer >= 1"),
])
def test_cli_robustness_bad_arguments(tiny_run, tmp_path, capsys, args, message):
    assert _exit_code(["robustness", str(tiny_run), "--out", str(tmp_path), "--no-progress", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("deepcomplex robustness: error:") and message in err and "\n" not in err
    assert not list(tmp_path.iterdir())


def test_cli_robustness_missing_checkpoint(tmp_path, capsys):
    assert cli(["robustness", str(tmp_path / "nowhere"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("deepcomplex robustness: error:") and "not found" in err and "\n" not in err


def _np_flip_shift(image: np.ndarray, mirror: bool, dy: int, dx: int) -> np.ndarray:
    """(C, H, W) image mirrored left-right (if ``mirror``) and moved by (dy, dx) with zeros shifted in."""
    img = image[:, :, ::-1] if mirror else image
    out = np.zeros_like(img)
    c, h, w = img.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[:, yd, xd] = img[:, ys, xs]
    return out


def test_flip_shift_outputs_are_flips_and_shifts_of_their_own_image():
    torch.manual_seed(0)
    x = torch.rand(500, 2, 7, 9, dtype=torch.float64) + 0.1  # no zeros, so every placement is distinguishable
    y = random_flip_shift(x, 2, generator=torch.Generator().manual_seed(5)).numpy()
    seen = set()
    for i in range(len(x)):
        matches = [(m, dy, dx) for m in (False, True) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(_np_flip_shift(x[i].numpy(), m, dy, dx), y[i])]
        assert len(matches) == 1, i
        seen.add(matches[0])
    assert len(seen) == 50  # over 500 images every flip x shift combination turns up


def test_flip_shift_is_seeded_and_can_be_the_identity():
    x = torch.rand(16, 1, 6, 6)
    a = random_flip_shift(x, 2, generator=torch.Generator().manual_seed(1))
    b = random_flip_shift(x, 2, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, x)
    assert torch.equal(random_flip_shift(x, 0, flip=False), x)
    mirrored = random_flip_shift(x, 0, generator=torch.Generator().manual_seed(2))
    assert all(torch.equal(m, im) or torch.equal(m, im.flip(-1)) for m, im in zip(mirrored, x))
    assert random_flip_shift(torch.empty(0, 1, 6, 6), 2).shape == (0, 1, 6, 6)


def test_flip_shift_bad_input():
    with pytest.raises(ValueError, match="random_flip_shift expects a 4D input"):
        random_flip_shift(torch.rand(6, 6))
    with pytest.raises(TypeError, match="random_flip_shift expects a floating-point tensor"):
        random_flip_shift(torch.zeros(1, 1, 6, 6, dtype=torch.uint8))
    with pytest.raises(ValueError, match="max_shift to be a non-negative int"):
        random_flip_shift(torch.rand(1, 1, 6, 6), -1)
