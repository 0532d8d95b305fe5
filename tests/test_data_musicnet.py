"""deepcomplex.data.musicnet: the MusicNet reader on generated data sets in both layouts of the release, the lazy
window views, and the errors on missing, truncated, malformed and malicious files."""
from __future__ import annotations

import io
import math
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

import deepcomplex.data.musicnet as mn
import deepcomplex.data.musicnet.windows as mn_windows
import deepcomplex.data.synthetic.musicnet as synth
from deepcomplex.data.idx import DataFormatError
from deepcomplex.data.musicnet import (CSV_COLUMNS, TEST_IDS, VALIDATION_IDS, MusicNetMissingError, load_musicnet,
                                       read_labels_csv, read_musicnet, read_wav, resample, write_synthetic_musicnet,
                                       write_wav)

SECONDS, N_TRAIN = 3.0, 3
RATE, TARGET = 44100, 11000


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("musicnet")
    csv_root = write_synthetic_musicnet(root / "csv", "csv", seconds=SECONDS, n_train=N_TRAIN)
    npz_path = write_synthetic_musicnet(root / "npz", "npz", seconds=SECONDS, n_train=N_TRAIN)
    return csv_root, npz_path


@pytest.fixture(scope="module")
def recordings(datasets):
    return read_musicnet(datasets[0])


def expected_notes(i: int) -> np.ndarray:
    _, labels = mn.synthesize_recording(SECONDS, np.random.default_rng([0, i]))
    notes = np.array([(s, e, note) for s, e, _, note, *_ in labels], dtype=np.int64)
    return notes[np.lexsort((notes[:, 2], notes[:, 1], notes[:, 0]))]


# ----------------------------------------------------------------------------------------------------------------------
# reading both layouts
# ----------------------------------------------------------------------------------------------------------------------

def test_layouts_hold_the_split_ids_and_the_generated_notes(datasets, recordings):
    train_ids = synth._synthetic_train_ids(N_TRAIN)
    assert sorted(recordings) == sorted([*TEST_IDS, *VALIDATION_IDS, *train_ids])
    csv_root = datasets[0]
    assert all((csv_root / "test_data" / f"{i}.wav").is_file() for i in TEST_IDS)  # where the release has them
    assert all((csv_root / "train_data" / f"{i}.wav").is_file() for i in train_ids)
    from_npz = read_musicnet(datasets[1])
    assert sorted(from_npz) == sorted(recordings)
    for i, rec in recordings.items():
        assert rec.sample_rate == RATE and rec.audio.dtype == np.float32 and rec.audio.shape == (int(SECONDS * RATE),)
        assert rec.notes.dtype == np.int64 and rec.notes.shape[1] == 3 and len(rec.notes) > 3
        np.testing.assert_array_equal(rec.notes, expected_notes(i))
        np.testing.assert_array_equal(from_npz[i].notes, rec.notes)
        # the csv layout's wavs are 16-bit PCM, the npz holds the float32 audio
        assert np.abs(from_npz[i].audio - rec.audio).max() <= 0.5 / 32768 + 1e-7
        assert 21 <= rec.notes[:, 2].min() and rec.notes[:, 2].max() <= 104


def test_root_may_be_the_parent_directory_or_the_npz_file(datasets, tmp_path):
    csv_root, npz_path = datasets
    assert mn.musicnet_ids(npz_path.parent) == mn.musicnet_ids(npz_path) == mn.musicnet_ids(csv_root)
    ids = read_musicnet(npz_path, ids=[2303, 1727])
    assert sorted(ids) == [1727, 2303]
    with pytest.raises(MusicNetMissingError, match="9999"):
        read_musicnet(npz_path, ids=[9999])


def test_synthetic_data_is_deterministic(tmp_path):
    a = write_synthetic_musicnet(tmp_path / "a", "npz", seconds=1.0, n_train=1, n_validation=0, seed=3)
    b = write_synthetic_musicnet(tmp_path / "b", "npz", seconds=1.0, n_train=1, n_validation=0, seed=3)
    c = write_synthetic_musicnet(tmp_path / "c", "npz", seconds=1.0, n_train=1, n_validation=0, seed=4)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_float32_wav_round_trip(tmp_path):
    x = np.random.default_rng(0).uniform(-0.9, 0.9, 1001).astype(np.float32)
    write_wav(tmp_path / "f.wav", x, RATE, "float32")
    write_wav(tmp_path / "i.wav", x, 22050, "pcm16")
    y, rate = read_wav(tmp_path / "f.wav")
    np.testing.assert_array_equal(y, x)
    assert rate == RATE
    z, rate = read_wav(tmp_path / "i.wav")
    assert rate == 22050 and z.dtype == np.float32 and np.abs(z - x).max() <= 0.5 / 32768 + 1e-7


