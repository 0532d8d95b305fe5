"""deepcomplex.train.metrics: micro-averaged average precision, checked against scikit-learn's definition."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from deepcomplex.train.metrics import average_precision_micro


def sk(scores, targets) -> float:
    return float(average_precision_score(np.asarray(targets), np.asarray(scores), average="micro"))


@pytest.mark.parametrize("seed", range(40))
def test_matches_sklearn_on_random_data_with_ties(seed):
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 60)), int(rng.integers(2, 12))
    targets = (rng.random((n, c)) < rng.uniform(0.02, 0.9)).astype(np.int64)
    targets[:, 0] = 0  # an all-zero column (a note that never sounds)
    if targets.sum() == 0:
        targets[0, 1] = 1
    scores = np.round(rng.normal(size=(n, c)), int(rng.integers(0, 3)))  # coarse rounding: many tied scores
    assert abs(average_precision_micro(scores, targets) - sk(scores, targets)) <= 1e-12


def test_known_values_and_inputs():
    # ranks: 0.9 (pos), 0.8 (neg), 0.7 (pos): AP = 1/2 * 1 + 1/2 * 2/3
    assert average_precision_micro([0.9, 0.8, 0.7], [1, 0, 1]) == pytest.approx(1 / 2 + 1 / 3, abs=1e-15)
    # all scores tied: one threshold, AP = the positive rate
    assert average_precision_micro(np.zeros((4, 3)), np.eye(4, 3)) == pytest.approx(3 / 12, abs=1e-15)
    perfect = np.array([[0.1, 0.9], [0.8, 0.2]])
    assert average_precision_micro(perfect, perfect > 0.5) == 1.0
    rng = np.random.default_rng(0)
    scores = torch.randn(50, 84)
    targets = (torch.rand(50, 84) < 0.05).float()
    expected = sk(scores.numpy(), targets.numpy())
    assert abs(average_precision_micro(scores, targets) - expected) <= 1e-12
    assert abs(average_precision_micro(scores.double(), targets.bool()) - expected) <= 1e-12
    assert abs(average_precision_micro(torch.sigmoid(scores.double()), targets) - expected) <= 1e-12  # order only
    assert isinstance(average_precision_micro(scores, targets), float)
    big = rng.normal(size=(3000, 84)).round(1)
    big_t = rng.random((3000, 84)) < 0.03
    assert abs(average_precision_micro(big, big_t) - sk(big, big_t)) <= 1e-12


def test_errors():
    with pytest.raises(ValueError, match=r"shape \(2, 3\) but targets \(3, 2\)"):
        average_precision_micro(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must be 0 or 1"):
        average_precision_micro(np.zeros(3), np.array([0, 2, 1]))
    with pytest.raises(ValueError, match="must be 0 or 1"):
        average_precision_micro(np.zeros(3), np.array([0, 0.5, 1]))
    with pytest.raises(ValueError, match="no positive"):
        average_precision_micro(np.ones((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        average_precision_micro(np.array([np.nan, 1.0]), np.array([0, 1]))
    with pytest.raises(ValueError, match="empty"):
        average_precision_micro(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="complex"):
        average_precision_micro(torch.zeros(2, dtype=torch.complex64), torch.ones(2))
