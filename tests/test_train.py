"""The training loop and the `deepcomplex` command on small generated IDX data: learning, files, exact resume, errors."""
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from conftest import write_band_idx
from deepcomplex.cli import main as cli
from deepcomplex.train import TrainConfig, evaluate_run, train
from deepcomplex.train import RECIPES, learning_rate


@pytest.fixture(scope="module")
def idx_dir(tmp_path_factory):
    """An MNIST-format directory whose classes are learnable: class k lights up a k-dependent horizontal band."""
    return write_band_idx(tmp_path_factory.mktemp("idx"))


def _cfg(idx_dir, out, **kw):
    base = dict(model="complex_cnn_small", dataset="mnist", data_dir=str(idx_dir), out=str(out), epochs=2,
                batch_size=32, lr=3e-3, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def test_train_learns_and_writes_files(idx_dir, tmp_path):
    result = train(_cfg(idx_dir, tmp_path / "run", epochs=3), progress=False)
    hist = result["history"]
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    assert result["test_accuracy"] > 0.5  # chance is 0.1
    for name in ("checkpoint.pt", "metrics.csv", "result.json", "curves.png"):
        assert (tmp_path / "run" / name).stat().st_size > 0
    saved = json.loads((tmp_path / "run" / "result.json").read_text())
    assert saved["test_accuracy"] == result["test_accuracy"] and saved["parameters"] == 36682
    assert saved["seed"] == 3 and saved["torch"] == torch.__version__ and saved["seconds_per_epoch"] > 0
    assert len((tmp_path / "run" / "metrics.csv").read_text().strip().splitlines()) == 1 + 3


class _Interrupted(Exception):
    pass


def _recipe(name):
    return {k: v for k, v in RECIPES[name].items() if k != "epochs"}


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_resume_gives_the_same_weights_as_an_uninterrupted_run(idx_dir, tmp_path, recipe, monkeypatch):
    train(_cfg(idx_dir, tmp_path / "full", epochs=3, **_recipe(recipe)), progress=False)
    import deepcomplex.train.engine as engine

    real_save_csv = engine.save_csv

    def stop_after_first_epoch(path, history):  # the process dies once the first epoch's checkpoint is written
        real_save_csv(path, history)
        raise _Interrupted

    monkeypatch.setattr(engine, "save_csv", stop_after_first_epoch)
    with pytest.raises(_Interrupted):
        train(_cfg(idx_dir, tmp_path / "split", epochs=3, **_recipe(recipe)), progress=False)
    monkeypatch.setattr(engine, "save_csv", real_save_csv)
    assert torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)["epoch"] == 0
    train(_cfg(idx_dir, tmp_path / "split", epochs=3, **_recipe(recipe)), resume=True, progress=False)
    full = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)
    resumed = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)
    assert full["epoch"] == resumed["epoch"] == 2
    for k, v in full["model"].items():
        assert torch.equal(v, resumed["model"][k]), k
    assert [h["test_acc"] for h in full["history"]] == [h["test_acc"] for h in resumed["history"]]


def test_regularized_recipe_changes_training_and_binds_resume(idx_dir, tmp_path, capsys):
    paper = train(_cfg(idx_dir, tmp_path / "paper", epochs=1), progress=False)
    reg = train(_cfg(idx_dir, tmp_path / "reg", epochs=1, **RECIPES["regularized"]), progress=False)
    assert reg["config"]["schedule"] == "cosine" and reg["config"]["augment"] == "flip-shift"
    assert reg["history"][0]["train_loss"] != paper["history"][0]["train_loss"]
    args = ["train", "--model", "complex_cnn_small", "--dataset", "mnist", "--data-dir", str(idx_dir), "--epochs", "1",
            "--batch-size", "32", "--lr", "3e-3", "--seed", "3", "--out", str(tmp_path / "reg"), "--no-progress",
            "--resume"]
    assert cli(args) == 2  # the run was made with the regularized recipe
    assert "schedule" in capsys.readouterr().err
    assert cli(args + ["--recipe", "regularized"]) == 0
    # a cosine schedule is laid out over all epochs: continuing it to more epochs would be a different run
    assert cli(args[:-1] + ["--recipe", "regularized", "--epochs", "2", "--resume"]) == 2
    assert "epochs" in capsys.readouterr().err


