"""The one training loop on the MusicNet and TIMIT tasks, on small generated data: files, metrics, exact resume, the
command line, eval, and the errors that keep tasks, datasets, models and recipes apart."""
import csv
import json

import pytest
import torch

from conftest import write_band_idx
from deepcomplex.cli import main as cli
from deepcomplex.data.musicnet import write_synthetic_musicnet
from deepcomplex.data.timit import write_synthetic_timit
from deepcomplex.train import TrainConfig, evaluate_run, train
from deepcomplex.train import RECIPES, learning_rate
from deepcomplex.train.metrics import average_precision_micro


@pytest.fixture(scope="module")
def musicnet_dir(tmp_path_factory):
    """3 training and 3 test recordings of 3 s: 192 training windows of 1024 samples, 504 test windows."""
    return write_synthetic_musicnet(tmp_path_factory.mktemp("musicnet"), seconds=3.0, n_train=3, n_validation=0)


@pytest.fixture(scope="module")
def timit_dir(tmp_path_factory):
    """2 speakers x 3 utterances of 1.5 s per part: 18 sequences of 50 frames x 129 bins in each."""
    return write_synthetic_timit(tmp_path_factory.mktemp("timit"), n_speakers=2, utterances=3, duration=1.5)


def _musicnet(root, out, **kw):
    base = dict(task="musicnet", model="musicnet_shallow_real", model_args={"window": 1024}, data_dir=str(root),
                out=str(out), epochs=2, batch_size=16, lr=1e-3, seed=4, limit_test=300)
    base.update(kw)
    return TrainConfig(**base)


def _timit(root, out, **kw):
    base = dict(task="timit", model="timit_convlstm", model_args={"hidden_channels": 2}, data_dir=str(root),
                out=str(out), epochs=2, batch_size=4, lr=1e-2, seed=4)
    base.update(kw)
    return TrainConfig(**base)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_musicnet_trains_and_writes_average_precision(musicnet_dir, tmp_path, capsys):
    out = tmp_path / "run"
    result = train(_musicnet(musicnet_dir, out, model="musicnet_deep", model_args={"window": 512}), progress=False)
    hist = result["history"]
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    for name in ("checkpoint.pt", "metrics.csv", "result.json", "curves.png"):
        assert (out / name).stat().st_size > 0
    saved = json.loads((out / "result.json").read_text())
    assert saved["task"] == "musicnet" and saved["metric"] == "average_precision" and "test_accuracy" not in saved
    assert saved["test_average_precision"] == hist[-1]["test_ap"] and 0 < hist[-1]["test_ap"] <= 1
    assert saved["model_args"] == {"window": 512} and saved["config"]["dataset"] == "musicnet"
    assert list(hist[0]) == ["epoch", "train_loss", "test_loss", "test_ap", "seconds", "windows_per_second"]
    rows = _rows(out / "metrics.csv")
    assert len(rows) == 2 and float(rows[-1]["test_ap"]) == pytest.approx(hist[-1]["test_ap"])
    # eval: the same numbers, over the run's 300 test windows, and AP is the micro AP of the logits over all of them
    report = evaluate_run(str(out))
    assert report["test_windows"] == 300 and report["metric"] == "average_precision"
    assert report["test_average_precision"] == pytest.approx(saved["test_average_precision"], abs=1e-6)
    assert report["test_loss"] == pytest.approx(saved["test_loss"], rel=1e-5)
    from deepcomplex.models import create_model
    from deepcomplex.train.config import load_data

    cfg = TrainConfig(**saved["config"])
    _, _, xte, yte = load_data(cfg, train=False)
    model = create_model(cfg.model, **cfg.model_args)
    model.load_state_dict(torch.load(out / "checkpoint.pt", weights_only=False)["model"])
    model.eval()
    with torch.no_grad():
        logits = model(xte[:])
    assert average_precision_micro(torch.sigmoid(logits), yte[:]) == pytest.approx(report["test_average_precision"],
                                                                                   abs=1e-6)


def test_timit_trains_and_fills_n_freq_from_the_data(timit_dir, tmp_path):
    out = tmp_path / "run"
    result = train(_timit(timit_dir, out), progress=False)
    hist = result["history"]
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    assert result["model_args"] == {"hidden_channels": 2, "n_freq": 129}
    saved = json.loads((out / "result.json").read_text())
    assert saved["task"] == "timit" and saved["metric"] == "log_magnitude_mse"
    assert saved["test_log_magnitude_mse"] == hist[-1]["test_mse"] == hist[-1]["test_loss"] > 0
    assert list(hist[0]) == ["epoch", "train_loss", "test_loss", "test_mse", "seconds", "sequences_per_second"]
    assert (out / "curves.png").stat().st_size > 0 and len(_rows(out / "metrics.csv")) == 2
    assert result["config"]["eval_batch_size"] == 100 and result["config"]["split"] == "standard"