def test_real_intervaltree_objects(tmp_path):
    """Files pickled with the real intervaltree classes (np.savez, numpy's pickle protocol) read the same; the
    stand-ins written in their place unpickle to real intervaltree objects with np.load (trusted file here)."""
    intervaltree = pytest.importorskip("intervaltree")
    audio, labels = mn.synthesize_recording(1.0, np.random.default_rng(1))
    tree = intervaltree.IntervalTree(intervaltree.Interval(s, e, (ins, n, sb, eb, v))
                                     for s, e, ins, n, sb, eb, v in labels)
    record = np.empty(2, dtype=object)
    record[0], record[1] = audio.astype(np.float64), tree
    np.savez(tmp_path / "musicnet.npz", **{"2303": record})
    rec = read_musicnet(tmp_path)[2303]
    np.testing.assert_array_equal(rec.audio, audio)
    np.testing.assert_array_equal(rec.notes, np.array(sorted((s, e, n) for s, e, _, n, *_ in labels)))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        tree_standin = mn.IntervalTree(mn.Interval(s, e, (ins, n, sb, eb, v)) for s, e, ins, n, sb, eb, v in labels)
        record[1] = tree_standin
        data = io.BytesIO()
        np.lib.format.write_array_header_1_0(data, {"descr": "|O", "fortran_order": False, "shape": (2,)})
        synth._DisguisedPickler(data, protocol=2).dump(record)
        zf.writestr("2303.npy", data.getvalue())
    (tmp_path / "standin.npz").write_bytes(buf.getvalue())
    loaded = np.load(tmp_path / "standin.npz", allow_pickle=True, encoding="latin1")["2303"]
    assert isinstance(loaded[1], intervaltree.IntervalTree) and loaded[1] == tree
    assert sorted(note.data[1] for note in loaded[1][int(labels[0][0])]) == sorted(
        n for s, e, _, n, *_ in labels if s <= labels[0][0] < e)


def test_npz_without_intervaltree_installed(tmp_path, monkeypatch):
    """Without intervaltree the writer pickles our stand-ins under intervaltree's names; the reader never imports it."""
    monkeypatch.setitem(sys.modules, "intervaltree", None)  # import intervaltree -> ImportError
    path = write_synthetic_musicnet(tmp_path, "npz", seconds=1.0, n_train=1, n_validation=0)
    with zipfile.ZipFile(path) as zf:
        raw = zf.read("2303.npy")
    assert b"intervaltree.intervaltree\nIntervalTree" in raw and b"intervaltree.interval\nInterval" in raw
    assert b"deepcomplex" not in raw
    recs = read_musicnet(path)
    audio, labels = mn.synthesize_recording(1.0, np.random.default_rng([0, 2303]))
    np.testing.assert_array_equal(recs[2303].audio, audio)
    np.testing.assert_array_equal(recs[2303].notes, np.array(sorted((s, e, n) for s, e, _, n, *_ in labels)))


# ----------------------------------------------------------------------------------------------------------------------
# windows, labels, resampling
# ----------------------------------------------------------------------------------------------------------------------

def sounding(notes: np.ndarray, centre: int) -> np.ndarray:
    """Multi-hot of the notes sounding at resampled sample ``centre``: start <= centre * 44100 / 11000 < end."""
    y = np.zeros(84, np.float32)
    on = (notes[:, 0] * TARGET <= centre * RATE) & (centre * RATE < notes[:, 1] * TARGET)
    y[notes[on, 2] - 21] = 1
    return y


def test_train_windows_audio_and_centre_labels(datasets, recordings):
    x, y = load_musicnet(datasets[0], "train")
    ids = synth._synthetic_train_ids(N_TRAIN)
    assert x.recording_ids == tuple(ids)
    n_res = math.ceil(SECONDS * RATE * 110 / 441)  # resample_poly's output length
    per_recording = (n_res - 4096) // 512 + 1
    assert len(x) == len(y) == N_TRAIN * per_recording
    assert x.shape == (len(x), 1, 4096) and y.shape == (len(x), 84)
    assert torch.equal(x.starts[:per_recording], torch.arange(per_recording) * 512)
    resampled = {i: resample(recordings[i].audio, RATE, TARGET) for i in ids}
    assert all(len(a) == n_res for a in resampled.values())
    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:40]
    xb, yb = x[idx], y[idx]
    assert xb.dtype == yb.dtype == torch.float32 and xb.shape == (40, 1, 4096) and yb.shape == (40, 84)
    for row, k in enumerate(idx.tolist()):
        i, s = ids[int(x.recording_index[k])], int(x.starts[k])
        np.testing.assert_array_equal(xb[row, 0].numpy(), resampled[i][s:s + 4096])
        np.testing.assert_array_equal(yb[row].numpy(), sounding(recordings[i].notes, s + 2048))
    assert y[:].sum() > 0


