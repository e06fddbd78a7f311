# letter-pdf: everything a fresh clone needs, from the package registries only.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
EXAMPLE := examples/joint-letter/letter.md
EXAMPLE_PDF := examples/joint-letter/letter.pdf

.PHONY: demo test bench preview clean

$(VENV)/.base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.base
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.base  ## build the bundled example and print the PDF's path
	$(PY) -m letter_pdf build $(EXAMPLE) -o $(EXAMPLE_PDF)
	@echo "$(abspath $(EXAMPLE_PDF))"

test: $(VENV)/.test  ## run the whole test suite
	$(PY) -m pytest -n 2 -q

bench: $(VENV)/.test  ## print speed and memory figures (see bench/README.md); takes several minutes
	$(PY) bench/build_sizes.py --stages
	$(PY) bench/signatories.py
	$(PY) bench/sign_verify.py
	$(PY) bench/archive_bench.py

preview: demo  ## re-render the README picture of page 1
	mkdir -p docs
	$(PY) -m letter_pdf preview $(EXAMPLE_PDF) --page 1 --dpi 70 -o docs/page1.png
	$(PY) -m letter_pdf preview $(EXAMPLE_PDF) --page 2 --dpi 70 -o docs/page2.png

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