def test_dcn_recipe_optimizer_decay_and_clipping(idx_dir, tmp_path):
    cfg = _cfg(idx_dir, tmp_path / "dcn", epochs=1, **_recipe("dcn-cifar"))
    assert cfg.batch_size == 64 and cfg.lr == 0.1 and RECIPES["dcn-cifar"]["epochs"] == 200
    from deepcomplex.models import create_model
    from deepcomplex.train.schedules import make_optimizer

    model = create_model("complex_cnn_small")
    opt = make_optimizer(cfg, model)
    assert isinstance(opt, torch.optim.SGD) and opt.defaults["nesterov"] and opt.defaults["momentum"] == 0.9
    decayed = {id(p) for p in opt.param_groups[0]["params"]}
    assert opt.param_groups[0]["weight_decay"] == 2e-4 and opt.param_groups[1]["weight_decay"] == 0.0
    for name, p in model.named_parameters():
        assert (id(p) in decayed) == (name.endswith("weight") and p.dim() > 1), name
    # every step clips the gradient norm at 1
    import deepcomplex.train.engine as engine

    seen = []
    real_clip = torch.nn.utils.clip_grad_norm_
    engine.nn.utils.clip_grad_norm_ = lambda params, max_norm: seen.append(max_norm) or real_clip(params, max_norm)
    try:
        train(cfg, progress=False)
    finally:
        engine.nn.utils.clip_grad_norm_ = real_clip
    assert seen and set(seen) == {1.0}


def test_augment_modes_mirror_and_shift_as_named():
    from deepcomplex.train.schedules import augment_batch as _augment

    images = torch.rand(64, 1, 8, 8)
    for mode in ("none", "flip", "flip-shift", "flip-shift-0.125"):
        cfg = TrainConfig(augment=mode, seed=5)
        out = _augment(cfg, images, epoch=2, batch=3)
        assert torch.equal(out, _augment(cfg, images, epoch=2, batch=3))  # seeded: the same batch on resume
        same = (out == images).flatten(1).all(1)
        mirrored = (out == images.flip(-1)).flatten(1).all(1)
        if mode == "none":
            assert out is images
        elif mode == "flip":  # every image is itself or its mirror, and both occur
            assert bool((same | mirrored).all()) and bool(same.any()) and bool(mirrored.any())
        else:  # shifts move some images off both
            assert not bool((same | mirrored).all())
    assert not torch.equal(_augment(TrainConfig(augment="flip", seed=5), images, 2, 3),
                           _augment(TrainConfig(augment="flip", seed=5), images, 2, 4))


def test_doubled_rate_cosine_recipes():
    assert RECIPES["cosine-2x"] == {**RECIPES["cosine"], "lr": 2e-3}
    assert RECIPES["cosine-2x-flip"] == {**RECIPES["cosine-2x"], "augment": "flip"}
    cfg = TrainConfig(**RECIPES["cosine-2x"])
    rates = [learning_rate(cfg, s, 1000) for s in range(1000)]
    assert sum(rates) / len(rates) == pytest.approx(1e-3, rel=2e-3)  # the paper's constant rate, on average


def test_docs_recipe_table_is_generated_from_the_recipes():
    """Editing RECIPES without regenerating the recipe table of docs/training.md (recipes_markdown()) fails here."""
    from deepcomplex.train.recipes import recipes_markdown

    page = (Path(__file__).resolve().parents[1] / "docs" / "training.md").read_text()
    lines = page.splitlines()
    start = lines.index("| recipe | optimizer | learning rate | batch, epochs | augmentation |")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    assert "\n".join(lines[start:end]) == recipes_markdown(), "regenerate docs/training.md's table: recipes_markdown()"
    assert len(lines[start:end]) == 2 + len(RECIPES)


