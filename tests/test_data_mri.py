"""deepcomplex.data.mri: fastMRI's transforms and masks (against their definitions), the HDF5 reader on generated
files, the lazy views, the MNI152 demo, and ``deepcomplex generate fastmri``."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from deepcomplex.cli import main as cli
from deepcomplex.data import load_part, load_split
from deepcomplex.data.idx import DataFormatError
from deepcomplex.data.mri import (MASK_TYPES, ORIENTATIONS, SPLIT_GAP, FastMRIMissingError, SliceSet, apply_mask,
                                  center_crop, default_center_fraction, equispaced_mask, fft2c, ifft2c, load_fastmri,
                                  load_mri_demo, random_mask, read_fastmri_file, slice_seed)
from deepcomplex.data.synthetic import write_synthetic_fastmri

AXES = (-2, -1)


def np_fft2c(x):
    return np.fft.fftshift(np.fft.fft2(np.fft.ifftshift(x, axes=AXES), norm="ortho"), axes=AXES)


def np_ifft2c(k):
    return np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(k, axes=AXES), norm="ortho"), axes=AXES)


def np_crop(x, h, w):
    top, left = (x.shape[-2] - h) // 2, (x.shape[-1] - w) // 2
    return x[..., top:top + h, left:left + w]


# ------------------------------------------------------------------------------------------------ masks
WIDTHS = (101, 320, 368, 372, 640)


@pytest.mark.parametrize("mask", ["random", "equispaced"])
@pytest.mark.parametrize("acceleration", [4, 8])
@pytest.mark.parametrize("width", WIDTHS)
def test_centre_block_is_fastmris(mask, acceleration, width):
    """Columns kept under every seed = exactly fastMRI's centre block of round(W * cf) columns at (W - n + 1) // 2."""
    n_low = round(width * {4: 0.08, 8: 0.04}[acceleration])
    start = (width - n_low + 1) // 2
    masks = torch.stack([MASK_TYPES[mask](width, acceleration, seed=s) for s in range(60)])
    assert masks.dtype == torch.bool and masks.shape == (60, width)
    always = masks.all(0)
    assert int(always.sum()) == n_low
    assert always[start:start + n_low].all() and width // 2 in range(start, start + n_low)