def test_labels_change_exactly_at_note_boundaries(datasets, recordings):
    """stride 1: every resampled sample as a centre, compared with the exact rational test."""
    x, y = load_musicnet(datasets[0], "train", window=2, stride=1)
    i = x.recording_ids[0]
    notes = recordings[i].notes
    n = int((x.recording_index == 0).sum())
    labels = y[:n].numpy()
    for c in np.unique(np.r_[notes[:, 0], notes[:, 1]] * TARGET // RATE)[:30]:
        for centre in (c - 1, c, c + 1):
            if 0 <= centre - 1 < n:
                np.testing.assert_array_equal(labels[centre - 1], sounding(notes, centre))


def test_resampling_is_resample_poly_110_441():
    from scipy.signal import resample_poly
    a = np.random.default_rng(0).standard_normal(44100 + 17).astype(np.float32)
    r = resample(a, RATE, TARGET)
    assert r.dtype == np.float32 and len(r) == math.ceil(len(a) * 110 / 441)
    np.testing.assert_allclose(r, resample_poly(a.astype(np.float64), 110, 441), atol=1e-5)
    # a 440 Hz tone keeps its frequency
    t = np.arange(RATE) / RATE
    spectrum = np.abs(np.fft.rfft(resample(np.sin(2 * np.pi * 440 * t), RATE, TARGET)))
    assert np.argmax(spectrum) == 440


def test_evaluation_windows_as_the_paper(datasets):
    x, y = load_musicnet(datasets[1], "test")
    assert x.recording_ids == TEST_IDS
    n_res = math.ceil(SECONDS * RATE * 110 / 441)
    per_recording = (n_res - 4096 - 11000) // 128 + 1  # from 1 s in, stride 128, clipped to the recording
    assert len(x) == 3 * per_recording
    assert torch.equal(x.starts[:per_recording], 11000 + 128 * torch.arange(per_recording))
    assert int((x.starts + 4096).max()) <= n_res
    xv, _ = load_musicnet(datasets[1], "validation", max_windows=5)
    assert xv.recording_ids == VALIDATION_IDS and len(xv) == 5 * len(VALIDATION_IDS)
    xs, _ = load_musicnet(datasets[1], "train", start_seconds=0.5, stride=1000, max_windows=2, window=1024)
    assert xs.shape == (2 * N_TRAIN, 1, 1024) and torch.equal(xs.starts[:2], torch.tensor([5500, 6500]))
    assert mn.EVAL_WINDOWS == 7500 and mn.TRAIN_STRIDE == 512


def test_view_contract(datasets):
    x, y = load_musicnet(datasets[0], "train")
    n = len(x)
    idx = torch.tensor([3, 0, n - 1, 3], dtype=torch.int64)
    assert torch.equal(x[idx][1], x[0]) and torch.equal(x[idx][0], x[idx][3])
    assert x[5].shape == (1, 4096) and y[5].shape == (84,)
    assert torch.equal(x[2:7], x[torch.arange(2, 7)]) and torch.equal(y[2:7], y[[2, 3, 4, 5, 6]])
    assert torch.equal(x[-1], x[n - 1]) and torch.equal(y[np.array([1, 2])], y[1:3])
    mask = torch.zeros(n, dtype=torch.bool)
    mask[[1, 4]] = True
    assert torch.equal(x[mask], x[[1, 4]])
    assert x[0:0].shape == (0, 1, 4096) and y[torch.zeros(0, dtype=torch.int64)].shape == (0, 84)
    sub_idx = torch.tensor([7, 2, 9])
    xs, ys = x.subset(sub_idx), y.subset(sub_idx)
    assert isinstance(xs, mn.MusicNetWindows) and isinstance(ys, mn.MusicNetLabels)
    assert len(xs) == 3 and xs.shape == (3, 1, 4096) and ys.shape == (3, 84) and xs.store is x.store
    assert torch.equal(xs[:], x[sub_idx]) and torch.equal(ys[1:], y[sub_idx[1:]])
    assert torch.equal(xs.subset([2])[0], x[9])
    with pytest.raises(IndexError):
        x[n]
    with pytest.raises(IndexError):
        x[torch.tensor([0.5])]
    with pytest.raises(TypeError):
        x["a"]
    # the training engine's pattern: a seeded subset, then batches by slices
    picked = x.subset(torch.randperm(n)[:10])
    assert sum(len(picked[i:i + 4]) for i in range(0, len(picked), 4)) == 10


def test_resampled_audio_is_cached_once(datasets):
    mn.clear_musicnet_cache()
    x1, y1 = load_musicnet(datasets[0], "test")
    x2, _ = load_musicnet(datasets[0], "test", stride=256)
    assert x1.store is x2.store is y1.store and len(mn_windows._CACHE) == 1
    mn.clear_musicnet_cache()
    assert load_musicnet(datasets[0], "test")[0].store is not x1.store


# ----------------------------------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------------------------------

def copy_csv_layout(src: Path, dst: Path, ids=(2303, 2382, 1819, 1727)) -> Path:
    for i in ids:
        d, l = ("test_data", "test_labels") if i in TEST_IDS else ("train_data", "train_labels")
        (dst / d).mkdir(parents=True, exist_ok=True)
        (dst / l).mkdir(parents=True, exist_ok=True)
        (dst / d / f"{i}.wav").write_bytes((src / d / f"{i}.wav").read_bytes())
        (dst / l / f"{i}.csv").write_bytes((src / l / f"{i}.csv").read_bytes())
    return dst


def test_missing_files(tmp_path, datasets, monkeypatch):
    for root in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(MusicNetMissingError) as err:
            read_musicnet(root)
        msg = str(err.value)
        assert "musicnet.npz" in msg and "train_data/<id>.wav" in msg and "--data-dir" in msg
        assert "cannot be downloaded" in msg
        assert isinstance(err.value, DataFormatError) and isinstance(err.value, FileNotFoundError)
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)
    with pytest.raises(MusicNetMissingError, match="no data directory"):
        load_musicnet(None, "test")
    root = copy_csv_layout(datasets[0], tmp_path / "partial")
    (root / "train_labels" / "1727.csv").unlink()
    with pytest.raises(MusicNetMissingError, match=r"train_labels/1727.csv"):
        read_musicnet(root)
    root = copy_csv_layout(datasets[0], tmp_path / "novalid")
    with pytest.raises(MusicNetMissingError, match="validation recordings 2131, 2384"):
        load_musicnet(root, "validation")
    x, _ = load_musicnet(root, "train")
    assert x.recording_ids == (1727,)
    with pytest.raises(ValueError, match="part"):
        load_musicnet(root, "valid")
    with pytest.raises(MusicNetMissingError, match="musicnet.npz"):
        read_musicnet(root, layout="npz")


