"""The ``.. catalogue::`` directive: every public name of ``deepcomplex.nn``, ``deepcomplex.functional`` and
``deepcomplex.init``, read from their ``__all__`` at build time, one section per family.

A family is the module that defines a name (``deepcomplex.nn.pooling`` and ``deepcomplex.functional.pooling`` are the
family ``pooling``), so a layer added to a family's file and to ``__all__`` appears here with no edit of the docs, and a
new family file gets a section of its own. Each section has a summary table (autosummary) and then the full docstring
of every name (autodoc: equation, paper, ``Args:``, ``Shape:``, ``Example::``).
"""
from __future__ import annotations

import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

NAMESPACES = ("deepcomplex.nn", "deepcomplex.functional", "deepcomplex.init")
# Families in reading order; families not named here follow in alphabetical order.
ORDER = ("conv", "linear", "activation", "pooling", "dropout", "normalization", "recurrent", "split", "init")
TITLES = {"conv": "Convolution", "linear": "Linear", "activation": "Activations and heads", "pooling": "Pooling",
          "dropout": "Dropout", "normalization": "Normalization", "recurrent": "Recurrent",
          "split": "Split layers (CoShNet-tiny)", "split_activation": "Split activations", "init": "Initialisation"}
KINDS = {"deepcomplex.nn": "Modules", "deepcomplex.functional": "Functions", "deepcomplex.init": "Initialisers"}


def _family(module: str) -> str:
    """A file split by concern joins its family (``pooling_max`` -> ``pooling``) unless it has a title of its own."""
    if module in TITLES:
        return module
    head = module.split("_", 1)[0]
    return head if head in TITLES else module


def families() -> dict[str, dict[str, list[str]]]:
    """family -> namespace -> the qualified public names defined in that family, in ``__all__`` order."""
    out: dict[str, dict[str, list[str]]] = {}
    for ns in NAMESPACES:
        module = importlib.import_module(ns)
        for name in module.__all__:
            obj = getattr(module, name)
            home = getattr(obj, "__module__", None) or ns
            family = home.rsplit(".", 1)[-1] if home.startswith(ns + ".") else ns.rsplit(".", 1)[-1]
            out.setdefault(_family(family), {}).setdefault(ns, []).append(f"{ns}.{name}")
    rank = {f: i for i, f in enumerate(ORDER)}
    return dict(sorted(out.items(), key=lambda kv: (rank.get(kv[0], len(ORDER)), kv[0])))


def _summary(module_name: str) -> str:
    try:
        doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    except ImportError:
        return ""
    return doc.split("\n\n", 1)[0].replace("\n", " ").strip()


def catalogue_rst() -> list[str]:
    lines: list[str] = []
    for family, by_ns in families().items():
        title = TITLES.get(family, family.replace("_", " ").capitalize())
        lines += [title, "-" * len(title), ""]
        for ns, names in by_ns.items():
            summary = _summary(ns if ns == "deepcomplex.init" else f"{ns}.{family}")  # the family's own file
            kind = f"{KINDS[ns]} (``{ns}``)"
            lines += [kind, "~" * len(kind), ""]
            if summary:
                lines += [summary, ""]
            lines += [".. autosummary::", "   :nosignatures:", ""] + [f"   {n}" for n in names] + [""]
            for n in names:
                obj = importlib.import_module(ns)
                obj = getattr(obj, n.rsplit(".", 1)[-1])
                lines += [f".. auto{'class' if inspect.isclass(obj) else 'function'}:: {n}", ""]
    return lines


class Catalogue(SphinxDirective):
    """``.. catalogue::`` (no arguments): the generated sections, parsed in place."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        content = StringList(catalogue_rst(), source="<catalogue>")
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(self.state, content, node)
        for ns in NAMESPACES:
            self.env.note_dependency(importlib.import_module(ns).__file__)
        return node.children


def setup(app):
    app.add_directive("catalogue", Catalogue)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
