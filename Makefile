# Everything installs into .venv from the package registries; nothing by hand.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# torch 2.13.0. Which build pip installs depends on where it looks: from PyPI on Linux x86_64 it is the CUDA build
# (about 5 GB of venv with its nvidia-* wheels); give the CPU index for the CPU build (a 190 MB wheel, 750 MB
# installed), e.g. `make install TORCH_INDEX=https://download.pytorch.org/whl/cpu`. Pip configured with local CPU
# wheels (as on this project's machines: `pip config list`) gets the CPU build without it. TORCH picks another
# release or build (`TORCH=torch==2.13.0+cpu`, `TORCH="torch>=2.1"`).
TORCH       ?= torch==2.13.0
TORCH_INDEX ?=
# The extras `make install` adds: test (the test suite), examples, docs (Sphinx, to build the site with `make docs`).
EXTRAS      ?= test,examples,docs

.PHONY: install data demo coshnet coshnet-quick coshnet-paper audio-demo mri-demo test docs bench bench-peers coshrem-reference \
	clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile $(wildcard deepcomplex/csrc/*.cpp deepcomplex/csrc/*.h)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	$(PY) -m deepcomplex build-ext
	touch $@

# Fashion-MNIST from Debian's package (the IDX files land in /usr/share/datasets/fashion-mnist); needs root.
data:
	@test -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || \
		(apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist)

demo: install
	$(PY) examples/train_digits.py

# The main job: CoShNet on Fashion-MNIST with the best recipe measured (cosine-2x-flip: Adam from 2e-3 decayed to 0 by
# a cosine, batch 128, 20 epochs, random mirroring; seed 1), then its robustness table. `make coshnet-paper` (or
# RECIPE=paper) runs the paper's recipe (Adam 1e-3, constant). Each recipe gets its own run directory; re-running
# continues (or re-reports) it instead of overwriting it. The recipe sets the rate, batch and epochs: pass --lr etc.
# in ARGS to override.
MODEL  ?= coshnet_tiny
RECIPE ?= cosine-2x-flip
RUN    ?= runs/$(MODEL)-$(RECIPE)
ARGS   ?=
coshnet: install data
	$(PY) -m deepcomplex train --model $(MODEL) --seed 1 --recipe $(RECIPE) --out $(RUN) \
		$(if $(wildcard $(RUN)/checkpoint.pt),--resume) $(ARGS)
	$(PY) -m deepcomplex robustness $(RUN)

coshnet-paper:
	$(MAKE) coshnet RECIPE=paper

# A few minutes: 2 epochs on 6,000 training images, tested on 2,000.
coshnet-quick: install data
	$(PY) -m deepcomplex train --model $(MODEL) --epochs 2 --limit-train 6000 --limit-test 2000 --seed 1 --recipe $(RECIPE) \
		--out $(RUN)-quick $(if $(wildcard $(RUN)-quick/checkpoint.pt),--resume) $(ARGS)
	$(PY) -m deepcomplex robustness $(RUN)-quick --limit-test 2000

# Deep Complex Networks' audio tasks on generated look-alikes of MusicNet and TIMIT (the real corpora cannot be
# downloaded here: pass --data-dir to train on them): the four MusicNet models and both TIMIT ConvLSTMs, complex vs
# real. About 45 minutes at one thread here (measured: 21 for MusicNet, 20 for TIMIT). AUDIO_EPOCHS and TIMIT_EPOCHS set the lengths.
AUDIO_EPOCHS ?= 20
TIMIT_EPOCHS ?= 100
AUDIO_RUNS   ?= runs/audio-demo
audio-demo: install
	test -d data/musicnet-demo || $(PY) -m deepcomplex generate musicnet data/musicnet-demo
	test -d data/timit-demo || $(PY) -m deepcomplex generate timit data/timit-demo --size 4 --utterances 4 --seconds 2
	for m in musicnet_shallow musicnet_shallow_real musicnet_deep musicnet_deep_real; do \
		$(PY) -m deepcomplex train --task musicnet --model $$m --recipe dcn-musicnet --data-dir data/musicnet-demo \
			--epochs $(AUDIO_EPOCHS) --seed 1 --no-progress --out $(AUDIO_RUNS)/$$m \
			$$(test -f $(AUDIO_RUNS)/$$m/checkpoint.pt && echo --resume) || exit 1; done
	for m in timit_convlstm timit_convlstm_real; do \
		$(PY) -m deepcomplex train --task timit --model $$m --data-dir data/timit-demo \
			--epochs $(TIMIT_EPOCHS) --batch-size 16 --seed 1 --no-progress --out $(AUDIO_RUNS)/$$m \
			$$(test -f $(AUDIO_RUNS)/$$m/checkpoint.pt && echo --resume) || exit 1; done

# Complex U-Net vs its real twin (parameters within 2 %) on MRI reconstruction at 4x: the demo set built from the
# MNI152 template that ships in nilearn's wheel (synthetic phase), 3 seeds each, the robustness table at 4x/8x with
# k-space noise, then docs/RESULTS.md's section and docs/mri_demo.png (scripts/mri_demo.py). Installs the mri extra
# (nibabel, nilearn, h5py) when it is missing. MRI_ARGS: e.g. --seeds 1 --epochs 2 for a quick look.
MRI_ARGS ?=
mri-demo: install
	$(PY) -c "import h5py, nibabel, nilearn" 2>/dev/null || $(PY) -m pip install --quiet -e ".[mri]"
	$(PY) scripts/mri_demo.py $(MRI_ARGS)

test: install
	$(PY) -m pytest -q

# The documentation site (Sphinx; docs/conf.py) into site/, every warning an error. Offline: nothing is fetched.
docs: install
	$(PY) -m sphinx -W --keep-going -q -b html -d build/doctrees docs site

# The layer table with time and peak memory beside the real layer's (benchmarks/results/bench_layers.json); how the
# ratio to the real layer grows along batch, channels and spatial size (bench_sweep.json, docs/benchmarks_sweep.png;
# 81 s on the 2 idle cores here); the peak resident memory of CoShNet training steps beside its twins (bench_memory.json);
# where a coshnet_tiny training step spends its time (profile_coshnet_tiny.json). `make bench-peers` afterwards puts
# all of them into docs/BENCHMARKS.md (`python benchmarks/bench_peers.py --render-only` does without rerunning peers).
bench: install
	$(PY) benchmarks/bench_layers.py
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_step.py --memory
	$(PY) benchmarks/profile_step.py

# docs/BENCHMARKS.md: deepcomplex beside native torch and the peer libraries. The peers are benchmark-only and need
# nothing beyond torch, numpy and scipy for their layers, so they install without their other requirements.
PEERS ?= complexPyTorch==0.4 complextorch==2.1.1 torchcvnn==0.10.0 cplxmodule==2022.6
bench-peers: install
	$(PY) -m pip install --quiet --no-deps $(PEERS)
	$(PY) benchmarks/bench_peers.py

# Regenerates tests/reference/coshrem_32.npz and coshrem_measures_32.npz with pyCoShREM, in its own venv (it needs numpy<2; never a dependency).
coshrem-reference:
	$(PYTHON) -m venv /tmp/coshrem-venv
	/tmp/coshrem-venv/bin/pip install --quiet "numpy<2" pycoshrem
	/tmp/coshrem-venv/bin/python tests/reference/make_coshrem_reference.py

clean:
	rm -rf $(VENV) build site *.egg-info