@pytest.mark.parametrize("acceleration", [4, 8])
@pytest.mark.parametrize("width", WIDTHS)
def test_random_mask_rate_and_probability(acceleration, width):
    cf = default_center_fraction(acceleration)
    n_low = round(width * cf)
    masks = torch.stack([random_mask(width, acceleration, seed=s) for s in range(400)]).double()
    assert abs(masks.sum(1).mean().item() - width / acceleration) < 0.03 * width / acceleration + 0.5
    p = (width / acceleration - n_low) / (width - n_low)  # fastMRI's probability outside the centre
    outside = torch.ones(width, dtype=torch.bool)
    outside[(width - n_low + 1) // 2:(width - n_low + 1) // 2 + n_low] = False
    assert abs(masks[:, outside].mean().item() - p) < 0.01


@pytest.mark.parametrize("acceleration", [4, 8])
@pytest.mark.parametrize("width", WIDTHS)
def test_equispaced_mask_is_fastmris_fraction_mask(acceleration, width):
    """Every mask is centre + {round(offset + k * a)} for one offset in [0, round(a)), a fastMRI's adjusted spacing."""
    n_low = round(width * default_center_fraction(acceleration))
    a = acceleration * (n_low - width) / (n_low * acceleration - width)
    start = (width - n_low + 1) // 2
    offsets = set()
    for seed in range(30):
        got = equispaced_mask(width, acceleration, seed=seed).numpy()
        matches = []
        for offset in range(round(a)):
            want = np.zeros(width, bool)
            want[np.around(np.arange(offset, width - 1, a)).astype(int)] = True
            want[start:start + n_low] = True
            if np.array_equal(got, want):
                matches.append(offset)
        assert len(matches) == 1, (seed, matches)
        offsets.add(matches[0])
        assert abs(got.sum() - width / acceleration) <= max(2.0, 0.03 * width / acceleration)
    assert len(offsets) > 1  # the offset is drawn


def test_masks_are_seeded():
    assert torch.equal(random_mask(368, 4, seed=7), random_mask(368, 4, seed=7))
    seeds = [slice_seed(0, "file1000001.h5", i) for i in range(8)]
    assert len(set(seeds)) == 8 and seeds == [slice_seed(0, "file1000001.h5", i) for i in range(8)]
    assert slice_seed(1, "file1000001.h5", 0) != seeds[0] != slice_seed(0, "file1000002.h5", 0)
    assert len({tuple(random_mask(368, 4, seed=s).tolist()) for s in seeds}) == 8  # another slice, another mask
    assert len({tuple(equispaced_mask(368, 4, seed=s).tolist()) for s in seeds}) > 1


def test_default_center_fraction_and_mask_errors():
    assert (default_center_fraction(4), default_center_fraction(8), default_center_fraction(16)) == (0.08, 0.04, 0.02)
    assert equispaced_mask(64, 1).all() and random_mask(64, 1).all()  # no undersampling
    with pytest.raises(ValueError, match="random_mask: acceleration must be a finite number >= 1, got 0.5"):
        random_mask(368, 0.5)
    with pytest.raises(ValueError, match="equispaced_mask: the centre block alone"):
        equispaced_mask(368, 4, center_fraction=0.3)
    with pytest.raises(ValueError, match="random_mask: center_fraction must be a number in \\(0, 1\\], got 0"):
        random_mask(368, 4, center_fraction=0)
    with pytest.raises(ValueError, match="random_mask: width must be an int >= 2"):
        random_mask(1, 4)


# ------------------------------------------------------------------------------------------------ k-space
@pytest.mark.parametrize("shape", [(8, 6), (2, 7, 5), (3, 640, 368)])
def test_fft2c_is_numpys_centered_orthonormal_fft(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    k = fft2c(torch.from_numpy(x))
    np.testing.assert_allclose(k.numpy(), np_fft2c(x), atol=1e-10)
    np.testing.assert_allclose(ifft2c(k).numpy(), x, atol=1e-10)
    np.testing.assert_allclose(ifft2c(torch.from_numpy(x)).numpy(), np_ifft2c(x), atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(k.numpy()), np.linalg.norm(x), rtol=1e-12)  # Parseval
    x32 = torch.from_numpy(x).to(torch.complex64)
    assert fft2c(x32).dtype == torch.complex64 and torch.allclose(ifft2c(fft2c(x32)), x32, atol=1e-5)
    # the zero frequency sits at (H // 2, W // 2)
    dc = fft2c(torch.ones(shape[-2:], dtype=torch.complex128))
    assert dc.abs().argmax().item() == (shape[-2] // 2) * shape[-1] + shape[-1] // 2


def test_crop_and_mask():
    x = torch.arange(7 * 9).reshape(7, 9)
    np.testing.assert_array_equal(center_crop(x, (3, 4)).numpy(), np_crop(x.numpy(), 3, 4))
    assert center_crop(x, (3, 4))[0, 0].item() == 2 * 9 + 2
    with pytest.raises(ValueError, match=r"center_crop: crop \(8, 4\) is larger than .* \(7, 9\)"):
        center_crop(x, (8, 4))
    k = torch.randn(2, 5, 6, dtype=torch.complex64)
    m = torch.tensor([1, 0, 0, 1, 1, 0], dtype=torch.bool)
    np.testing.assert_array_equal(apply_mask(k, m).numpy(), k.numpy() * m.numpy()[None, None, :])
    with pytest.raises(ValueError, match="apply_mask: a 1-D mask must have one entry per column"):
        apply_mask(k, torch.ones(5, dtype=torch.bool))
    with pytest.raises(TypeError, match="fft2c expects a complex tensor, got torch.float32"):
        fft2c(torch.ones(4, 4))


# ------------------------------------------------------------------------------------------------ fastMRI files
@pytest.fixture(scope="module")
def fastmri_dir(tmp_path_factory):
    pytest.importorskip("h5py")
    return write_synthetic_fastmri(tmp_path_factory.mktemp("fastmri"), n_train=2, n_val=1, slices=3, seed=0)


def test_generated_files_are_in_the_release_format(fastmri_dir):
    h5py = pytest.importorskip("h5py")
    assert sorted(p.name for p in (fastmri_dir / "singlecoil_train").iterdir()) == ["file1000001.h5", "file1000002.h5"]
    assert [p.name for p in (fastmri_dir / "singlecoil_val").iterdir()] == ["file1000003.h5"]
    path = fastmri_dir / "singlecoil_train" / "file1000001.h5"
    with h5py.File(path, "r") as f:  # read without our reader
        assert set(f.keys()) == {"kspace", "reconstruction_esc", "ismrmrd_header"}
        assert f["kspace"].dtype == np.complex64 and f["kspace"].shape == (3, 640, 368)
        assert f["reconstruction_esc"].dtype == np.float32 and f["reconstruction_esc"].shape == (3, 320, 320)
        assert set(f.attrs) == {"acquisition", "max", "norm", "patient_id"}
        kspace, recon = f["kspace"][()].astype(np.complex128), f["reconstruction_esc"][()]
        attrs = dict(f.attrs)
    np.testing.assert_allclose(recon, np.abs(np_crop(np_ifft2c(kspace), 320, 320)), rtol=1e-4,
                               atol=1e-5 * recon.max())
    assert attrs["max"] == pytest.approx(recon.max())
    assert attrs["norm"] == pytest.approx(np.linalg.norm(recon.astype(np.float64)))
    assert attrs["acquisition"] in ("CORPD_FBK", "CORPDFS_FBK") and len(attrs["patient_id"]) == 64
    # a smooth phase: neighbouring pixels of the object differ little in phase, but the phase is not constant
    image = np_crop(np_ifft2c(kspace[1]), 320, 320)
    inside = np.abs(image) > 0.1 * np.abs(image).max()
    step = np.angle(image[:, 1:] * image[:, :-1].conj())[inside[:, 1:] & inside[:, :-1]]
    assert np.abs(step).mean() < 0.05 and np.angle(image[inside]).std() > 0.3


def test_read_fastmri_file_round_trip(fastmri_dir):
    path = fastmri_dir / "singlecoil_val" / "file1000003.h5"
    data = read_fastmri_file(path)
    assert data["kspace"].dtype == torch.complex64 and data["kspace"].shape == (3, 640, 368)
    assert data["reconstruction_esc"].dtype == torch.float32 and data["reconstruction_esc"].shape == (3, 320, 320)
    assert isinstance(data["ismrmrd_header"], bytes) and data["ismrmrd_header"].startswith(b"<?xml")
    assert data["attrs"]["max"] == pytest.approx(float(data["reconstruction_esc"].max()))
    assert isinstance(data["attrs"]["patient_id"], str) and isinstance(data["attrs"]["acquisition"], str)


def _write_h5(path, **datasets):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)
    return path


def test_reader_errors(fastmri_dir, tmp_path):
    good = fastmri_dir / "singlecoil_train" / "file1000001.h5"
    with pytest.raises(FileNotFoundError, match="read_fastmri_file: .*nothere.h5 not found"):
        read_fastmri_file(tmp_path / "nothere.h5")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataFormatError, match="truncated.h5 is not a readable HDF5 file \\(truncated or corrupt"):
        read_fastmri_file(truncated)
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(DataFormatError, match="not a readable HDF5 file"):
        read_fastmri_file(tmp_path / "text.h5")
    wrong_key = _write_h5(tmp_path / "keys.h5", data=np.zeros((2, 4, 4), np.complex64))
    with pytest.raises(DataFormatError, match=r"has no 'kspace' dataset \(found \['data'\]\)"):
        read_fastmri_file(wrong_key)
    real = _write_h5(tmp_path / "real.h5", kspace=np.zeros((2, 4, 4), np.float32))
    with pytest.raises(DataFormatError, match=r"'kspace' must be complex \(slices, H, W\).*got float32"):
        read_fastmri_file(real)
    multicoil = _write_h5(tmp_path / "coils.h5", kspace=np.zeros((2, 3, 4, 4), np.complex64))
    with pytest.raises(DataFormatError, match="multi-coil files are"):
        read_fastmri_file(multicoil)
    bad_recon = _write_h5(tmp_path / "recon.h5", kspace=np.zeros((2, 4, 4), np.complex64),
                          reconstruction_esc=np.zeros((3, 4, 4), np.float32))
    with pytest.raises(DataFormatError, match="'reconstruction_esc' must be float \\(2, H, W\\)"):
        read_fastmri_file(bad_recon)


def test_loader_errors(fastmri_dir, tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="nowhere/singlecoil_train not found"):
        load_fastmri(tmp_path / "nowhere", "train")
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)
    with pytest.raises(FastMRIMissingError, match="no data directory given.*deepcomplex generate fastmri"):
        load_fastmri(None, "train")
    with pytest.raises(ValueError, match="part must be one of train, test, got 'val'"):
        load_fastmri(fastmri_dir, "val")
    with pytest.raises(ValueError, match="mask must be one of random, equispaced"):
        load_fastmri(fastmri_dir, "train", mask="spiral")
    with pytest.raises(DataFormatError, match="smaller than the crop 700x320"):
        load_fastmri(fastmri_dir, "train", crop=(700, 320))
    broken = tmp_path / "broken"
    shutil.copytree(fastmri_dir, broken)
    victim = broken / "singlecoil_val" / "file1000003.h5"
    victim.write_bytes(victim.read_bytes()[:4096])
    with pytest.raises(DataFormatError, match="file1000003.h5 is not a readable HDF5 file"):
        load_fastmri(broken, "test")