def test_musicnet_subdirectory_and_environment(tmp_path, datasets, monkeypatch):
    copy_csv_layout(datasets[0], tmp_path / "data" / "musicnet" / "musicnet")
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path / "data"))
    assert mn.musicnet_ids() == [1727, 1819, 2303, 2382]


def test_truncated_and_malformed_wav(tmp_path, datasets):
    root = copy_csv_layout(datasets[0], tmp_path / "d")
    wav = root / "train_data" / "1727.wav"
    raw = wav.read_bytes()
    wav.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFormatError, match=r"1727.wav: truncated: the data chunk declares"):
        read_musicnet(root)
    wav.write_bytes(raw[:30])
    with pytest.raises(DataFormatError, match="1727.wav"):
        read_musicnet(root)
    wav.write_bytes(b"not a wav file at all")
    with pytest.raises(DataFormatError, match="not a WAV file"):
        read_musicnet(root)
    stereo = bytearray(raw)
    stereo[22:24] = (2).to_bytes(2, "little")
    wav.write_bytes(bytes(stereo))
    with pytest.raises(DataFormatError, match="2 channels; MusicNet recordings are mono"):
        read_musicnet(root)


@pytest.mark.parametrize("header, row, match", [
    ("start,end,instrument,note,start_beat,end_beat,note_value", "0,100,1,60,0,1,Quarter", "columns start,end"),
    (",".join(CSV_COLUMNS), "0,100,1,20,0,1,Quarter", "note 20 .* outside MIDI 21..104"),
    (",".join(CSV_COLUMNS), "0,100,1,105,0,1,Quarter", "note 105 .* outside MIDI 21..104"),
    (",".join(CSV_COLUMNS), "100,100,1,60,0,1,Quarter", "0 <= start_time < end_time"),
    (",".join(CSV_COLUMNS), "0,abc,1,60,0,1,Quarter", "line 3: end_time is 'abc'"),
    (",".join(CSV_COLUMNS), "0,100,1,60.5,0,1,Quarter", "note is '60.5'"),
    (",".join(CSV_COLUMNS), "0,100,1,60", "line 3 has 4 fields, expected 7"),
])
def test_bad_label_csv(tmp_path, header, row, match):
    path = tmp_path / "1.csv"
    path.write_text(f"{header}\n0,10,1,60,0,1,Quarter\n{row}\n")
    with pytest.raises(DataFormatError, match=match):
        read_labels_csv(path)
    path.write_text("")
    with pytest.raises(DataFormatError, match="empty file"):
        read_labels_csv(path)


