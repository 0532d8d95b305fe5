"""The README's quick main job: a small complex CNN on scikit-learn's digits learns."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import train_digits  # noqa: E402


def test_digits_cnn_learns(tmp_path):
    acc = train_digits.main(["--epochs", "4", "--out", str(tmp_path)])
    assert acc > 0.85  # chance is 0.10
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["test_accuracy"] == acc and result["epochs"] == 4 and result["parameters"] > 0