def _volume_inputs(kspace: np.ndarray, name: str, **kw) -> np.ndarray:
    """The zero-filled images of a volume recomputed in float64 from the definition (unscaled)."""
    out = []
    for s, k in enumerate(kspace.astype(np.complex128)):
        mask = random_mask(k.shape[-1], 4, seed=slice_seed(0, name, s)).numpy()
        out.append(np_crop(np_ifft2c(k * mask[None, :]), 320, 320))
    return np.stack(out)


def test_fastmri_views_follow_the_definition(fastmri_dir):
    x, y = load_fastmri(fastmri_dir, "train")
    assert len(x) == len(y) == 6 and x.shape == y.shape == (6, 1, 320, 320) and x.dtype == torch.complex64
    assert x.volumes.tolist() == [0, 0, 0, 1, 1, 1] and y.slices.tolist() == [0, 1, 2, 0, 1, 2]
    for v, name in enumerate(("file1000001.h5", "file1000002.h5")):
        data = read_fastmri_file(fastmri_dir / "singlecoil_train" / name)
        want = _volume_inputs(data["kspace"].numpy(), name)
        scale = np.abs(want).max()  # per volume, from the zero-filled images only
        rows = torch.arange(3 * v, 3 * v + 3)
        got_x, got_y = x[rows], y[rows]
        assert got_x.shape == (3, 1, 320, 320) and got_x.dtype == got_y.dtype == torch.complex64
        np.testing.assert_allclose(got_x[:, 0].numpy(), want / scale, atol=2e-6)
        np.testing.assert_allclose(got_y[:, 0].abs().numpy() * scale, data["reconstruction_esc"].numpy(),
                                   rtol=1e-4, atol=1e-5 * float(data["reconstruction_esc"].max()))
        assert abs(float(got_x.abs().max()) - 1.0) < 1e-6
    # every kind of index, and subsets keep their rows' volumes
    assert x[4].shape == (1, 320, 320) and torch.equal(x[4], x[[4]][0]) and torch.equal(x[-1], x[5])
    assert torch.equal(x[1:3], x[torch.tensor([1, 2])]) and len(x[torch.tensor([], dtype=torch.int64)]) == 0
    assert torch.equal(x[torch.tensor([True, False, False, False, False, True])], x[[0, 5]])
    sub = y.subset(torch.tensor([5, 0]))
    assert sub.volumes.tolist() == [1, 0] and sub.slices.tolist() == [2, 0] and torch.equal(sub[[0]], y[[5]])
    with pytest.raises(IndexError, match="out of range for 6 slices"):
        x[torch.tensor([6])]
    with pytest.raises(IndexError, match="1-D integer tensor"):
        x[torch.tensor([0.5])]
    xt, yt = load_split("fastmri", data_dir=fastmri_dir, train=False)[2:]  # the registry's entry, test part
    assert xt.shape == (3, 1, 320, 320) and yt.volumes.tolist() == [0, 0, 0]


