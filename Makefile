# The course's commands. `make lab` starts the course, `make test` runs every test.
# Both create the environment (.venv) and get the data first, and are quick when done before.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2
# The test run executes each notebook once (tests/executed.py). tests/conftest.py schedules
# loadscope with one unit per notebook (its run, outputs and student version), heaviest first,
# so both workers run notebooks from the start.
# bench/run.py (SUITE_ARGS) measures exactly this command; tests/test_bench.py keeps them equal.
TEST_ARGS := -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder
# make test-fast: lint, the unit tests and the notebooks named by NB (e.g. NB=04 or NB=04,05),
# without the site and browser tests and the tests slower than 1 s in the last run (marked slow)
FAST_MARKS := not all_notebooks and not slow
NB ?=

.PHONY: lab test test-fast env data lint strip student site bench pretrain unit notebooks clean-env help

help:
	@echo "make lab    - set up, then start JupyterLab on notebooks/"
	@echo "make test   - set up, then run lint, unit tests, every notebook and student version"
	@echo "             (ci profile, each executed once), the static site and the browser test"
	@echo "make test-fast NB=04 - lint, the fast unit tests and notebook 04 with its student"
	@echo "             version (under a minute; make test runs everything)"
	@echo "make data   - find (or fetch) and verify Fashion-MNIST"
	@echo "make strip  - put notebooks in their committed form (no outputs, slide metadata)"
	@echo "             and regenerate the student versions in student/"
	@echo "make student - regenerate the student versions only"
	@echo "make bench  - run the benchmark, write BENCHMARKS.md and bench/results.json"
	@echo "make pretrain - retrain every pretrained checkpoint (full profile, slow)"
	@echo "make site   - build the static HTML edition into site/ (COURSE_PROFILE=class for lecture quality)"
	@echo "make slides - execute the notebooks (COURSE_PROFILE, default live) and write offline reveal.js"
	@echo "             decks to build/slides/ (one notebook: make slides NB=notebooks/04_autoencoders.ipynb)"
	@echo "make answers - answer key: every notebook in class and live, pages and headline numbers"
	@echo "             over three seeds in build/answers/ (slow: under an hour on 2 cores)"

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
	COURSE_PROFILE=ci $(BIN)/python -m pytest $(TEST_ARGS) -m "not all_notebooks" \
	  --notebooks none tests

notebooks: env data
	COURSE_PROFILE=ci $(BIN)/python -m pytest $(TEST_ARGS) -m notebook tests

test: env data lint
	COURSE_PROFILE=ci $(BIN)/python -m pytest $(TEST_ARGS) tests

test-fast: env data lint
	COURSE_PROFILE=ci $(BIN)/python -m pytest $(TEST_ARGS) -m "$(FAST_MARKS)" \
	  --notebooks "$(or $(NB),none)" tests

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

.PHONY: slides answers
slides: env data
	$(BIN)/python tools/build_slides.py --profile $${COURSE_PROFILE:-live} --out build/slides $(NB)

answers: env data
	$(BIN)/python tools/answers.py --out build/answers $(NB)

clean-env:
	rm -rf $(VENV)