def test_train_help_names_every_recipe_with_its_description(capsys):
    from deepcomplex.train.recipes import Recipe

    with pytest.raises(SystemExit):
        cli(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for name, recipe in RECIPES.items():
        assert isinstance(recipe, Recipe) and recipe.name == name
        assert f"{recipe.title}: {' '.join(recipe.description.split())}" in text, name
        assert TrainConfig(**recipe).lr == recipe.get("lr", 1e-3)  # every entry's settings make a valid config


def test_public_run_api_loads_evaluates_and_reports_a_run(idx_dir, tmp_path, capsys):
    from deepcomplex.train import load_run, load_run_model, read_result, summarize_result

    out = tmp_path / "run"
    assert cli(["train", "--model", "complex_cnn_small", "--dataset", "mnist", "--data-dir", str(idx_dir), "--epochs",
                "1", "--batch-size", "50", "--limit-train", "200", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out.strip()
    result = read_result(out)
    assert read_result(out / "checkpoint.pt") == result and summarize_result(result) == printed
    run = load_run(out, limit_test=30)
    state, cfg, model, x, y = run  # unpacks like a tuple
    assert run.epoch == 1 and cfg.limit_test == 30 and len(y) == 30 and x.shape == (30, 1, 28, 28)
    assert cfg.model_args == result["model_args"] and state["epoch"] == 0
    cfg2, model2, shape = load_run_model(str(out))
    assert shape == (1, 28, 28) and cfg2.limit_test is None
    for k, v in model.state_dict().items():
        assert torch.equal(v, model2.state_dict()[k]), k
    assert evaluate_run(out)["test_accuracy"] == pytest.approx(result["test_accuracy"])

    def refuse(cfg):
        raise ValueError(f"refused: {cfg.model}")

    with pytest.raises(ValueError, match="refused: complex_cnn_small"):
        load_run(out, check=refuse)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("target, make_args, recipe", [
    ("coshnet", ["RECIPE=paper"], "paper"), ("coshnet", ["RECIPE=cosine-2x-flip"], "cosine-2x-flip"),
    ("coshnet", ["RECIPE=dcn-cifar"], "dcn-cifar"),
    ("coshnet", [], "cosine-2x-flip"),  # the default: the best recipe measured (docs/RESULTS.md)
    ("coshnet-paper", [], "paper"),     # the paper's recipe, by name
])
def test_make_coshnet_runs_the_named_recipe(target, make_args, recipe, tmp_path, monkeypatch):
    """`make coshnet RECIPE=...` must train with that recipe's rate, batch and epochs, not fixed values; plain
    `make coshnet` with cosine-2x-flip and `make coshnet-paper` with the paper's."""
    root = Path(__file__).resolve().parents[1]
    lines = subprocess.run(["make", "-n", "-C", str(root), target, *make_args, f"RUN={tmp_path / 'r'}"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    argv = shlex.split(next(line for line in lines if "deepcomplex train" in line).rstrip("\\ "))
    seen = {}

    class Stop(Exception):
        pass

    def fake_train(cfg, **kwargs):
        seen["cfg"] = cfg
        raise Stop

    monkeypatch.setattr("deepcomplex.train.train", fake_train)
    with pytest.raises(Stop):
        cli(argv[argv.index("train"):])
    cfg, expected = seen["cfg"], TrainConfig(**RECIPES[recipe])
    assert (cfg.lr, cfg.batch_size, cfg.epochs, cfg.schedule, cfg.augment, cfg.optimizer) == (
        expected.lr, expected.batch_size, expected.epochs, expected.schedule, expected.augment, expected.optimizer)
    assert cfg.model == "coshnet_tiny" and cfg.seed == 1 and cfg.out == str(tmp_path / "r")


def test_learning_rate_schedules():
    const = TrainConfig(lr=0.1)
    assert [learning_rate(const, s, 10) for s in (0, 5, 9)] == [0.1, 0.1, 0.1]
    cos = TrainConfig(lr=0.1, schedule="cosine")
    assert learning_rate(cos, 0, 10) == pytest.approx(0.1)
    assert learning_rate(cos, 5, 10) == pytest.approx(0.05)
    assert learning_rate(cos, 10, 10) == pytest.approx(0.0, abs=1e-12)
    rates = [learning_rate(cos, s, 10) for s in range(11)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    dcn = TrainConfig(lr=0.1, schedule="dcn")
    assert [learning_rate(dcn, e * 7, 1400, 7) for e in (0, 9, 10, 99, 100, 119, 120, 149, 150, 199)] == \
        pytest.approx([0.01, 0.01, 0.1, 0.1, 0.01, 0.01, 1e-3, 1e-3, 1e-4, 1e-4])
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown schedule 'step'"):
        TrainConfig(schedule="step")
    with pytest.raises(ValueError, match="unknown augment 'mixup'"):
        TrainConfig(augment="mixup")


def test_never_overwrites_a_run_and_checks_resume_settings(idx_dir, tmp_path):
    train(_cfg(idx_dir, tmp_path / "run", epochs=1), progress=False)
    with pytest.raises(FileExistsError, match="--resume"):
        train(_cfg(idx_dir, tmp_path / "run", epochs=1), progress=False)
    with pytest.raises(ValueError, match="other settings.*lr"):
        train(_cfg(idx_dir, tmp_path / "run", epochs=2, lr=1e-2), resume=True, progress=False)


def test_corrupt_checkpoint_gets_a_clear_error(idx_dir, tmp_path):
    train(_cfg(idx_dir, tmp_path / "run", epochs=1), progress=False)
    ckpt = tmp_path / "run" / "checkpoint.pt"
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        train(_cfg(idx_dir, tmp_path / "run", epochs=2), resume=True, progress=False)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        evaluate_run(str(tmp_path / "run"))


def test_previous_checkpoint_is_kept_and_named_in_the_error(idx_dir, tmp_path):
    train(_cfg(idx_dir, tmp_path / "run", epochs=2), progress=False)
    ckpt, prev = tmp_path / "run" / "checkpoint.pt", tmp_path / "run" / "checkpoint.prev.pt"
    assert torch.load(prev, weights_only=False)["epoch"] == 0 and torch.load(ckpt, weights_only=False)["epoch"] == 1
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    with pytest.raises(ValueError, match="checkpoint.prev.pt: rename it to checkpoint.pt"):
        train(_cfg(idx_dir, tmp_path / "run", epochs=3), resume=True, progress=False)
    prev.replace(ckpt)  # what the message says to do: go on from the epoch before
    result = train(_cfg(idx_dir, tmp_path / "run", epochs=3), resume=True, progress=False)
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3]
    ckpt.unlink()
    prev.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="not found; the checkpoint before it is kept"):
        evaluate_run(str(tmp_path / "run"))


def test_cli_train_and_eval(idx_dir, tmp_path, capsys):
    out = tmp_path / "cli"
    rc = cli(["train", "--model", "complex_cnn_small", "--dataset", "mnist", "--data-dir", str(idx_dir), "--epochs", "1",
              "--batch-size", "50", "--limit-train", "200", "--out", str(out), "--no-progress"])
    assert rc == 0
    assert "test accuracy" in capsys.readouterr().out
    assert cli(["eval", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    result = json.loads((out / "result.json").read_text())
    assert report["test_images"] == 100 and report["test_accuracy"] == pytest.approx(result["test_accuracy"])
    assert cli(["eval", str(out / "checkpoint.pt"), "--split", "10k20E"]) == 0
    assert json.loads(capsys.readouterr().out)["test_images"] == 300


def test_cli_missing_data_is_a_clear_error(tmp_path, capsys):
    rc = cli(["train", "--dataset", "fashion-mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path / "r"),
              "--no-progress"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte" in err and "apt-get install dataset-fashion-mnist" in err


def test_cli_model_args_reach_the_model_and_bind_resume(idx_dir, tmp_path, capsys):
    out = tmp_path / "tiny"
    args = ["train", "--model", "coshnet_tiny", "--dataset", "mnist", "--data-dir", str(idx_dir), "--epochs", "1",
            "--batch-size", "100", "--limit-train", "200", "--out", str(out), "--no-progress"]
    assert cli(args + ["--model-arg", "shear=coshrem", "--model-arg", "fuse_frontend=False"]) == 0
    capsys.readouterr()
    result = json.loads((out / "result.json").read_text())
    assert result["model_args"] == {"shear": "coshrem", "fuse_frontend": False, "num_classes": 10}
    assert result["parameters"] == 49_990
    state = torch.load(out / "checkpoint.pt", weights_only=False)
    from deepcomplex.models import create_model

    compat = create_model("coshnet_tiny", shear="coshrem").state_dict()["frontend.kernel"]
    assert torch.equal(state["model"]["frontend.kernel"], compat)  # the checkpoint's filters are CoShNet's
    assert cli(["eval", str(out)]) == 0  # eval rebuilds the model with the same arguments
    assert json.loads(capsys.readouterr().out)["test_accuracy"] == pytest.approx(result["test_accuracy"])
    # resuming with other model arguments is refused; bad ones are one-line errors
    assert cli(args + ["--epochs", "2", "--resume", "--model-arg", "shear=exact"]) == 2
    assert "model_args" in capsys.readouterr().err
    assert cli(args + ["--out", str(tmp_path / "b"), "--model-arg", "nonsense=1"]) == 2
    assert "unexpected keyword argument 'nonsense'" in capsys.readouterr().err
    assert cli(args + ["--out", str(tmp_path / "c"), "--model-arg", "shear"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_sigkill_at_a_random_step_then_resume_is_bit_identical(tmp_path):
    """A training process killed with SIGKILL mid-epoch (or mid-checkpoint) resumes to the weights of an uninterrupted
    run: checkpoints are atomic and hold model, optimizer, RNG and epoch; batch order and augmentation depend only on
    (seed, epoch, batch)."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "data").mkdir()
    data = write_band_idx(tmp_path / "data", sizes=(("train", 1200), ("t10k", 50)))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def command(out):
        return [sys.executable, "-m", "deepcomplex", "train", "--model", "complex_cnn_small", "--dataset", "mnist",
                "--data-dir", str(data), "--epochs", "3", "--batch-size", "16", "--lr", "3e-3", "--seed", "5",
                "--recipe", "regularized", "--threads", "1", "--no-progress", "--out", str(out)]

    subprocess.run(command(tmp_path / "full"), env=env, check=True, capture_output=True, timeout=300)
    rng = random.Random(os.getpid())
    proc = subprocess.Popen(command(tmp_path / "killed"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    csv = tmp_path / "killed" / "metrics.csv"
    deadline = time.monotonic() + 240
    while not csv.exists() and proc.poll() is None and time.monotonic() < deadline:  # epoch 1 done
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.5))  # then somewhere in epoch 2 (or its checkpoint write)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert killed, "the run finished before it could be killed; give it more steps"
    subprocess.run(command(tmp_path / "killed") + ["--resume"], env=env, check=True, capture_output=True, timeout=300)
    full = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)
    resumed = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)
    assert full["epoch"] == resumed["epoch"] == 2
    for k, v in full["model"].items():
        assert torch.equal(v, resumed["model"][k]), k
    assert full["optimizer"]["state"].keys() == resumed["optimizer"]["state"].keys()
    for k, s in full["optimizer"]["state"].items():
        for name, t in s.items():
            assert torch.equal(torch.as_tensor(t), torch.as_tensor(resumed["optimizer"]["state"][k][name])), (k, name)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_ddp_equals_one_process_on_the_same_global_batches(tmp_path):
    """torchrun with 2 CPU processes (gloo on localhost) against one process: same global batch order, the loss scaled
    so DDP's gradient average is the global batch mean; rank 0 alone writes. Equal within float32 summation order."""
    import os
    import subprocess
    import sys

    (tmp_path / "data").mkdir()
    data = write_band_idx(tmp_path / "data", sizes=(("train", 200), ("t10k", 40)))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("WORLD_SIZE", None)
    args = ["-m", "deepcomplex", "train", "--model", "complex_cnn_small", "--dataset", "mnist", "--data-dir", str(data),
            "--epochs", "2", "--batch-size", "30", "--lr", "3e-3", "--seed", "2", "--recipe", "regularized",
            "--threads", "1", "--no-progress"]
    subprocess.run([sys.executable, *args, "--out", str(tmp_path / "one")], env=env, check=True, capture_output=True,
                   timeout=300)
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr",
                          "127.0.0.1", "--master-port", str(_free_port()), *args, "--out", str(tmp_path / "two")],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    one = torch.load(tmp_path / "one" / "checkpoint.pt", weights_only=False)
    two = torch.load(tmp_path / "two" / "checkpoint.pt", weights_only=False)
    assert two["world_size"] == 2 and one["world_size"] == 1
    for k, v in one["model"].items():
        assert torch.allclose(v, two["model"][k], rtol=1e-4, atol=1e-5), k
    for a, b in zip(one["history"], two["history"]):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-4)
        assert a["train_acc"] == b["train_acc"] and a["test_acc"] == b["test_acc"]
    result = json.loads((tmp_path / "two" / "result.json").read_text())
    assert result["machine"]["processes"] == 2
    assert sorted(p.name for p in (tmp_path / "two").iterdir() if not p.name.startswith(".")) == \
        ["checkpoint.prev.pt", "checkpoint.pt", "curves.png", "metrics.csv", "result.json"]


def test_tune_malloc_applies_on_glibc_and_respects_the_opt_out(monkeypatch):
    import platform
    import sys

    from deepcomplex.train import runtime

    monkeypatch.setattr(runtime, "_tuned", False)
    monkeypatch.setenv("DEEPCOMPLEX_MALLOC_TUNING", "0")
    assert runtime.tune_malloc() is False
    monkeypatch.delenv("DEEPCOMPLEX_MALLOC_TUNING")
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert runtime.tune_malloc() is glibc
    assert runtime.tune_malloc() is glibc  # idempotent