def test_fastmri_noise_is_seeded_and_sized(fastmri_dir):
    rows = torch.tensor([0, 2])
    clean_x, clean_y = (v[rows] for v in load_fastmri(fastmri_dir, "test"))
    noisy_x, noisy_y = (v[rows] for v in load_fastmri(fastmri_dir, "test", noise=0.2))
    assert torch.equal(load_fastmri(fastmri_dir, "test", noise=0.2)[0][rows], noisy_x)
    assert not torch.equal(load_fastmri(fastmri_dir, "test", noise=0.2, seed=1)[0][rows], noisy_x)
    # the targets stay clean (only the volume's scale, from the noisy zero-filled images, moves)
    ratio = float(noisy_y.abs().max() / clean_y.abs().max())
    assert torch.allclose(noisy_y, ratio * clean_y, atol=1e-6) and ratio != 1.0
    # the noise: complex Gaussian of std 0.2 x the slice's k-space RMS, white, on the sampled columns
    name = "file1000003.h5"
    k = read_fastmri_file(fastmri_dir / "singlecoil_val" / name)["kspace"][0].numpy().astype(np.complex128)
    mask = random_mask(368, 4, seed=slice_seed(0, name, 0)).numpy()
    scale = np.abs(np_crop(np_ifft2c(k), 320, 320)).max() / float(noisy_y[0].abs().max())
    noise = noisy_x[0, 0].numpy() * scale - np_crop(np_ifft2c(k * mask[None, :]), 320, 320)
    expected = 0.2 * np.sqrt(np.mean(np.abs(k) ** 2)) * np.sqrt(mask.mean())
    assert abs(np.sqrt(np.mean(np.abs(noise) ** 2)) / expected - 1) < 0.05
    assert abs(noise.real.std() / noise.imag.std() - 1) < 0.05
    eq = load_fastmri(fastmri_dir, "test", acceleration=8, mask="equispaced")[0][rows]
    assert eq.shape == (2, 1, 320, 320) and not torch.allclose(eq, clean_x, atol=1e-3)


