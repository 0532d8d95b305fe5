"""Side-by-side benchmark of deepcomplex against native torch complex and the peer complex-valued libraries
(complexPyTorch, complextorch, torchcvnn, cplxmodule): forward + backward time, peak memory, output agreement with
the same weights, and default initialisations. ``python benchmarks/bench_peers.py`` runs it and writes
docs/BENCHMARKS.md, docs/benchmarks.png and benchmarks/results/bench_peers.json.

Rows (``rows.ROWS``): conv1d, conv2d, conv3d, linear, batchnorm (training), layernorm, crelu, modrelu, zrelu,
maxpool2d, avgpool2d, coshnet (one CoShNet-base training step); mha, encoder_layer (rows_transformer); upsample2d,
upsample2d_polar, maxpool1d, maxpool3d, adaptiveavgpool3d, spectralpool3d (rows_resampling); rmsnorm, mseloss,
bilinear (rows_extra); gru, ctanh, cprelu, zleakyrelu, modtanh (rows_recurrent); naivebn1d, naivebn3d, dropout1d,
dropout3d (rows_parity); and zabsrelu for agreement only. Contenders per row: deepcomplex, native
torch complex (where torch has the op), each peer (where it has the layer and imports), and a real layer of the same
size. CoShNet: no peer ships it, so each library's column is CoShNet-base composed from that library's own conv2d,
linear, CReLU and average pooling behind the same torch FFT front end ifft2(fft2(x) * kernel) (no peer has
shearlets); deepcomplex runs create_model("coshnet_base") with its fused shearlet front end.

Modules:

- ``spec``: the data types (Impl, RowSpec, Entry and the cases a row hands the adapters);
- ``adapters/``: one module per library (native and each peer) that builds its layer with deepcomplex's parameters
  in its own layout, and explains its known convention differences;
- ``rows``: the row table (title, sizes per mode, builder), with a ``rows_<family>.py`` file per family of rows;
- ``mapping``: parameter layouts shared by adapters, the whitening reference, CoShNet composed from any library;
- ``measure``: timing and peak memory (on the harness of benchmarks/harness.py);
- ``agreement``: output agreement and default initialisations;
- ``report`` / ``chart``: the Markdown page, the terminal summary and the PNG chart;
- ``cli``: the command line.

Adding a row: one entry in ``rows.ROW_TABLE`` (plus a builder in rows.py if no existing one fits), and the kind's
function in the adapters of the libraries that have the layer. Adding a library: one module in ``adapters/`` and its
entry in ``adapters.ADAPTERS``.
"""
from __future__ import annotations

from .adapters import LIBS, PEERS, load_peers
from .agreement import agreement_row, init_checks
from .cli import main
from .measure import instantiate, time_row
from .rows import ROWS, TITLES, build_row
from .spec import Impl, RowSpec

__all__ = ["Impl", "LIBS", "PEERS", "ROWS", "RowSpec", "TITLES", "agreement_row", "build_row", "init_checks",
           "instantiate", "load_peers", "main", "time_row"]
