"""Docstrings of the public API (issue 21, item 5): every name in ``__all__`` of ``deepcomplex.nn``,
``deepcomplex.functional`` and ``deepcomplex.init`` has a torch-style docstring (one-line summary, ``Args:`` naming
every argument, ``Shape:``, ``Example::``), and its ``>>>`` examples run as doctests.

Select one namespace with ``-k nn``, ``-k functional`` or ``-k init`` (test ids are ``<namespace>.<name>``).
"""
from __future__ import annotations

import doctest
import inspect
import re

import pytest
import torch

import deepcomplex
import deepcomplex.functional as F
import deepcomplex.init as cinit
import deepcomplex.nn as nn

NAMESPACES = {"nn": nn, "functional": F, "init": cinit}
PUBLIC = [(ns, name) for ns, module in NAMESPACES.items() for name in module.__all__]
IDS = [f"{ns}.{name}" for ns, name in PUBLIC]
REQUIRED = ("Args:", "Shape:")
MAX_LINE = 120


def _sections(doc: str) -> dict[str, list[str]]:
    """Top-level sections of a cleaned docstring: header line (e.g. ``Args:``) -> its indented body lines."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in doc.splitlines():
        if line and not line[0].isspace():
            current = line.strip() if line.rstrip().endswith(":") else None
            if current is not None:
                sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
    return sections


def _arguments(obj) -> list[str]:
    """The argument names the ``Args:`` section must cover: a function's, or a class's constructor's."""
    if inspect.isclass(obj) and obj.__init__ is torch.nn.Module.__init__:
        return []  # no constructor of its own: nothing to configure
    return [p.name for p in inspect.signature(obj).parameters.values() if p.name != "self"]


def docstring_problems(obj) -> list[str]:
    """What a public object's own docstring lacks of the torch style; empty when it is complete."""
    raw = obj.__doc__
    if not raw or not raw.strip():
        return ["no docstring"]
    doc = inspect.cleandoc(raw)
    lines = doc.splitlines()
    problems = []
    if not lines[0].strip() or (len(lines) > 1 and lines[1].strip()):
        problems.append("the summary is not one line followed by a blank line")
    sections = _sections(doc)
    for header in REQUIRED:
        body = sections.get(header)
        if body is None:
            problems.append(f"no {header!r} section")
        elif not any(line.strip() for line in body):
            problems.append(f"the {header!r} section is empty")
    if not any(h in sections for h in ("Example::", "Examples::")):
        problems.append("no 'Example::' section")
    if ">>>" not in doc:
        problems.append("no '>>>' example")
    args = "\n".join(sections.get("Args:", []))
    for name in _arguments(obj):
        if not re.search(rf"^\s+\**{re.escape(name)}\b", args, re.MULTILINE):
            problems.append(f"argument {name!r} is not described under 'Args:'")
    long = [i + 1 for i, line in enumerate(raw.splitlines()) if len(line) > MAX_LINE]
    if long:
        problems.append(f"docstring lines over {MAX_LINE} characters: {long}")
    return problems


def run_examples(obj, name: str) -> tuple[int, int, str]:
    """Run the ``>>>`` examples of ``obj``'s own docstring; (attempted, failed, report)."""
    globs = {"torch": torch, "deepcomplex": deepcomplex, "nn": nn, "F": F}
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs=globs)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in tests:
        torch.manual_seed(0)
        runner.run(test, out=report.append)
    return runner.tries, runner.failures, "".join(report)


def test_every_namespace_has_public_names():
    for ns, module in NAMESPACES.items():
        assert module.__all__, ns
        for name in module.__all__:
            assert hasattr(module, name), f"{ns}.__all__ lists {name!r}, which the module does not define"


@pytest.mark.parametrize("ns,name", PUBLIC, ids=IDS)
def test_docstring_sections(ns, name):
    problems = docstring_problems(getattr(NAMESPACES[ns], name))
    assert not problems, f"{ns}.{name}: " + "; ".join(problems)


@pytest.mark.parametrize("ns,name", PUBLIC, ids=IDS)
def test_docstring_examples_run(ns, name):
    attempted, failed, report = run_examples(getattr(NAMESPACES[ns], name), f"{ns}.{name}")
    assert attempted, f"{ns}.{name}: no '>>>' example to run"
    assert not failed, f"{ns}.{name}: {failed} of {attempted} example lines failed\n{report}"


def _complete(x, scale=1.0):
    """Scale a tensor.

    Args:
        x: the tensor.
        scale: the factor. Default: 1.0

    Shape:
        - x: any shape; output: the same shape.

    Example::

        >>> torch.ones(2).shape
        torch.Size([2])
    """
    return x * scale


@pytest.mark.parametrize("drop", ["Args:", "Shape:", "Example::", "        scale:", "    >>> ", "\n\n"])
def test_checker_rejects_an_incomplete_docstring(drop):
    assert docstring_problems(_complete) == []
    assert run_examples(_complete, "_complete")[:2] == (1, 0)

    def incomplete():
        pass

    doc = _complete.__doc__
    if drop == "        scale:":
        doc = doc.replace("        scale: the factor. Default: 1.0\n", "")
        incomplete.__signature__ = inspect.signature(_complete)
    elif drop == "\n\n":
        doc = doc.replace("\n\n", "\n", 1)
    else:
        doc = doc.replace(drop, "")
    incomplete.__doc__ = doc
    assert docstring_problems(incomplete), f"a docstring without {drop!r} passed"


def test_a_failing_example_is_reported():
    def wrong():
        """Wrong.

        >>> torch.ones(2).shape
        torch.Size([3])
        """

    assert run_examples(wrong, "wrong")[:2] == (1, 1)