# ------------------------------------------------------------------------------------------------ the demo
@pytest.fixture(scope="module")
def demo():
    pytest.importorskip("nibabel")
    pytest.importorskip("nilearn")
    return {part: load_mri_demo(part) for part in ("train", "test")}


def test_demo_shapes_and_volumes(demo):
    for part, (x, y) in demo.items():
        assert isinstance(x, SliceSet) and isinstance(y, SliceSet)
        assert x.shape == y.shape and x.shape[1:] == (1, 128, 128) and x.dtype == y.dtype == torch.complex64
        assert torch.equal(x.volumes, y.volumes) and set(x.volumes.tolist()) == {0, 1, 2}
        for v in range(3):  # scaled per volume by its largest zero-filled magnitude
            assert abs(float(x[x.volumes == v].abs().max()) - 1.0) < 1e-6
            assert 0.5 < float(y[y.volumes == v].abs().max()) < 1.5
    assert len(demo["train"][0]) > 2 * len(demo["test"][0]) > 0


def test_demo_parts_are_disjoint_slabs_with_a_gap(demo):
    (xtr, _), (xte, _) = demo["train"], demo["test"]
    for v, name in enumerate(ORIENTATIONS):
        train = set(xtr.slices[xtr.volumes == v].tolist())
        test = sorted(xte.slices[xte.volumes == v].tolist())
        breaks = [i for i in range(1, len(test)) if test[i] != test[i - 1] + 1]
        assert len(breaks) == 1, name  # two contiguous slabs
        first, second = test[:breaks[0]], test[breaks[0]:]
        assert len(first) == len(second)
        lo, hi = min(train | set(test)), max(train | set(test))
        assert first[0] + second[-1] == lo + hi  # mirror images about the middle of the span
        assert abs(len(test) - 0.2 * (hi - lo + 1)) <= 2, name
        assert min(abs(a - b) for a in train for b in test) == SPLIT_GAP + 1, name  # 4 positions in between
        # training slices below, between and above the two test slabs
        assert min(train) < first[0] and any(first[-1] < t < second[0] for t in train) and max(train) > second[-1]


