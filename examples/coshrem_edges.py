"""Edges and ridges of a Fashion-MNIST test image (or a synthetic one) by CoShREM's measures, both shear modes, a PNG.

    python examples/coshrem_edges.py [--index 0] [--data-dir DIR] [--synthetic] [--out runs/coshrem_edges.png]

One row per shear mode ("exact", the default, and "coshrem", pyCoShREM's filters and quirks): the image, the edge
measure, the edge orientation (degrees of the normal, hue; blank where there is no edge) and the ridge measure. The
image is used in 0..255 grey levels, the scale of the measures' default contrast thresholds.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib
import numpy as np
import torch

from deepcomplex.shearlet import edge_measure, ridge_measure
from deepcomplex.train.plots import save_figure

SHEARS = ("exact", "coshrem")


def synthetic_image(size: int = 32) -> torch.Tensor:
    """A bright disc (edges of every orientation), a thin bright diagonal line (a ridge) and a dark bar, 0..255."""
    y, x = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64),
                          indexing="ij")
    image = torch.full((size, size), 60.0, dtype=torch.float64)
    image[(x - 0.35 * size) ** 2 + (y - 0.4 * size) ** 2 < (0.22 * size) ** 2] = 200.0
    image[(x - y - 0.3 * size).abs() < 0.5] = 255.0
    image[(y > 0.75 * size) & (y < 0.85 * size) & (x > 0.5 * size)] = 0.0
    return image


def load_image(index: int, data_dir) -> tuple[torch.Tensor, str]:
    from deepcomplex.data import load_part

    images, labels = load_part("fashion-mnist", "test", data_dir)
    if not 0 <= index < len(images):
        raise SystemExit(f"--index must be in [0, {len(images) - 1}], got {index}")
    return images[index].to(torch.float64), f"Fashion-MNIST test image {index} (label {int(labels[index])})"


def main(argv=None) -> Path:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=int, default=0, help="Fashion-MNIST test image index")
    p.add_argument("--data-dir", default=None, help="directory with the Fashion-MNIST IDX files")
    p.add_argument("--synthetic", action="store_true", help="use a synthetic 32 x 32 image instead")
    p.add_argument("--edge-contrast", type=float, default=4.0, help="edge_measure's min_contrast (grey levels)")
    p.add_argument("--ridge-contrast", type=float, default=None,
                   help="ridge_measure's min_contrast (default: (max - min) / 30 of the image)")
    p.add_argument("--out", default="runs/coshrem_edges.png")
    args = p.parse_args(argv)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    torch.set_num_threads(1)
    image, title = (synthetic_image(), "synthetic image") if args.synthetic else load_image(args.index, args.data_dir)
    fig, axes = plt.subplots(len(SHEARS), 4, figsize=(12, 3.2 * len(SHEARS)), squeeze=False)
    for row, shear in zip(axes, SHEARS):
        edges, angles = edge_measure(image, min_contrast=args.edge_contrast, shear=shear)
        ridges, _ = ridge_measure(image, min_contrast=args.ridge_contrast, shear=shear)
        print(f"shear={shear}: edge pixels {int((edges > 0).sum())}, max edge measure {float(edges.max()):.3f}; "
              f"ridge pixels {int((ridges > 0).sum())}, max ridge measure {float(ridges.max()):.3f}")
        panels = [(image, "gray", (0, 255), title), (edges, "magma", (0, 1), f"edge measure ({shear})"),
                  (np.ma.masked_less(angles.numpy(), 0), "hsv", (0, 180), f"edge orientation, degrees ({shear})"),
                  (ridges, "magma", (0, 1), f"ridge measure ({shear})")]
        for ax, (data, cmap, (lo, hi), name) in zip(row, panels):
            shown = ax.imshow(np.ma.asarray(data), cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            ax.set_title(name, fontsize=9)
            ax.set_axis_off()
            fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    out = Path(args.out)
    save_figure(fig, out, dpi=120)  # atomically, with a normal file's mode
    plt.close(fig)
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main()
