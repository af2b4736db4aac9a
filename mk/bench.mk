# Speed and memory figures (issue 8): bench/mnist_mlp.py against scikit-learn and PyTorch, and the §3.7
# capstone accuracy over seeds. Included by the Makefile (SHELL bash -eu -o pipefail, .ONESHELL, BIN).
# The figures are printed and kept in _build/bench/ for the README; nothing here asserts a speed.
TORCH_REQ ?= torch==2.13.0
BENCH_ARGS ?= --epochs 9
BENCH_OUT := _build/bench

.PHONY: bench-deps bench bench-capstone

bench-deps: install  ## install PyTorch (CPU) into .venv for the benchmark; without it the bench skips torch
	@if $(BIN)/python -c "import torch" 2>/dev/null; then
	  echo "bench-deps: torch $$($(BIN)/python -c 'import torch; print(torch.__version__)') already installed"
	elif $(BIN)/pip install -q "$(TORCH_REQ)"; then
	  echo "bench-deps: installed $(TORCH_REQ)"
	else
	  echo "bench-deps: could not install $(TORCH_REQ): the benchmark will skip the PyTorch contender"
	fi

bench: bench-deps  ## MNIST epoch time/accuracy/memory vs scikit-learn and PyTorch: OPENBLAS_* as set, unset, and 1 thread
	@mkdir -p $(BENCH_OUT)
	echo "== load: $$(cut -d' ' -f1-3 /proc/loadavg) (figures are reliable only on a quiet machine)"
	echo "== 1/2: OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-(unset)} OPENBLAS_L2_SIZE=$${OPENBLAS_L2_SIZE:-(unset)}, as the environment sets them"
	$(BIN)/python bench/mnist_mlp.py $(BENCH_ARGS) --json $(BENCH_OUT)/as_set.json | tee $(BENCH_OUT)/as_set.txt
	echo "== 2/2: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
	  $(BIN)/python bench/mnist_mlp.py $(BENCH_ARGS) --json $(BENCH_OUT)/unset.json | tee $(BENCH_OUT)/unset.txt
	echo "== 3/3: one BLAS thread (what the book's pages use; less sensitive to a busy machine)"
	$(BIN)/python bench/mnist_mlp.py $(BENCH_ARGS) --threads 1 --json $(BENCH_OUT)/threads1.json | tee $(BENCH_OUT)/threads1.txt
	echo "bench: figures in $(BENCH_OUT)/as_set.txt, $(BENCH_OUT)/unset.txt and $(BENCH_OUT)/threads1.txt"

bench-capstone: install  ## the §3.7 capstone configuration, 3 seeds x at most 20 epochs via nnbook.fit: test accuracy
	@mkdir -p $(BENCH_OUT)
	$(BIN)/python bench/mnist_mlp.py --capstone | tee $(BENCH_OUT)/capstone.txt
