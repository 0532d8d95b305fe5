"""The `deepcomplex` command's edges: flag values checked where they are parsed, help text, the end-of-run summary,
file permissions, figures, warnings, TensorBoard logging and the lock that keeps two runs out of one directory."""
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

import deepcomplex
from conftest import write_band_idx
from deepcomplex.cli import main as cli
from deepcomplex.io import atomic_write_text, current_umask
from deepcomplex.train import TrainConfig, train
from deepcomplex.train.lock import LOCK_FILE, RunLockedError, acquire_run_lock, release_run_lock

ROOT = Path(__file__).resolve().parents[1]


def _exit_code(argv) -> int:
    """The command's exit status, whether it returns it or argparse exits with it."""
    try:
        return cli(argv)
    except SystemExit as e:
        return e.code


@pytest.fixture(scope="module")
def idx_dir(tmp_path_factory):
    return write_band_idx(tmp_path_factory.mktemp("idx"))


def _train_args(idx_dir, out, *extra):
    """A short run of the default model (no --model) on the generated data: 1 epoch on 100 images, seed 3."""
    return ["train", "--dataset", "mnist", "--data-dir", str(idx_dir), "--epochs", "1", "--limit-train", "100",
            "--seed", "3", "--threads", "1", "--no-progress", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def run(idx_dir, tmp_path_factory):
    """(run directory, what `deepcomplex train` printed), trained under umask 022."""
    out = tmp_path_factory.mktemp("runs") / "run"
    old = os.umask(0o022)
    try:
        code = cli(_train_args(idx_dir, out))
    finally:
        os.umask(old)
    assert code == 0
    return out


# --- numbers out of range: exit status 2, one line naming the flag and the range, nothing run or written ---------

RANGES = [
    (["--limit-train", "0"], "--limit-train: expected an integer >= 1, got '0'"),
    (["--limit-train", "-10"], "--limit-train: expected an integer >= 1, got '-10'"),
    (["--limit-test", "0"], "--limit-test: expected an integer >= 1"),
    (["--batch-size", "0"], "--batch-size: expected an integer >= 1"),
    (["--batch-size", "-5"], "--batch-size: expected an integer >= 1, got '-5'"),
    (["--batch-size", "12.5"], "--batch-size: expected an integer >= 1, got '12.5'"),
    (["--eval-batch-size", "0"], "--eval-batch-size: expected an integer >= 1"),
    (["--epochs", "0"], "--epochs: expected an integer >= 1"),
    (["--threads", "0"], "--threads: expected an integer >= 1"),
    (["--lr", "0"], "--lr: expected a finite number > 0, got '0'"),
    (["--lr=-1e-3"], "--lr: expected a finite number > 0, got '-1e-3'"),
    (["--lr", "nan"], "--lr: expected a finite number > 0"),
    (["--lr", "inf"], "--lr: expected a finite number > 0"),
    (["--seed=-1"], "--seed: expected an integer from 0 to 4294967295, got '-1'"),
    (["--seed", str(2 ** 32)], "--seed: expected an integer from 0 to 4294967295"),
]


@pytest.mark.parametrize("command, args, message", [
    *[("train", a, m) for a, m in RANGES],
    ("robustness", ["--limit-test", "0"], "--limit-test: expected an integer >= 1"),
    ("robustness", ["--threads", "0"], "--threads: expected an integer >= 1"),
    ("robustness", ["--seed=-3"], "--seed: expected an integer from 0 to 4294967295"),
    ("robustness", ["--noise-var=-5"], "--noise-var: values must be finite and >= 0, got -5"),
    ("export", ["--out", "m.onnx", "--input-shape", "0,28,28"], "--input-shape: expected comma-separated integers"),
    ("export", ["--out", "m.onnx", "--input-shape", "1,x"], "--input-shape: expected comma-separated integers >= 1"),
    ("generate", ["--size", "0"], "--size: expected an integer >= 1"),
    ("generate", ["--seconds", "0"], "--seconds: expected a finite number > 0"),
    ("generate", ["--seconds=-2"], "--seconds: expected a finite number > 0"),
    ("generate", ["--utterances", "0"], "--utterances: expected an integer >= 1"),
    ("generate", ["--seed=-1"], "--seed: expected an integer from 0 to 4294967295"),
])
def test_out_of_range_numbers_exit_2_with_one_line(command, args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    called = []
    monkeypatch.setattr("deepcomplex.train.train", lambda *a, **k: called.append(a))
    target = {"train": ["--out", str(tmp_path / "run")], "robustness": [str(tmp_path / "run")],
              "export": [str(tmp_path / "run")], "generate": ["timit", str(tmp_path / "gen")]}[command]
    assert _exit_code([command, *target, *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and err.count("\n") == 1, err  # one line
    assert err.startswith(f"deepcomplex {command}: error: argument {message}"), err
    assert "Traceback" not in err and not called and not list(tmp_path.iterdir())


def test_the_library_checks_the_same_ranges():
    for kwargs, message in [(dict(limit_train=0), "limit_train must be an integer >= 1 or None, got 0"),
                            (dict(batch_size=-5), "batch_size must be an integer >= 1, got -5"),
                            (dict(epochs=0), "epochs must be an integer >= 1"),
                            (dict(lr=0.0), "lr must be a finite number > 0"),
                            (dict(lr=float("nan")), "lr must be a finite number > 0"),
                            (dict(eval_batch_size=0), "eval_batch_size must be an integer >= 1"),
                            (dict(seed=-1), "seed must be an integer >= 0"),
                            (dict(weight_decay=-1e-4), "weight_decay must be a finite number >= 0"),
                            (dict(clip_grad_norm=0.0), "clip_grad_norm must be a finite number > 0")]:
        with pytest.raises(ValueError, match=re.escape(f"TrainConfig: {message}")):
            TrainConfig(**kwargs)


def test_generate_checks_what_depends_on_the_dataset(tmp_path, capsys):
    assert _exit_code(["generate", "timit", str(tmp_path / "t"), "--seconds", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deepcomplex generate: error:") and "at least 0.3 s" in err and err.count("\n") == 1


# --- help and version --------------------------------------------------------------------------------------------

def _help(*command) -> None:
    with pytest.raises(SystemExit) as e:
        cli([*command, "--help"])
    assert e.value.code == 0


@pytest.mark.parametrize("command", [[], ["train"], ["eval"], ["robustness"], ["export"], ["generate"],
                                     ["build-ext"]])
def test_help_shows_each_default_once_and_no_markup(command, capsys):
    _help(*command)
    text = capsys.readouterr().out
    assert "`" not in text and "(default: None)" not in text and "(default: False)" not in text
    assert "(default: [])" not in text
    # one block per option: its flags, then its help; "(default: X)" is added only where the help says no default
    blocks = re.split(r"\n  (?=-)", text.split("options:", 1)[1])
    for block in blocks:
        if "(default: " in block:
            assert block.count("default") == 1, block


def test_help_texts_that_were_missing(capsys):
    _help("train")
    text = " ".join(capsys.readouterr().out.split())
    assert "--seed SEED seeds the initial weights, the batch order" in text and "(default: 1)" in text
    assert "--model MODEL a registered model: " in text and " coshnet_tiny, " in text
    assert "(default: the task's: coshnet_tiny for classification, musicnet_shallow for musicnet, timit_convlstm " \
        "for timit, complex_unet for reconstruction)" in text and "(default: runs/run)" in text
    assert "--tensorboard also log" in text
    _help("eval")
    text = " ".join(capsys.readouterr().out.split())
    assert "--data-dir DATA_DIR directory with the dataset's files" in text


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"deepcomplex {deepcomplex.__version__}"


def test_train_without_model_trains_coshnet_tiny(monkeypatch, tmp_path):
    seen = {}

    class Stop(Exception):
        pass

    def fake_train(cfg, **kwargs):
        seen["cfg"] = cfg
        raise Stop

    monkeypatch.setattr("deepcomplex.train.train", fake_train)
    with pytest.raises(Stop):
        cli(["train", "--out", str(tmp_path / "r")])
    assert seen["cfg"].model == "coshnet_tiny" == TrainConfig().model
    assert seen["cfg"].recipe == "paper"


# --- the run's report: summary, files, figures ---------------------------------------------------------------------

def test_summary_names_the_training_images_recipe_and_epochs(run):
    from deepcomplex.train import read_result, summarize_result

    result = read_result(run)
    assert result["train_images"] == 100 and result["test_images"] == 100
    assert result["model"] == "coshnet_tiny" and result["config"]["recipe"] == "paper"
    line = summarize_result(result)
    assert line.startswith("coshnet_tiny on mnist (60k split, 100 training images), recipe paper, 1 epoch: test "
                           "accuracy "), line
    assert "(60k)" not in line and "1 epochs" not in line and "49,990 parameters" in line
    many = {**result, "train_images": 60000, "config": {**result["config"], "epochs": 20}}
    assert "(60k split, 60,000 training images), recipe paper, 20 epochs:" in summarize_result(many)
    # a result written before the count and the recipe were stored still reads
    old = {k: v for k, v in result.items() if k not in ("train_images", "test_images")}
    old["config"] = {k: v for k, v in result["config"].items() if k != "recipe"}
    assert summarize_result(old).startswith("coshnet_tiny on mnist (60k), 1 epoch:")


def test_an_old_checkpoint_without_the_recipe_still_loads(run, tmp_path):
    from deepcomplex.train import evaluate_run

    state = torch.load(run / "checkpoint.pt", weights_only=False)
    assert state["config"]["recipe"] == "paper"
    del state["config"]["recipe"]
    torch.save(state, tmp_path / "old.pt")
    report = evaluate_run(tmp_path / "old.pt")
    assert report["test_accuracy"] == pytest.approx(json.loads((run / "result.json").read_text())["test_accuracy"])


def test_every_file_of_a_run_is_0644_under_umask_022(run, capsys):
    old = os.umask(0o022)
    try:
        assert cli(["robustness", str(run), "--noise-var", "0,50", "--blur-sigma", "0", "--limit-test", "20",
                    "--no-progress"]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    names = sorted(p.name for p in run.iterdir())
    assert names == ["checkpoint.pt", "curves.png", "metrics.csv", "result.json", "robustness.csv",
                     "robustness.json", "robustness.png"]  # no lock file left behind
    for p in run.iterdir():
        assert p.stat().st_mode & 0o777 == 0o644, (p.name, oct(p.stat().st_mode))


def test_atomic_write_respects_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        path = atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640 and current_umask() == old


def _captured(monkeypatch, module):
    """Keep the figures that ``module`` would save, instead of writing them."""
    figures = []
    monkeypatch.setattr(module, "save_figure", lambda fig, path, dpi=100: figures.append(fig))
    return figures


@pytest.mark.parametrize("n", [1, 3, 20])
def test_curves_have_whole_epoch_ticks_and_a_title(n, monkeypatch):
    from deepcomplex.train import plots

    figures = _captured(monkeypatch, plots)
    history = [{"epoch": e + 1, "train_loss": 1 / (e + 1), "test_loss": 1.2 / (e + 1), "train_acc": 0.5 + e / 100,
                "test_acc": 0.4 + e / 100} for e in range(n)]
    title = plots.curves_title("coshnet_tiny", "cosine-2x-flip", history)
    assert title == f"coshnet_tiny, recipe cosine-2x-flip: test accuracy {100 * history[-1]['test_acc']:.2f}% " \
                    f"after {n} epoch{'s' if n > 1 else ''}"
    plots.plot_curves(history, Path("unused.png"), title=title)
    fig = figures[0]
    assert fig._suptitle.get_text() == title
    for ax in fig.axes:
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_robustness_legend_hides_no_line(monkeypatch):
    import importlib

    rob = importlib.import_module("deepcomplex.train.robustness")  # the module: the package exports the function
    figures = _captured(monkeypatch, rob)
    # accuracy from the top left to the bottom right: a legend inside the axes would cover some line
    nv, bs = [0, 10, 25, 50, 100], [0, 0.25, 0.5, 0.75, 1.0]
    acc = [[0.9 - 0.1 * i - 0.05 * j for j in range(len(bs))] for i in range(len(nv))]
    result = {"noise_vars": nv, "blur_sigmas": bs, "accuracy": acc, "model": "coshnet_tiny",
              "dataset": "fashion-mnist", "test_images": 10000}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor a layout warning
        rob.plot_robustness(result, Path("unused.png"))
        fig = figures[0]
        fig.savefig(io.BytesIO(), format="png", dpi=100)  # lays the figure out as save_figure does
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert len(legend.get_lines()) == len(bs)
    box, axes_box = legend.get_window_extent(), ax.get_window_extent()
    assert not box.overlaps(axes_box), (box, axes_box)
    assert box.x1 <= fig.axes[1].get_window_extent().x0  # nor on the heatmap


# --- warnings a user cannot act on ----------------------------------------------------------------------------------

def test_known_exporter_noise_is_silenced_and_nothing_else():
    from deepcomplex.export.program import _known_exporter_noise

    class Recorder(logging.Handler):
        def __init__(self):
            super().__init__(logging.WARNING)
            self.records = []

        def emit(self, record):
            self.records.append(record)

    # a handler on the logger itself: after an ONNX export in the same process torch's logger no longer propagates
    # to the root logger (where pytest's caplog listens)
    log = logging.getLogger("torch.onnx._internal.exporter._registration")
    caplog = Recorder()
    log.addHandler(caplog)
    previous_level, _ = log.level, log.setLevel(logging.WARNING)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")  # everything is shown, except what the export silences
        with _known_exporter_noise():
            log.warning("torchvision is not installed. Skipping torchvision::nms")
            log.warning("something else")
            warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use ...", FutureWarning)
            warnings.warn("another deprecation", FutureWarning)
        log.warning("torchvision is not installed. Skipping torchvision::nms")  # outside the export: shown again
        warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use ...", FutureWarning)
    log.removeHandler(caplog)
    log.setLevel(previous_level)
    assert [r.getMessage() for r in caplog.records] == ["something else", "torchvision is not installed. Skipping "
                                                        "torchvision::nms"]
    assert [str(w.message) for w in seen] == ["another deprecation", "`isinstance(treespec, LeafSpec)` is "
                                              "deprecated, use ..."]


def test_an_export_prints_no_known_noise(tmp_path):
    """In a fresh process (torch logs the torchvision lines once per process, and shows a warning once per place):
    a small model's real-layout program and its ONNX export are quiet."""
    code = ("import torch, deepcomplex.nn as cnn; from deepcomplex.export import real_layout, to_onnx; "
            "m = torch.nn.Sequential(cnn.ComplexLinear(4, 3), cnn.CReLU()).eval(); "
            "x = torch.randn(2, 4, dtype=torch.complex64); real_layout(m, x); "
            f"to_onnx(m, x, {str(tmp_path / 'm.onnx')!r}); print('ok')")
    proc = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
    assert "LeafSpec" not in proc.stderr and "torchvision is not installed" not in proc.stderr, proc.stderr


def test_to_complex128_warns_only_where_kinds_could_change():
    import deepcomplex.nn as cnn

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        m = cnn.ComplexLinear(3, 2).to(torch.complex128)
    assert m.weight.dtype == torch.complex128 and not [w for w in seen if "Complex modules" in str(w.message)]
    with warnings.catch_warnings(record=True) as seen:  # torch's own modules keep torch's warning
        warnings.simplefilter("always")
        torch.nn.Linear(3, 2).to(torch.complex128)
    assert [w for w in seen if "Complex modules" in str(w.message)]


# --- export: a wrong input shape names the expected one ------------------------------------------------------------

@pytest.mark.parametrize("shape", ["1,36,36", "1,28", "3,28,28"])
def test_export_with_a_wrong_input_shape_names_the_expected_one(run, shape, tmp_path, capsys):
    assert _exit_code(["export", str(run), "--out", str(tmp_path / "m.onnx"), "--input-shape", shape]) == 2
    err = capsys.readouterr().err
    assert err == (f"deepcomplex export: error: --input-shape {shape}: coshnet_tiny takes inputs of shape "
                   f"(N, 1, 28, 28) (the run's mnist images; N is the batch), and does not run on "
                   f"(N, {shape.replace(',', ', ')})\n")
    assert not (tmp_path / "m.onnx").exists()


# --- TensorBoard ----------------------------------------------------------------------------------------------------

def test_tensorboard_logs_the_metrics_and_changes_no_weight(idx_dir, run, tmp_path, capsys):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "tb"
    assert cli(_train_args(idx_dir, out, "--tensorboard")) == 0
    capsys.readouterr()
    events = list(out.glob("events.out.tfevents.*"))
    assert len(events) == 1
    acc = EventAccumulator(str(out))
    acc.Reload()
    history = json.loads((out / "result.json").read_text())["history"]
    assert set(acc.Tags()["scalars"]) == {*(k for k in history[0] if k != "epoch"), "lr"}
    for key in ("train_loss", "test_acc", "test_loss"):
        (event,) = acc.Scalars(key)
        assert event.step == 1 and event.value == pytest.approx(history[0][key], rel=1e-6)
    a, b = (torch.load(d / "checkpoint.pt", weights_only=False)["model"] for d in (run, out))
    assert all(torch.equal(a[k], b[k]) for k in a)  # logging changes nothing in training


def test_tensorboard_missing_is_a_clear_error(idx_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    assert cli(_train_args(idx_dir, tmp_path / "r", "--tensorboard")) == 2
    err = capsys.readouterr().err
    assert err == ("deepcomplex train: error: --tensorboard needs the tensorboard package: pip install "
                   "'deepcomplex[tensorboard]' (or pip install tensorboard)\n")
    assert not (tmp_path / "r").exists()


# --- one training process per run directory ------------------------------------------------------------------------

def _wait_for(predicate, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("waited too long")
        time.sleep(0.02)


def _owner(lock: Path):
    """The PID in a lock file, or None while there is none (not yet written, or removed)."""
    try:
        return int(lock.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return None


def test_a_second_process_is_refused_and_a_killed_ones_lock_is_taken_over(idx_dir, tmp_path, capsys):
    out = tmp_path / "run"
    lock = out / LOCK_FILE
    argv = _train_args(idx_dir, out)
    argv[argv.index("--epochs") + 1] = "50"  # long enough to be running when the second one starts
    first = subprocess.Popen([sys.executable, "-m", "deepcomplex", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        _wait_for(lambda: _owner(lock) is not None or first.poll() is not None)
        assert first.poll() is None, first.communicate()
        assert _owner(lock) == first.pid
        assert cli(_train_args(idx_dir, out)) == 2  # the second run, in this process
        err = capsys.readouterr().err
        assert err == (f"deepcomplex train: error: {out} is in use by another deepcomplex train (PID {first.pid}): "
                       f"wait for it to finish (or stop it), or choose another --out\n")
        assert _owner(lock) == first.pid  # the refused run left the lock alone
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert lock.exists()  # killed outright: no chance to release it
    resume = ["--resume"] if (out / "checkpoint.pt").exists() else []
    assert cli(_train_args(idx_dir, out, *resume)) == 0
    err = capsys.readouterr().err
    assert f"taking over the lock of {out} left by PID {first.pid}, which no longer runs" in err
    assert not lock.exists() and (out / "result.json").exists()


def test_the_lock_is_released_however_the_run_ends(idx_dir, tmp_path, monkeypatch):
    import deepcomplex.train.engine as engine

    out = tmp_path / "run"

    def interrupted(cfg, train=True):
        assert (out / LOCK_FILE).read_text().split()[0] == str(os.getpid())  # held while the run works
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "load_data", interrupted)
    cfg = TrainConfig(model="complex_cnn_small", dataset="mnist", data_dir=str(idx_dir), out=str(out), epochs=1)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, progress=False)
    assert not out.exists()  # lock released, and the directory it made (empty) removed
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(KeyboardInterrupt):
        train(cfg, progress=False)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]  # a directory that was there stays


def test_lock_api(tmp_path):
    path = acquire_run_lock(tmp_path / "r")
    assert path.read_text().split()[0] == str(os.getpid())
    assert path.stat().st_mode & 0o777 == 0o644 & ~current_umask()
    with pytest.raises(RunLockedError, match="already locked by this process"):
        acquire_run_lock(tmp_path / "r")
    release_run_lock(path)
    assert not path.exists()
    path.write_text("12345 some-other-host\n")  # written on another machine (a shared filesystem): not guessed at
    message = f"locked by process 12345 on some-other-host.*delete {re.escape(str(path))}"
    with pytest.raises(RunLockedError, match=message):
        acquire_run_lock(tmp_path / "r")
    release_run_lock(path)  # not ours: left alone
    assert path.exists()
