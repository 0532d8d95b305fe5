# Everything installs into .venv from the package registries; nothing by hand.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The CPU build of torch 2.13.0 (a plain `pip install torch` would fetch a multi-GB CUDA build).
TORCH  ?= torch==2.13.0

.PHONY: install data demo test bench clean

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

clean:
	rm -rf $(VENV) build *.egg-info