class _Interrupted(Exception):
    pass


@pytest.mark.parametrize("task", ["musicnet", "timit"])
def test_resume_gives_the_same_weights_as_an_uninterrupted_run(musicnet_dir, timit_dir, tmp_path, task, monkeypatch):
    def cfg(out):  # a complex model with batch norm for MusicNet; the complex ConvLSTM for TIMIT
        if task == "musicnet":
            return _musicnet(musicnet_dir, out, model="musicnet_deep", model_args={"window": 512}, epochs=3,
                             limit_train=96, limit_test=100)
        return _timit(timit_dir, out, epochs=3)

    train(cfg(tmp_path / "full"), progress=False)
    import deepcomplex.train.engine as engine

    real_save_csv = engine.save_csv

    def stop_after_first_epoch(path, history):
        real_save_csv(path, history)
        raise _Interrupted

    monkeypatch.setattr(engine, "save_csv", stop_after_first_epoch)
    with pytest.raises(_Interrupted):
        train(cfg(tmp_path / "split"), progress=False)
    monkeypatch.setattr(engine, "save_csv", real_save_csv)
    train(cfg(tmp_path / "split"), resume=True, progress=False)
    full = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)
    resumed = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)
    assert full["epoch"] == resumed["epoch"] == 2
    for k, v in full["model"].items():
        assert torch.equal(v, resumed["model"][k]), k
    key = "test_ap" if task == "musicnet" else "test_mse"
    assert [h[key] for h in full["history"]] == [h[key] for h in resumed["history"]]
    assert [h["train_loss"] for h in full["history"]] == [h["train_loss"] for h in resumed["history"]]
    # the task is part of what a resumed run must agree on
    assert resumed["config"]["task"] == task and "task" in TrainConfig._RESUME_KEYS


