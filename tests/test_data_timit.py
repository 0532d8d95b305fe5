"""TIMIT reader: NIST SPHERE files, the corpus layout, transcriptions, the synthetic corpus, next-frame features."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from deepcomplex.data.idx import DataFormatError
from deepcomplex.data.timit import (find_utterances, load_timit, next_frame_chunks, parse_sphere, read_phn,
                                    read_sphere, read_txt, read_wrd, stft_frames, utterance_spectrum, write_sphere,
                                    write_synthetic_timit)
from deepcomplex.functional.loss import LOG_EPS


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_synthetic_timit(tmp_path_factory.mktemp("timit"), n_speakers=2, utterances=3, seed=0)


def _header(fields: str, size: int = 1024) -> bytes:
    body = (fields + "\nend_head\n").encode()
    head = b"NIST_1A\n" + f"{size:>7}\n".encode() + body
    return head + b" " * (size - len(head))


# ------------------------------------------------------------------------------------------------ SPHERE
@pytest.mark.parametrize("byte_order", ["little", "big"])
def test_sphere_round_trip(tmp_path, byte_order):
    samples = np.array([0, 1, -1, 32767, -32768, 1234, -4321], dtype=np.int16)
    path = tmp_path / "a.wav"
    write_sphere(path, samples, 16000, byte_order=byte_order, extra={"utterance_id": "fcjf0 sa1", "gain": 1.5})
    raw = path.read_bytes()
    assert raw[:16] == b"NIST_1A\n   1024\n" and len(raw) == 1024 + 2 * len(samples)
    got, rate, header = read_sphere(path)
    assert rate == 16000 and got.dtype == np.int16
    np.testing.assert_array_equal(got, samples)
    assert header["sample_byte_format"] == ("01" if byte_order == "little" else "10")
    assert header["utterance_id"] == "fcjf0 sa1" and header["gain"] == 1.5 and header["sample_count"] == 7
    # the bytes on disk are in the declared order
    assert raw[1024 + 2:1024 + 4] == (b"\x01\x00" if byte_order == "little" else b"\x00\x01")


def test_sphere_hand_written_header_with_comments_and_big_header():
    data = _header(";a comment\ndatabase_id -s5 TIMIT\nsample_count -i 3\nsample_rate -i 16000\n"
                   "sample_n_bytes -i 2\nsample_byte_format -s2 10\nchannel_count -i 1\nsample_coding -s3 pcm",
                   2048) + np.array([1, 2, 3], ">i2").tobytes() + b"trailing"
    samples, rate, header = parse_sphere(data)
    np.testing.assert_array_equal(samples, [1, 2, 3])
    assert header["database_id"] == "TIMIT"


def test_sphere_errors(tmp_path):
    ok = "sample_count -i 4\nsample_rate -i 16000\nsample_n_bytes -i 2\nsample_byte_format -s2 01\nchannel_count -i 1"
    data = np.zeros(4, "<i2").tobytes()
    with pytest.raises(DataFormatError, match="not a NIST SPHERE file"):
        parse_sphere(b"RIFF\x00\x00\x00\x00WAVEfmt " + data)
    with pytest.raises(DataFormatError, match="RIFF/WAVE"):
        parse_sphere(b"RIFF\x00\x00\x00\x00WAVEfmt " + data)
    with pytest.raises(DataFormatError, match="truncated: the header says sample_count 4"):
        parse_sphere(_header(ok) + data[:5])
    with pytest.raises(DataFormatError, match="shorten-compressed.*sph2pipe"):
        parse_sphere(_header(ok + "\nsample_coding -s26 pcm,embedded-shorten-v1.09") + data)
    with pytest.raises(DataFormatError, match="unsupported sample_coding 'ulaw'"):
        parse_sphere(_header(ok + "\nsample_coding -s4 ulaw") + data)
    with pytest.raises(DataFormatError, match="unsupported sample_n_bytes 1"):
        parse_sphere(_header(ok.replace("sample_n_bytes -i 2", "sample_n_bytes -i 1")) + data)
    with pytest.raises(DataFormatError, match="unsupported channel_count 2"):
        parse_sphere(_header(ok.replace("channel_count -i 1", "channel_count -i 2")) + data)
    with pytest.raises(DataFormatError, match="unsupported sample_byte_format"):
        parse_sphere(_header(ok.replace("-s2 01", "-s2 11")) + data)
    with pytest.raises(DataFormatError, match="no valid integer sample_count"):
        parse_sphere(_header(ok.replace("sample_count -i 4\n", "")) + data)
    with pytest.raises(DataFormatError, match="integer field"):
        parse_sphere(_header(ok.replace("sample_count -i 4", "sample_count -i four")) + data)
    with pytest.raises(DataFormatError, match="no 'end_head'"):
        parse_sphere(_header(ok)[:1024].replace(b"end_head", b"        ") + data)
    with pytest.raises(DataFormatError, match="bad SPHERE header size"):
        parse_sphere(b"NIST_1A\n   abcd\n" + b" " * 1100)
    with pytest.raises(DataFormatError, match="bad SPHERE header size"):
        parse_sphere(b"NIST_1A\n   4096\n" + b" " * 100)
    with pytest.raises(DataFormatError, match="expected 'key -type value'"):
        parse_sphere(_header(ok + "\nlonely") + data)
    path = tmp_path / "cut.wav"
    write_sphere(path, np.arange(100, dtype=np.int16), 16000)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DataFormatError, match=f"{path}: truncated"):
        read_sphere(path)
    with pytest.raises(TypeError, match="int16"):
        write_sphere(tmp_path / "f.wav", np.zeros(3), 16000)
    with pytest.raises(ValueError, match="1-D"):
        write_sphere(tmp_path / "f.wav", np.zeros((2, 3), np.int16), 16000)


# ------------------------------------------------------------------------------------------------ transcriptions
def test_transcription_readers(tmp_path):
    phn = tmp_path / "a.phn"
    phn.write_text("0 100 h#\n100 250 sh\n250 400 iy\n")
    assert read_phn(phn) == [(0, 100, "h#"), (100, 250, "sh"), (250, 400, "iy")]
    wrd = tmp_path / "a.wrd"
    wrd.write_text("100 400 she\n380 500 had\n")  # words may overlap
    assert read_wrd(wrd)[1] == (380, 500, "had")
    txt = tmp_path / "a.txt"
    txt.write_text("0 46797 She had your dark suit in greasy wash water all year.\n")
    assert read_txt(txt) == (0, 46797, "She had your dark suit in greasy wash water all year.")
    bad = {"0 100\n": "expected 'begin end phone'", "0 x h#\n": "expected 'begin end phone'",
           "100 50 h#\n": "ends .* before it begins", "0 100 h#\n50 200 aa\n": "overlaps the previous phone",
           "": "no 'phone' lines", "100 200 aa\n0 100 h#\n": "in time order"}
    for text, message in bad.items():
        phn.write_text(text)
        with pytest.raises(DataFormatError, match=message):
            read_phn(phn)
    for text in ("", "0 10 a.\n0 10 b.\n", "10 0 backwards\n", "0 10\n"):
        txt.write_text(text)
        with pytest.raises(DataFormatError, match=str(txt)):
            read_txt(txt)


# ------------------------------------------------------------------------------------------------ layout
def test_synthetic_corpus_layout_and_read_back(corpus):
    train = find_utterances(corpus, "train")
    assert len(train) == 2 * 3 and {u.dialect for u in train} == {"DR1", "DR2"}
    assert not any(u.name.startswith("SA") for u in train)
    assert len(find_utterances(corpus, "TRAIN", include_sa=True)) == 2 * 5
    test = find_utterances(corpus, "test")
    assert len(test) == 6 and not {u.speaker for u in test} & {u.speaker for u in train}
    for utt in train + test:
        assert utt.wav.suffix == ".WAV" and utt.phn.suffix == ".PHN" and utt.txt and utt.wrd
        samples, rate, header = read_sphere(utt.wav)
        assert rate == 16000 and len(samples) == 12800 and header["speaker_id"] == utt.speaker
        assert 0.25 * 32767 < np.abs(samples).max() <= 0.3 * 32767 + 1
        phones = read_phn(utt.phn)
        assert phones[0][0] == 0 and phones[-1][1] == len(samples) and phones[0][2] == phones[-1][2] == "h#"
        assert all(a[1] == b[0] for a, b in zip(phones, phones[1:]))  # contiguous
        assert read_txt(utt.txt)[:2] == (0, len(samples))
        words = read_wrd(utt.wrd)
        assert all(w[0] >= phones[0][1] and w[1] <= phones[-1][0] for w in words)


def test_synthetic_corpus_is_deterministic(tmp_path, corpus):
    other = write_synthetic_timit(tmp_path / "again", seed=0)
    for utt in find_utterances(corpus, "test", include_sa=True):
        twin = other / utt.wav.relative_to(corpus)
        assert twin.read_bytes() == utt.wav.read_bytes()
        assert (other / utt.phn.relative_to(corpus)).read_text() == utt.phn.read_text()
    third = write_synthetic_timit(tmp_path / "seed1", seed=1, n_speakers=1, utterances=1)
    assert [u.speaker for u in find_utterances(third, "train")] != [u.speaker for u in find_utterances(corpus,
                                                                                                      "train")][:1]


def test_lower_case_layout_and_nested_root(tmp_path):
    root = write_synthetic_timit(tmp_path / "corpus" / "timit", n_speakers=1, utterances=2, lowercase=True)
    utts = find_utterances(root, "test")
    assert [u.name for u in utts] == ["si1001", "sx100"] and utts[0].wav.name == "si1001.wav"
    assert utts[0].phn.name == "si1001.phn" and utts[0].dialect == "dr1"
    # the parent of TIMIT/ works too, and RIFF copies named *.WAV.wav are skipped
    (utts[0].wav.parent / "si1001.wav.wav").write_bytes(b"RIFF....WAVE")
    assert [u.name for u in find_utterances(tmp_path / "corpus", "test")] == ["si1001", "sx100"]
    x, y = load_timit(tmp_path / "corpus", "test", seq_len=8)
    assert x.shape[1:] == (8, 129)


def test_layout_errors(tmp_path, corpus):
    with pytest.raises(FileNotFoundError, match="does not exist.*cannot be downloaded here.*--data-dir"):
        find_utterances(tmp_path / "missing", "train")
    with pytest.raises(FileNotFoundError, match="no TRAIN/ directory.*cannot be downloaded"):
        find_utterances(tmp_path, "train")
    (tmp_path / "TRAIN" / "misc").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no dialect-region directories DR1..DR8"):
        find_utterances(tmp_path, "train")
    (tmp_path / "TRAIN" / "DR3" / "MABC0").mkdir(parents=True)
    (tmp_path / "TRAIN" / "DR3" / "MABC0" / "SA1.WAV").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"no utterance .WAV files.*\(SA1/SA2 excluded\)"):
        find_utterances(tmp_path, "train")
    with pytest.raises(ValueError, match="part must be 'train' or 'test'"):
        find_utterances(corpus, "dev")
    with pytest.raises(FileNotFoundError, match="no data directory given"):
        find_utterances(None, "train")


def test_load_timit_checks_transcriptions(tmp_path):
    root = write_synthetic_timit(tmp_path / "c", n_speakers=1, utterances=1)
    utt = find_utterances(root, "train")[0]
    utt.phn.write_text("0 100 h#\n50 200 aa\n")
    with pytest.raises(DataFormatError, match="overlaps"):
        load_timit(root, "train", seq_len=8)
    load_timit(root, "train", seq_len=8, check_labels=False)  # the audio alone is fine
    utt.phn.unlink()
    with pytest.raises(FileNotFoundError, match="has no .PHN file"):
        load_timit(root, "train", seq_len=8)
    utt.wav.write_bytes(b"RIFF" + bytes(60))
    with pytest.raises(DataFormatError, match="not a NIST SPHERE"):
        load_timit(root, "train", seq_len=8, check_labels=False)


# ------------------------------------------------------------------------------------------------ features
def _numpy_frames(samples: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Reference: 16 kHz int16 -> [-1, 1) -> 8 kHz (the same polyphase filter) -> periodic-Hann frames -> rfft."""
    from scipy.signal import resample_poly

    x = resample_poly(samples / 32768.0, 1, 2)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    count = 1 + (len(x) - n_fft) // hop
    return np.stack([np.fft.rfft(window * x[t * hop:t * hop + n_fft]) for t in range(count)])


