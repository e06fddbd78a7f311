# letter-pdf: everything a fresh clone needs, from the package registries only.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
EXAMPLE := examples/joint-letter/letter.md
EXAMPLE_PDF := examples/joint-letter/letter.pdf

.PHONY: demo test lint bench preview clean

# WeasyPrint needs the Pango text library from the system. Install it when it is missing and we can
# (Debian/Ubuntu as root); otherwise say what to install.
$(VENV)/.system:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0'; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1; \
	  else \
	    echo "letter-pdf needs the Pango library (WeasyPrint): install libpango-1.0-0 and libpangoft2-1.0-0" \
	         "(Debian/Ubuntu), pango (Homebrew, Fedora), then run make again" >&2; exit 1; \
	  fi; \
	fi
	@mkdir -p $(VENV) && touch $@

$(VENV)/.base: pyproject.toml $(VENV)/.system
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

test: lint  ## ruff and mypy, then the whole test suite
	$(PY) -m pytest -n 2 -q

lint: $(VENV)/.test  ## ruff (style, imports, likely bugs) and mypy (types) as configured in pyproject.toml
	$(VENV)/bin/ruff check letter_pdf tests bench
	$(VENV)/bin/mypy

bench: $(VENV)/.test  ## print speed and memory figures (see bench/README.md); takes several minutes
	$(PY) bench/build_sizes.py --stages
	$(PY) bench/signatories.py
	$(PY) bench/sign_verify.py
	$(PY) bench/archive_bench.py

.PHONY: mutate
MUTATE ?=
mutate: $(VENV)/.test  ## mutation testing of the guard functions (slow, not in CI; see tests/MUTATION.md)
	$(PY) -m pip install --quiet -e '.[test,mutate]'
	$(PY) tests/mutate.py $(MUTATE)

preview: demo  ## re-render the README picture of page 1
	mkdir -p docs
	$(PY) -m letter_pdf preview $(EXAMPLE_PDF) --page 1 --dpi 70 -o docs/page1.png
	$(PY) -m letter_pdf preview $(EXAMPLE_PDF) --page 2 --dpi 70 -o docs/page2.png

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
