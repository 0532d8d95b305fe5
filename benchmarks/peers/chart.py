"""The chart of the peer benchmark (docs/benchmarks.png): every library's time and peak memory relative to
deepcomplex's, per row, on a log scale."""
from __future__ import annotations

from pathlib import Path

from benchmarks.harness import write_file

from .adapters import ADAPTERS, LIBS
from .rows import TITLES

REAL_COLOR = "#937860"  # the real layer's bars; each library's color is its adapter's COLOR


def write_png(res: dict, path: Path) -> None:
    """Bar chart of every library's time and peak memory relative to deepcomplex, per row (log scale)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401  (matplotlib.ticker below)

    rows = res["rows"]
    series = [lib for lib in LIBS if lib != "deepcomplex"] + ["real"]
    colors = {**{lib: adapter.COLOR for lib, adapter in ADAPTERS.items()}, "real": REAL_COLOR}
    fig, axes = plt.subplots(2, 1, figsize=(12, 8), sharex=True)
    width = 0.8 / len(series)
    for ax, key, label in ((axes[0], "median_ms", "time / deepcomplex"), (axes[1], "peak_mib",
                                                                           "peak memory / deepcomplex")):
        for j, lib in enumerate(series):
            xs, ys = [], []
            for i, r in enumerate(rows):
                ours = r["results"]["deepcomplex"]
                other = r["real"] if lib == "real" else r["results"][lib]
                if other.get("status") == "ok" and ours.get("status") == "ok" and other.get(key) and ours.get(key):
                    xs.append(i + (j - (len(series) - 1) / 2) * width)
                    ys.append(other[key] / ours[key])
            ax.bar(xs, ys, width, label=lib if lib != "real" else "real layer (same size)", color=colors[lib])
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        lo, hi = ax.get_ylim()
        ax.yaxis.set_major_locator(matplotlib.ticker.FixedLocator(
            [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 50, 100) if lo <= t <= hi]))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_ylabel(label + " (log)")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0].set_title("Forward + backward relative to deepcomplex (> 1: deepcomplex is faster / smaller); "
                      f"torch {res['machine']['torch']}, {res['machine']['torch_threads']} thread(s)")
    axes[1].set_xticks(range(len(rows)))
    axes[1].set_xticklabels([TITLES[r["row"]] for r in rows], rotation=30, ha="right")
    axes[0].legend(ncol=3, fontsize=8)
    fig.tight_layout()
    write_file(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)