def test_features_and_next_frame_alignment_match_numpy(corpus):
    seq_len = 12
    utts = find_utterances(corpus, "train")
    x, y = load_timit(corpus, "train", seq_len=seq_len)
    assert x.dtype == torch.complex64 and y.dtype == torch.float32 and x.shape == y.shape
    row = 0
    for utt in utts:
        ref = _numpy_frames(read_sphere(utt.wav)[0], 256, 64)
        assert ref.shape == (1 + (6400 - 256) // 64, 129)  # 0.8 s at 8 kHz
        np.testing.assert_allclose(utterance_spectrum(utt).numpy(), ref, atol=1e-9)
        chunks = (len(ref) - 1) // seq_len
        for n in range(chunks):
            frames = ref[n * seq_len:(n + 1) * seq_len]
            target = 0.5 * np.log(np.abs(ref[n * seq_len + 1:(n + 1) * seq_len + 1]) ** 2 + LOG_EPS)
            scale = np.abs(frames).max()
            np.testing.assert_allclose(x[row + n].numpy(), frames, atol=1e-6 * scale)
            np.testing.assert_allclose(y[row + n].numpy(), target, atol=1e-5)
        row += chunks
    assert row == len(x)  # non-overlapping chunks, the last partial one of each utterance dropped


def test_next_frame_chunks_and_stft_edges():
    frames = torch.arange(11 * 3, dtype=torch.float64).reshape(11, 3).to(torch.complex128) + 1
    x, y = next_frame_chunks(frames, seq_len=4, eps=1e-12)
    assert x.shape == (2, 4, 3)  # (11 - 1) // 4 chunks
    torch.testing.assert_close(x.real.reshape(-1, 3), frames.real[:8].float())
    torch.testing.assert_close(y.reshape(-1, 3), frames.real[1:9].log().float())
    assert next_frame_chunks(frames[:4], seq_len=4)[0].shape == (0, 4, 3)
    assert stft_frames(np.zeros(100), 256, 64).shape == (0, 129)
    assert stft_frames(np.zeros(256 + 64 * 3), 256, 64).shape == (4, 129)
    with pytest.raises(ValueError, match="1-D signal"):
        stft_frames(np.zeros((2, 300)))


def test_load_timit_options_and_errors(corpus, monkeypatch, tmp_path):
    x, y = load_timit(corpus, "test", seq_len=20, n_fft=128, hop_length=32, max_utterances=2)
    assert x.shape[1:] == (20, 65) and len(x) == 2 * ((1 + (6400 - 128) // 32 - 1) // 20)
    x16, _ = load_timit(corpus, "test", seq_len=20, sample_rate=16000, max_utterances=1)
    assert len(x16) == (1 + (12800 - 256) // 64 - 1) // 20
    with pytest.raises(ValueError, match="use a smaller seq_len"):
        load_timit(corpus, "test", seq_len=500)
    with pytest.raises(ValueError, match="seq_len must be a positive int"):
        load_timit(corpus, "test", seq_len=0)
    monkeypatch.delenv("DEEPCOMPLEX_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="no data directory given.*--data-dir"):
        load_timit(None, "test")
    (tmp_path / "timit").symlink_to(corpus)
    monkeypatch.setenv("DEEPCOMPLEX_DATA", str(tmp_path))
    assert load_timit(None, "test", seq_len=20)[0].shape == load_timit(corpus, "test", seq_len=20)[0].shape
