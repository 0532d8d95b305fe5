"""The layering rules of docs/ARCHITECTURE.md, checked on the source tree.

- no file under deepcomplex/ or benchmarks/ is over 600 lines;
- no module imports a private name (one starting with ``_``) from another package: a private module, function, class
  or constant defined in package P may be imported only by modules of P and of its subpackages;
- the packages import only what ARCHITECTURE.md allows them to.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
CHECKED_DIRS = ("deepcomplex", "benchmarks", "examples", "scripts")


def _sources(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py") if "results" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _package_of(path: Path) -> str:
    """The package a file's module belongs to (a package's __init__ belongs to the package itself)."""
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = _package_of(path).split(".")
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.append((node.lineno, _resolve(path, node), [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, []) for a in node.names)
    return found


def _private_owner(target: str) -> str | None:
    """For a dotted name with a private component, the package that owns it (the part before that component)."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def private_import_violations(paths: list[Path]) -> list[str]:
    problems = []
    for path in paths:
        importer = _package_of(path)
        for line, module, names in _imports(path):
            if not module.startswith("deepcomplex"):
                continue
            targets = [module] + [f"{module}.{n}" for n in names if n != "*"]
            for target in targets:
                owner = _private_owner(target)
                if owner is None:
                    continue
                # a name private to module M of package P is P's: M's own package may use it
                owner_pkg = owner if (ROOT / Path(*owner.split("."))).is_dir() else owner.rpartition(".")[0]
                if not (importer == owner_pkg or importer.startswith(owner_pkg + ".")):
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {importer or '<top>'} imports {target}")
    return problems


def test_no_file_over_600_lines():
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _sources("deepcomplex", "benchmarks")
            if (n := len(p.read_text().splitlines())) > MAX_LINES]
    assert not long, "files over 600 lines:\n" + "\n".join(long)


def test_no_private_names_across_packages():
    problems = private_import_violations(_sources(*CHECKED_DIRS))
    assert not problems, "private names imported from another package:\n" + "\n".join(problems)


def test_the_private_import_check_catches_what_it_should(tmp_path, monkeypatch):
    """The checker itself: a cross-package private import is reported, a same-package one is not."""
    fake = tmp_path / "deepcomplex"
    (fake / "nn").mkdir(parents=True)
    (fake / "shearlet").mkdir()
    for d in (fake, fake / "nn", fake / "shearlet"):
        (d / "__init__.py").write_text("")
    (fake / "_layout.py").write_text("def helper():\n    pass\n")
    (fake / "nn" / "_utils.py").write_text("class Base:\n    pass\n")
    (fake / "nn" / "conv.py").write_text("from ._utils import Base\nfrom .._layout import helper\n")
    bad = fake / "shearlet" / "transform.py"
    bad.write_text("from ..nn._utils import Base\nfrom ..nn.conv import _check\nfrom .._layout import helper\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = private_import_violations(sorted(fake.rglob("*.py")))
    assert len(found) == 3 and all("shearlet/transform.py" in f for f in found), found
    assert any("nn._utils.Base" in f for f in found) and any("nn.conv._check" in f for f in found), found


# What each package may import from the project (docs/ARCHITECTURE.md). Top-level internals (_layout, _validation,
# _extension) and deepcomplex.io are open to every package.
ALLOWED = {
    "functional": set(),
    "init": set(),
    "nn": {"functional", "init"},
    "layers": {"functional", "init", "nn"},
    "shearlet": {"functional", "nn", "layers"},
    "models": {"functional", "init", "nn", "layers", "shearlet", "pretrained"},
    "pretrained": set(),
    "data": {"functional"},
    "train": {"functional", "nn", "models", "data", "layers", "shearlet", "export"},
    "export": {"functional", "nn"},
}
OPEN = {"_layout", "_validation", "_extension", "io", "backends", ""}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_what_architecture_allows(package):
    base = ROOT / "deepcomplex" / package
    paths = _sources(f"deepcomplex/{package}") if base.is_dir() else [base.with_suffix(".py")]
    if not all(p.exists() for p in paths):
        pytest.fail(f"deepcomplex.{package} is named in ARCHITECTURE.md but does not exist")
    wrong = []
    for path in paths:
        for line, module, _ in _imports(path):
            parts = module.split(".")
            if parts[0] != "deepcomplex" or len(parts) < 2:
                continue
            other = parts[1]
            if other not in OPEN and other != package and other not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert not wrong, f"deepcomplex.{package} may import only {sorted(ALLOWED[package] | OPEN)}:\n" + "\n".join(wrong)