def test_cli_timit_train_eval_and_robustness_refuses(timit_dir, tmp_path, capsys):
    out = tmp_path / "cli"
    args = ["train", "--task", "timit", "--model", "timit_convlstm", "--model-arg", "hidden_channels=2", "--data-dir",
            str(timit_dir), "--limit-train", "8", "--limit-test", "6", "--epochs", "1", "--batch-size", "4",
            "--out", str(out), "--no-progress"]
    assert cli(args) == 0
    printed = capsys.readouterr().out
    assert "timit_convlstm on timit (standard split, 8 training sequences), recipe paper, 1 epoch: test " \
           "log-magnitude MSE" in printed
    result = json.loads((out / "result.json").read_text())
    assert result["config"]["dataset"] == "timit" and result["config"]["limit_train"] == 8
    assert cli(["eval", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["task"] == "timit" and report["test_sequences"] == 6
    assert report["test_log_magnitude_mse"] == pytest.approx(result["test_log_magnitude_mse"], rel=1e-5)
    assert cli(["robustness", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "image classification" in err and "timit run" in err
    assert not (out / "robustness.json").exists()
    # an augmenting recipe is refused for audio; so is a dataset of another task
    assert cli(args[:-3] + ["--out", str(tmp_path / "b"), "--recipe", "regularized", "--no-progress"]) == 2
    assert "takes none" in capsys.readouterr().err
    assert cli(args + ["--dataset", "musicnet"]) == 2
    assert "belongs to the musicnet task" in capsys.readouterr().err


def test_cli_musicnet_with_its_recipe_and_missing_data(musicnet_dir, tmp_path, capsys):
    out = tmp_path / "mn"
    assert cli(["train", "--task", "musicnet", "--model", "musicnet_shallow_real", "--model-arg", "window=1024",
                "--recipe", "dcn-musicnet", "--data-dir", str(musicnet_dir), "--limit-train", "32", "--limit-test",
                "100", "--epochs", "1", "--batch-size", "16", "--out", str(out), "--no-progress"]) == 0
    assert "test average precision 0." in capsys.readouterr().out
    result = json.loads((out / "result.json").read_text())
    assert result["config"]["schedule"] == "dcn-musicnet" and result["config"]["lr"] == 1e-3
    assert cli(["train", "--task", "musicnet", "--model", "musicnet_shallow", "--data-dir", str(tmp_path / "none"),
                "--out", str(tmp_path / "x"), "--no-progress"]) == 2
    assert "musicnet.npz" in capsys.readouterr().err
    assert cli(["train", "--task", "timit", "--model", "timit_convlstm", "--data-dir", str(tmp_path),
                "--out", str(tmp_path / "y"), "--no-progress"]) == 2
    assert "TRAIN" in capsys.readouterr().err


def test_task_dataset_model_and_recipe_must_agree():
    assert TrainConfig(task="musicnet", model="musicnet_deep").dataset == "musicnet"
    assert TrainConfig(task="timit", model="timit_convlstm").split == "standard"
    default = TrainConfig()
    assert (default.task, default.dataset, default.split, default.eval_batch_size) == \
        ("classification", "fashion-mnist", "60k", 256)
    with pytest.raises(ValueError, match="dataset 'mnist' belongs to the classification task, not timit"):
        TrainConfig(task="timit", model="timit_convlstm", dataset="mnist")
    with pytest.raises(ValueError, match="dataset 'musicnet' belongs to the musicnet task.*--task musicnet"):
        TrainConfig(dataset="musicnet")
    with pytest.raises(ValueError, match="model 'coshnet_tiny' does not fit the musicnet task"):
        TrainConfig(task="musicnet", model="coshnet_tiny")
    # without a model, each task trains its own default
    assert [TrainConfig(task=t).model for t in ("classification", "musicnet", "timit", "reconstruction")] == \
        ["coshnet_tiny", "musicnet_shallow", "timit_convlstm", "complex_unet"]
    with pytest.raises(ValueError, match="'timit_convlstm' is made for the timit task, not classification"):
        TrainConfig(model="timit_convlstm")
    with pytest.raises(ValueError, match="augment 'flip-shift-0.125'.*takes none"):
        TrainConfig(task="musicnet", model="musicnet_deep", **RECIPES["dcn-cifar"])
    with pytest.raises(ValueError, match="unknown task 'asr'"):
        TrainConfig(task="asr")
    assert TrainConfig(task="timit", model="timit_convlstm", **RECIPES["paper"]).schedule == "constant"


def test_dcn_musicnet_schedule_steps_by_thousands_of_optimizer_steps():
    cfg = TrainConfig(task="musicnet", model="musicnet_deep", **RECIPES["dcn-musicnet"])
    steps = (0, 9_999, 10_000, 99_999, 100_000, 119_999, 120_000, 149_999, 150_000, 199_999)
    # the steps per (our) epoch do not matter: DCN's epoch is 1000 optimizer steps
    for per_epoch in (1, 777):
        assert [learning_rate(cfg, s, 200_000, per_epoch) for s in steps] == \
            pytest.approx([1e-3, 1e-3, 1e-4, 1e-4, 5e-5, 5e-5, 1e-5, 1e-5, 1e-6, 1e-6])


def test_classification_files_unchanged_and_old_checkpoints_resume(tmp_path):
    """Image runs keep their history columns and result keys; a checkpoint written before tasks existed (no "task" in
    its config) is a classification run and resumes."""
    data = write_band_idx(tmp_path, sizes=(("train", 100), ("t10k", 40)))
    cfg = dict(model="complex_cnn_small", dataset="mnist", data_dir=str(data), out=str(tmp_path / "run"), epochs=1,
               batch_size=50, seed=1)
    result = train(TrainConfig(**cfg), progress=False)
    assert list(result["history"][0]) == ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds",
                                          "images_per_second"]
    assert result["test_accuracy"] == result["history"][0]["test_acc"] and result["metric"] == "accuracy"
    assert result["task"] == "classification" and "images_per_second" in result
    ckpt = tmp_path / "run" / "checkpoint.pt"
    state = torch.load(ckpt, weights_only=False)
    del state["config"]["task"]
    torch.save(state, ckpt)
    assert evaluate_run(str(tmp_path / "run"))["test_images"] == 40
    resumed = train(TrainConfig(**{**cfg, "epochs": 2}), resume=True, progress=False)
    assert [h["epoch"] for h in resumed["history"]] == [1, 2]
    with pytest.raises(ValueError, match="robustness.*image classification"):
        from deepcomplex.train.robustness import _image_classification

        _image_classification(TrainConfig(task="timit", model="timit_convlstm"))
