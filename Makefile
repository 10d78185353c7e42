# The course's commands. `make lab` starts the course, `make test` runs every test.
# Both create the environment (.venv) and get the data first, and are quick when done before.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: lab test env data lint strip student site bench pretrain unit notebooks clean-env help

help:
	@echo "make lab    - set up, then start JupyterLab on notebooks/"
	@echo "make test   - set up, then run lint, unit tests and all notebooks (ci profile)"
	@echo "make data   - find (or fetch) and verify Fashion-MNIST"
	@echo "make strip  - put notebooks in their committed form (no outputs, slide metadata)"
	@echo "             and regenerate the student versions in student/"
	@echo "make student - regenerate the student versions only"
	@echo "make bench  - run the benchmark, write BENCHMARKS.md and bench/results.json"
	@echo "make pretrain - retrain every pretrained checkpoint (full profile, slow)"
	@echo "make site   - build the static HTML edition into site/ (COURSE_PROFILE=class for lecture quality)"

env: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

data: env
	@COURSE_OFFLINE=1 $(BIN)/python -m course_utils.data --quiet 2>/dev/null \
	  || { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	         echo "Fashion-MNIST not found locally: installing Debian's dataset-fashion-mnist"; \
	         (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
	          || (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null)) || true; \
	       fi; \
	       $(BIN)/python -m course_utils.data; }

lab: env data
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

lint: env
	$(BIN)/ruff check .

unit: env data
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests

notebooks: env data
	COURSE_PROFILE=ci $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope \
	  --nbval-lax --nbval-current-env -p no:cacheprovider notebooks

test: env data lint
	COURSE_PROFILE=ci $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope \
	  --nbval-lax --nbval-current-env tests notebooks student

strip: env
	$(BIN)/python tools/strip_outputs.py notebooks/*.ipynb
	$(BIN)/python tools/slides.py notebooks/*.ipynb
	$(BIN)/python tools/make_student.py

student: env
	$(BIN)/python tools/make_student.py

bench: env data
	$(BIN)/python bench/run.py

pretrain: env data
	$(BIN)/python -m course_utils.pretrain

site: env data
	$(BIN)/python tools/build_site.py --profile $${COURSE_PROFILE:-live} --out site

clean-env:
	rm -rf $(VENV)