def test_good_label_csv_with_quoted_note_value(tmp_path):
    path = tmp_path / "1.csv"
    path.write_text(",".join(CSV_COLUMNS) + '\n9182,90078,43,53,4.0,1.5,"Dotted Quarter"\n0,10,1,60,0,1,Quarter\n')
    np.testing.assert_array_equal(read_labels_csv(path), [[0, 10, 60], [9182, 90078, 53]])


def test_truncated_or_corrupt_npz(tmp_path, datasets):
    raw = datasets[1].read_bytes()
    bad = tmp_path / "musicnet.npz"
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFormatError, match="not a readable zip archive"):
        read_musicnet(bad)
    bad.write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(DataFormatError, match="musicnet.npz"):
        read_musicnet(bad)
    # a member whose pickle is cut short
    with zipfile.ZipFile(datasets[1]) as zf:
        member = zf.read("2303.npy")
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("2303.npy", member[: len(member) // 3])
    with pytest.raises(DataFormatError, match=r"2303.npy: corrupt or truncated member"):
        read_musicnet(bad)
    with zipfile.ZipFile(bad, "w") as zf:  # a plain float array instead of (audio, labels)
        data = io.BytesIO()
        np.save(data, np.zeros(3))
        zf.writestr("2303.npy", data.getvalue())
    with pytest.raises(DataFormatError, match="expected an object array of shape"):
        read_musicnet(bad)
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("notes.txt", b"x")
    with pytest.raises(DataFormatError, match="'notes.txt' is not <id>.npy"):
        read_musicnet(bad)


def write_object_member(path: Path, payload: bytes) -> None:
    data = io.BytesIO()
    np.lib.format.write_array_header_1_0(data, {"descr": "|O", "fortran_order": False, "shape": (2,)})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("2303.npy", data.getvalue() + payload)


class _Exploit:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (Path.touch, (Path(self.target),))


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    record = np.empty(2, dtype=object)
    record[0], record[1] = np.zeros(10, np.float32), _Exploit(str(marker))
    write_object_member(tmp_path / "musicnet.npz", pickle.dumps(record, protocol=2))
    with pytest.raises(DataFormatError, match=r"refused to unpickle (__builtin__|builtins).getattr"):
        read_musicnet(tmp_path)
    assert not marker.exists()
    payload = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    write_object_member(tmp_path / "musicnet.npz", payload)
    with pytest.raises(DataFormatError, match="refused to unpickle os.system"):
        read_musicnet(tmp_path)
    assert not marker.exists()


def test_wrong_npz_contents(tmp_path):
    record = np.empty(2, dtype=object)
    record[0], record[1] = np.zeros(10, np.float32), [(0, 5, 60)]  # labels not an interval tree
    write_object_member(tmp_path / "musicnet.npz", pickle.dumps(record, protocol=2))
    with pytest.raises(DataFormatError, match="expected an intervaltree.IntervalTree"):
        read_musicnet(tmp_path)
    record[1] = mn.IntervalTree([mn.Interval(0, 5, (1, 110, 0.0, 1.0, "Quarter"))])
    write_object_member(tmp_path / "musicnet.npz", _disguised(record))
    with pytest.raises(DataFormatError, match="note 110 .* outside MIDI 21..104"):
        read_musicnet(tmp_path)
    record[0], record[1] = np.zeros((2, 10), np.float32), mn.IntervalTree()
    write_object_member(tmp_path / "musicnet.npz", _disguised(record))
    with pytest.raises(DataFormatError, match=r"shape \(2, 10\), expected a 1-D float array"):
        read_musicnet(tmp_path)


def _disguised(obj) -> bytes:
    buf = io.BytesIO()
    synth._DisguisedPickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def test_no_windows_fit(datasets):
    with pytest.raises(DataFormatError, match="no window of 200000 samples"):
        load_musicnet(datasets[0], "test", window=200000)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        load_musicnet(datasets[0], "test", stride=0)


def test_resample_without_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.signal", None)
    with pytest.raises(ImportError, match="needs scipy"):
        resample(np.zeros(100, np.float32), RATE, TARGET)
