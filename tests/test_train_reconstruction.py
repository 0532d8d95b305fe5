"""The reconstruction task end to end: fastMRI look-alike files -> training -> eval -> robustness, exact resume,
metrics recomputed independently (scikit-image / NumPy) from the saved model, settings and their errors."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("h5py")
skm = pytest.importorskip("skimage.metrics")

from deepcomplex.cli import main  # noqa: E402
from deepcomplex.data import load_split  # noqa: E402
from deepcomplex.data.synthetic import write_synthetic_fastmri  # noqa: E402
from deepcomplex.train import TrainConfig, load_run, train  # noqa: E402
from deepcomplex.train.tasks import TASKS, get_task  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"base_channels": 4, "depth": 2}


@pytest.fixture(scope="module")
def fastmri_dir(tmp_path_factory):
    return write_synthetic_fastmri(tmp_path_factory.mktemp("fastmri"), n_train=2, n_val=2, slices=3, seed=3)


def config(out, data_dir, **kw) -> TrainConfig:
    settings = dict(model="complex_unet", model_args=dict(SMALL), task="reconstruction", dataset="fastmri",
                    data_dir=str(data_dir), epochs=2, batch_size=2, lr=2e-3, out=str(out))
    settings.update(kw)
    return TrainConfig(**settings)


@pytest.fixture(scope="module")
def trained(fastmri_dir, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("run")
    result = train(config(out, fastmri_dir), progress=False)
    return out, result


def fastmri_reference(gt: np.ndarray, pred: np.ndarray) -> dict:
    """fastMRI's evaluate.py on magnitude volumes (S, H, W): NMSE, PSNR and per-slice SSIM with the volume max as
    data range; our phase error inside |gt| > 0.1 max."""
    mg, mp = np.abs(gt), np.abs(pred)
    top = mg.max()
    inside = mg > 0.1 * top
    return {"nmse": np.linalg.norm(mg - mp) ** 2 / np.linalg.norm(mg) ** 2,
            "psnr": skm.peak_signal_noise_ratio(mg, mp, data_range=top),
            "ssim": np.mean([skm.structural_similarity(g, p, data_range=top) for g, p in zip(mg, mp)]),
            "phase_error": np.abs(np.angle(pred * np.conj(gt)))[inside].mean()}


def test_the_task_is_registered():
    task = get_task("reconstruction")
    assert set(task.datasets) == {"fastmri", "mri-demo"}
    assert TASKS["reconstruction"] is task and task.higher_is_better and task.metric == "psnr"


def test_training_writes_every_metric_and_they_match_an_independent_evaluation(trained, fastmri_dir):
    out, result = trained
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    for key in ("test_psnr", "test_nmse", "test_ssim", "test_phase_error", "test_loss", "slices_per_second"):
        assert key in rows[0] and np.isfinite(float(rows[-1][key]))
    assert result["train_slices"] == 6 and result["test_slices"] == 6
    # recompute from the saved model, volume by volume, with scikit-image and NumPy
    run = load_run(out)
    run.model.eval()
    volumes = run.y_test.volumes
    per_volume = []
    with torch.no_grad():
        for v in torch.unique(volumes):
            rows = torch.nonzero(volumes == v).flatten()
            pred = run.model(run.x_test[rows])[:, 0].to(torch.complex128).numpy()
            gt = run.y_test[rows][:, 0].to(torch.complex128).numpy()
            per_volume.append(fastmri_reference(gt, pred))
    assert len(per_volume) == 2
    for key in ("psnr", "nmse", "ssim", "phase_error"):
        want = np.mean([m[key] for m in per_volume])
        assert result[f"test_{key}"] == pytest.approx(want, rel=1e-5, abs=1e-6), key


def test_the_loss_is_the_chosen_one_per_slice_mean(trained):
    g = torch.Generator().manual_seed(0)
    out = torch.randn(3, 1, 8, 8, dtype=torch.complex64, generator=g)
    tgt = torch.randn(3, 1, 8, 8, dtype=torch.complex64, generator=g)
    task = get_task("reconstruction")
    err = (out - tgt).abs().double()
    assert task.loss_sum(out, tgt).item() == pytest.approx(err.mean((1, 2, 3)).sum().item(), rel=1e-5)
    mse = task.configured(TrainConfig(task="reconstruction", loss="mse"))
    assert mse.loss_sum(out, tgt).item() == pytest.approx((err ** 2).mean((1, 2, 3)).sum().item(), rel=1e-5)
    mp = task.configured(TrainConfig(task="reconstruction", loss="magnitude-phase"))
    d_phase = torch.angle(out.to(torch.complex128) * tgt.to(torch.complex128).conj())
    want = ((out.abs().double() - tgt.abs().double()) ** 2 + d_phase ** 2).mean((1, 2, 3)).sum()
    assert mp.loss_sum(out, tgt).item() == pytest.approx(want.item(), rel=1e-5)
    assert mp.loss_label == "magnitude-phase" and task.loss_label == "complex L1"


def test_a_resumed_run_is_the_same_run(fastmri_dir, tmp_path, trained):
    torch.set_num_threads(1)
    whole_dir, whole = trained
    part = tmp_path / "part"
    train(config(part, fastmri_dir, epochs=1), progress=False)
    resumed = train(config(part, fastmri_dir, epochs=2), resume=True, progress=False)
    a = torch.load(whole_dir / "checkpoint.pt", weights_only=False)["model"]
    b = torch.load(part / "checkpoint.pt", weights_only=False)["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    for key in ("test_psnr", "test_ssim", "test_nmse", "test_phase_error", "train_loss"):
        assert resumed[key if key == "train_loss" else key] == whole[key]


def test_eval_and_robustness_commands(trained, capsys, tmp_path):
    out, result = trained
    assert main(["eval", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["test_psnr"] == pytest.approx(result["test_psnr"], abs=1e-9)
    assert printed["test_ssim"] == pytest.approx(result["test_ssim"], abs=1e-9)
    assert main(["robustness", str(out), "--acceleration", "4,8", "--kspace-noise", "0,0.2", "--no-progress",
                 "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "robustness.json").read_text())
    cells = {(r["acceleration"], r["noise"]): r for r in report["table"]}
    assert set(cells) == {(4, 0.0), (4, 0.2), (8, 0.0), (8, 0.2)}
    # the clean cell at the run's acceleration is its test result (the same data seed, masks and scale)
    assert cells[4, 0.0]["psnr"] == pytest.approx(result["test_psnr"], abs=1e-9)
    # fewer columns and noisier k-space make zero-filling worse
    assert cells[8, 0.0]["zero_filled_psnr"] < cells[4, 0.0]["zero_filled_psnr"]
    assert cells[4, 0.2]["zero_filled_psnr"] < cells[4, 0.0]["zero_filled_psnr"]
    assert (tmp_path / "robustness.png").stat().st_size > 0 and (tmp_path / "robustness.csv").exists()


def test_commands_refuse_settings_of_the_other_tasks(trained, capsys):
    out, _ = trained
    assert main(["robustness", str(out), "--noise-var", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--noise-var" in err[0] and "reconstruction" in err[0]
    assert main(["robustness", str(out), "--acceleration", "2.5"]) == 2
    assert "--acceleration takes integers" in capsys.readouterr().err
    assert main(["train", "--acceleration", "8", "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "acceleration=8" in err[0] and "--task reconstruction" in err[0]
    for flag, value in (("--acceleration", "0"), ("--center-fraction", "1.5"), ("--center-fraction", "0"),
                        ("--mask", "spiral"), ("--loss", "ssim")):
        with pytest.raises(SystemExit) as exc:
            main(["train", "--task", "reconstruction", flag, value])
        assert exc.value.code == 2


@pytest.mark.parametrize("settings, match", [
    ({"task": "reconstruction", "mask": "spiral"}, "unknown mask 'spiral'"),
    ({"task": "reconstruction", "loss": "ssim"}, "unknown loss 'ssim'"),
    ({"task": "reconstruction", "center_fraction": 1.5}, "center_fraction must be a fraction"),
    ({"task": "reconstruction", "acceleration": 0}, "acceleration must be an integer >= 1"),
    ({"task": "reconstruction", "model": "coshnet_tiny"}, "complex_unet"),
    ({"task": "reconstruction", "augment": "flip"}, "augment 'flip'"),
    ({"loss": "mse"}, "loss='mse' set the reconstruction task's"),
    ({"task": "reconstruction", "dataset": "fashion-mnist"}, "belongs to the classification task"),
])
def test_config_errors(settings, match):
    settings = dict(settings)
    with pytest.raises(ValueError, match=match):
        TrainConfig(**settings)


def test_a_mask_setting_reaches_the_data(fastmri_dir):
    cfg = config("unused", fastmri_dir, acceleration=8, mask="equispaced")
    _, _, x8, y8 = get_task("reconstruction").load(cfg, train=False)
    _, _, x4, y4 = load_split("fastmri", data_dir=fastmri_dir, train=False)
    expected_x, expected_y = load_split("fastmri", data_dir=fastmri_dir, train=False, acceleration=8,
                                        mask="equispaced")[2:]
    assert torch.equal(x8[[0, 1]], expected_x[[0, 1]]) and not torch.equal(x8[[0]], x4[[0]])
    # targets differ only by the per-volume scale (the max of the zero-filled volume)
    ratio = (y8[[0]] / y4[[0]])[y4[[0]].abs() > 1e-3 * y4[[0]].abs().max()]
    assert torch.allclose(ratio, ratio[0].expand_as(ratio), rtol=1e-4)
    assert torch.equal(y8[[0]], expected_y[[0]])


def test_the_demo_script_writes_its_section_once(tmp_path):
    pytest.importorskip("nibabel")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nother text\n")
    cmd = [sys.executable, str(ROOT / "scripts" / "mri_demo.py"), "--seeds", "1", "--epochs", "1", "--limit-train",
           "4", "--batch-size", "4", "--no-robustness", "--threads", "1", "--out", str(tmp_path / "runs"),
           "--results", str(results), "--figure", str(tmp_path / "panel.png")]
    for _ in range(2):  # the second call re-reports the finished runs and replaces the section
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    text = results.read_text()
    assert text.startswith("# Results\n\nother text\n") and text.count("<!-- mri-demo:begin -->") == 1
    assert "| `complex_unet` |" in text and "| `complex_unet_real` |" in text and "| zero-filled input |" in text
    summary = json.loads((tmp_path / "runs" / "summary.json").read_text())
    zero = summary["zero_filled"]
    assert np.isfinite(zero["psnr"]) and 0 < zero["ssim"] < 1
    assert (tmp_path / "panel.png").stat().st_size > 10_000
    params = {m: r["parameters"] for m, r in summary["models"].items()}
    assert abs(params["complex_unet_real"] / params["complex_unet"] - 1) <= 0.02


def test_export_takes_the_slices_shape_and_predict_refuses(trained, tmp_path, capsys):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    out, _ = trained
    assert main(["export", str(out), "--out", str(tmp_path / "unet.onnx")]) == 0
    assert "input_0 of shape (N, 1, 320, 320) complex64" in capsys.readouterr().out
    session = ort.InferenceSession(str(tmp_path / "unet.onnx"), providers=["CPUExecutionProvider"])
    run = load_run(out)
    x = run.x_test[[0, 1]]
    with torch.no_grad():
        want = torch.view_as_real(run.model.eval()(x)).numpy()
    got = session.run(None, {session.get_inputs()[0].name: torch.view_as_real(x).numpy()})[0]
    assert got.shape == want.shape and np.abs(got - want).max() < 2e-3 * np.abs(want).max()
    np.save(tmp_path / "x.npy", np.zeros((1, 28, 28), np.float32))
    assert main(["predict", "--run", str(out), str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "reconstruction run" in err[0]