def test_demo_inputs_are_the_zero_filled_image(demo):
    x, y = demo["test"]
    for row in (0, len(x) - 1):
        v, position = int(x.volumes[row]), int(x.slices[row])
        mask = random_mask(128, 4, seed=slice_seed(0, f"mni152-{ORIENTATIONS[v]}", position)).numpy()
        target = y[row][0].numpy().astype(np.complex128)
        want = np_ifft2c(np_fft2c(target) * mask[None, :])  # the same scale divides both
        np.testing.assert_allclose(x[row][0].numpy(), want, atol=2e-6)
        assert np.abs(x[row][0].numpy() - target).max() > 0.01  # undersampling changed it


def test_demo_phase_is_smooth_and_not_trivial(demo):
    _, y = demo["train"]
    spreads, means = [], []
    for row in range(0, len(y), 7):
        image = y[row][0].numpy().astype(np.complex128)
        inside = np.abs(image) > 0.1 * np.abs(image).max()
        for step in (image[1:] * image[:-1].conj(), image[:, 1:] * image[:, :-1].conj()):
            both = np.abs(step) > 0.01 * np.abs(image).max() ** 2
            assert np.abs(np.angle(step[both])).mean() < 0.1  # smooth: radians per 2 mm pixel
        spreads.append(np.angle(image[inside] * np.exp(-1j * np.angle(image[inside].mean()))).std())
        means.append(np.angle(image[inside].mean()))
    assert min(spreads) > 0.05 and np.median(spreads) > 0.3  # it varies across the object
    assert np.std(means) > 0.5  # and from slice to slice


def test_demo_options(demo):
    x, y = demo["test"]
    noisy_x, noisy_y = load_mri_demo("test", noise=0.1)
    assert torch.equal(noisy_x.volumes, x.volumes) and (noisy_x.images - x.images).abs().max() > 0.02
    assert torch.allclose(noisy_y.images, y.images, rtol=0.2, atol=0.05)  # only the scale may move
    assert torch.equal(load_mri_demo("test", noise=0.1)[0].images, noisy_x.images)
    assert not torch.equal(load_mri_demo("test", noise=0.1, seed=1)[0].images, noisy_x.images)
    x8, _ = load_part("mri-demo", "test", acceleration=8, mask="equispaced")
    assert x8.shape == x.shape and not torch.allclose(x8.images, x.images, atol=1e-3)
    with pytest.raises(ValueError, match="load_mri_demo: mask must be one of random, equispaced, got 'spiral'"):
        load_mri_demo("test", mask="spiral")
    with pytest.raises(ValueError, match="load_mri_demo: part must be one of train, test, got 'val'"):
        load_mri_demo("val")
    with pytest.raises(ValueError, match="add_kspace_noise: noise must be a finite number >= 0"):
        load_mri_demo("test", noise=-1.0)


def test_slice_set_checks_its_arguments():
    with pytest.raises(ValueError, match="SliceSet expects images as a complex64 tensor \\(N, 1, H, W\\)"):
        SliceSet(torch.zeros(2, 1, 4, 4), torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="SliceSet expects volumes as an integer tensor \\(2,\\)"):
        SliceSet(torch.zeros(2, 1, 4, 4, dtype=torch.complex64), torch.zeros(3, dtype=torch.int64))


# ------------------------------------------------------------------------------------------------ the command
def test_generate_fastmri_command(tmp_path, capsys):
    pytest.importorskip("h5py")
    assert cli(["generate", "fastmri", str(tmp_path / "gen"), "--size", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "deepcomplex train --task reconstruction --dataset fastmri --data-dir" in out
    assert [p.name for p in (tmp_path / "gen" / "singlecoil_train").iterdir()] == ["file1000001.h5"]
    assert read_fastmri_file(tmp_path / "gen" / "singlecoil_val" / "file1000002.h5")["kspace"].shape == (4, 640, 368)
    assert cli(["generate", "fastmri", str(tmp_path / "other"), "--seconds", "2"]) == 2
    assert "--seconds is for musicnet and timit" in capsys.readouterr().err and not (tmp_path / "other").exists()
