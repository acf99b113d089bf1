# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   set up .venv, harmonise the sample data and build the sample meeting pack
#   make test   set up .venv with the test extras and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: demo test lab sample browser bench bench-growth bench-pack bench-explorer bench-audit clean

$(READY): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	# the project's kernel, so notebooks run with this environment in JupyterLab and papermill
	$(BIN)/python -m ipykernel install --sys-prefix --name flp-inquiry --display-name "Python (flp-inquiry)" >/dev/null
	touch $@

demo: $(READY)
	$(BIN)/flp-inquiry demo

test: $(READY) browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lab: $(READY)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)  # root: a container's user

# Regenerate the committed synthetic sample (deterministic: same seed, same bytes).
sample: $(READY)
	$(BIN)/flp-inquiry sample --scale 0.02 --seed 2008 --out data/sample

# Debian's Chromium, for the test that opens rendered reports in a real browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (the browser test will be skipped)"; fi; }

# District-scale figures (full-size synthetic districts, kept in benchmarks/data/, generated when missing or
# made by another generator):
# harmonise, reload, metrics, growth (issue 24), notebooks, a per-school pack, and how each grows with the
# data; also build/bench/results.json.
#   make bench BENCH_ARGS="--scale 0.05 --steps 1/2,1"   a quicker, smaller run
BENCH_ARGS ?=
bench: $(READY)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_explorer.py $(EXPLORER_ARGS)

# The coach's explorer (issue 25) alone: its start and 20 dropdown changes at full size.
#   make bench-explorer EXPLORER_ARGS="--scale 0.5"
EXPLORER_ARGS ?=
bench-explorer: $(READY)
	$(BIN)/python benchmarks/bench_explorer.py $(EXPLORER_ARGS)

# Growth (issue 24) for full-size districts alone: every school, grade and group (target under 5 s a district).
bench-growth: $(READY)
	$(BIN)/python benchmarks/bench_growth.py $(BENCH_ARGS)

# The privacy audit of a full-size district pack (90 schools x 6 questions, issue 22) beside the pack's own time.
bench-audit: $(READY)
	$(BIN)/python benchmarks/bench_audit.py $(BENCH_AUDIT_ARGS)

# Meeting-pack speed: flp-inquiry run against a papermill + nbconvert shell loop, and the kernel start-up floor.
bench-pack: $(READY)
	$(BIN)/python benchmarks/bench_pack.py

clean:
	rm -rf build .pytest_cache
