"""Argument checks shared by the data package's readers and generators (private to ``deepcomplex.data``)."""
from __future__ import annotations


def check_positive(name: str, **values) -> None:
    """Raise ValueError "<name>: <what> must be a positive int" unless every value is an int >= 1 (not a bool)."""
    for what, v in values.items():
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: {what} must be a positive int, got {v!r}")
