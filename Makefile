# Everything installs into .venv from the package registries; nothing by hand.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The CPU build of torch 2.13.0 (a plain `pip install torch` would fetch a multi-GB CUDA build).
TORCH  ?= torch==2.13.0

.PHONY: install data demo test bench coshrem-reference clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[test,examples]"
	touch $@

# Fashion-MNIST from Debian's package (the IDX files land in /usr/share/datasets/fashion-mnist); needs root.
data:
	@test -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || \
		(apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist)

demo: install
	$(PY) examples/train_digits.py

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) benchmarks/bench_layers.py

# Regenerates tests/reference/coshrem_32.npz with pyCoShREM, in its own venv (it needs numpy<2; never a dependency).
coshrem-reference:
	$(PYTHON) -m venv /tmp/coshrem-venv
	/tmp/coshrem-venv/bin/pip install --quiet "numpy<2" pycoshrem
	/tmp/coshrem-venv/bin/python tests/reference/make_coshrem_reference.py

clean:
	rm -rf $(VENV) build *.egg-info
