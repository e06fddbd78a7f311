"""Limits on restyled templates (render.py): a template in the letter's folder that loops, recurses, builds
huge values or is not UTF-8 ends within seconds in a one-line error naming the template and line, exit 1.

The CLI cases run ``letter-pdf check`` on copies of examples/joint-letter, all in one subprocess with a
timeout (a guard that stops working hangs there instead of hanging the suite)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from letter_pdf import letter as letter_module
from letter_pdf import render
from letter_pdf.errors import ResourceError
from letter_pdf.fonts import FontSet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "joint-letter"
HINT = " — fix the template, or delete your copy to use the bundled one"

# name -> (file in the letter's folder, its content (bytes: written as they are), the error line)
CASES = {
    "include_self": ("letter.html.j2", "{% include 'letter.html.j2' %}",
                     "letter.html.j2:1: the templates include each other over 10 deep" + HINT),
    "include_cycle": ("_signature.html.j2", "\n{% include '_window.html.j2' %}{% include '_signature.html.j2' %}",
                      "_signature.html.j2:2: the templates include each other over 10 deep" + HINT),
    "macro_recursion": ("letter.html.j2", "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}\n{{ f(0) }}",
                        "letter.html.j2:1: the template calls itself over 100 deep" + HINT),
    "macro_doubling": ("letter.html.j2",
                       "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}\n{{ f(0) }}",
                       "letter.html.j2:1: the template runs over 2,000,000 steps (a loop or a recursion too long)" + HINT),
    "not_utf8": ("letter.html.j2", b"<p>line one</p>\n\xff\xfe\x00garbage",
                 "letter.html.j2:2: the file is not UTF-8 text — save it as UTF-8 (a plain-text editor's \"UTF-8\" encoding)"),
    "css_not_utf8": ("letter.css", b":root { --accent: red }\n\n/* caf\xe9 */",
                     "letter.css:3: the file is not UTF-8 text — save it as UTF-8 (a plain-text editor's \"UTF-8\" encoding)"),
    "too_large": ("letter.html.j2", "x" * (render.TEMPLATE_MAX_BYTES + 1),
                  "letter.html.j2: the file is larger than 1,000,000 bytes" + HINT),
    "range_too_long": ("letter.html.j2",
                       "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
                       "letter.html.j2:1: the template asks for a range of 100,000 numbers; the limit is 10,000" + HINT),
    "loop_bomb": ("letter.html.j2", "<p>\n{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
                  "letter.html.j2:2: the template runs over 2,000,000 steps (a loop or a recursion too long)" + HINT),
    "string_loop_bomb": ("letter.html.j2",
                         "{% set s = 'ab' * 50000 %}\n\n{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
                         "letter.html.j2:3: the template runs over 2,000,000 steps (a loop or a recursion too long)" + HINT),
    "string_bomb": ("letter.html.j2", "{{ 'x' * 10**10 }}",
                    "letter.html.j2:1: the template would make a value of over 1,000,000 characters or items" + HINT),
    "string_times": ("letter.html.j2", "{{ 'ab' * 600000 }}",
                     "letter.html.j2:1: the template would make a value of over 1,000,000 characters or items" + HINT),
    "list_bomb": ("letter.html.j2", "{{ [1, 2] + [0] * 999999 }}",
                  "letter.html.j2:1: the template would make a value of over 1,000,000 characters or items" + HINT),
    "power_bomb": ("letter.html.j2", "{{ 7 ** 100000 }}",
                   "letter.html.j2:1: the template computes a number of over 4,096 bits" + HINT),
    "concat_doubling": ("letter.html.j2",
                        "{% set ns = namespace(s='x') %}\n{% for i in range(21) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                        "letter.html.j2:2: the template makes a value of 1,048,576 characters or items; "
                        "the limit is 1,000,000" + HINT),
    "join_bomb": ("letter.html.j2", "{{ (['x' * 1000] * 1000)|join('y' * 1000) }}",
                  "letter.html.j2:1: the template would make text of over 1,000,000 characters" + HINT),
    "replace_bomb": ("letter.html.j2", "{{ ('x' * 1000).replace('', 'y' * 1000) }}",
                     "letter.html.j2:1: the template would make text of over 1,000,000 characters" + HINT),
    "center_bomb": ("letter.html.j2", "{{ 'x'.center(10**8) }}",
                    "letter.html.j2:1: the template passes the number 1e+08 to a function; the limit is 1,000,000" + HINT),
    "percent_width": ("letter.html.j2", "{{ '%20000000d' % 1 }}",
                      "letter.html.j2:1: the template formats a field wider than 1,000,000 characters" + HINT),
    "format_width": ("letter.html.j2", "{{ '{:>20000000}'.format(1) }}",
                     "letter.html.j2:1: the template formats a field wider than 1,000,000 characters" + HINT),
    "output_too_long": ("letter.html.j2", "{% for i in range(30) %}{{ 'x' * 1000000 }}{% endfor %}",
                        "letter.html.j2: the template makes over 20,000,000 characters of HTML" + HINT),
    "fails": ("letter.html.j2", "<p>\n\n{{ 1 / 0 }}",
              "letter.html.j2:3: the template fails: ZeroDivisionError: division by zero" + HINT),
    "bad_values_for_a_bundled_partial": (
        "letter.html.j2", '{% set letter = {"sender": {"address": 5}} %}{% include "_window.html.j2" %}',
        "letter.html.j2:1: the template fails: TypeError: 'int' object is not iterable (in the bundled "
        "_window.html.j2:8 it uses)" + HINT),
    "cover_recursion": ("cover.html.j2", "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}",
                        "cover.html.j2:1: the template calls itself over 100 deep" + HINT),
    # refused when the letter is loaded, before anything renders (the template loader refuses them too),
    # named as the letter was typed (here by its absolute path)
    "fifo_template": ("letter.html.j2", None,
                      "FOLDER/letter.html.j2: the template is a named pipe (FIFO), not a regular file — replace it with a "
                      "regular file, or remove it (the bundled one of that name is used then)"),
    "fifo_stylesheet": ("letter.css", None,
                        "FOLDER/letter.css: the stylesheet is a named pipe (FIFO), not a regular file — replace it with a "
                        "regular file, or remove it (the bundled one of that name is used then)"),
}

# Runs `letter-pdf check FOLDER/letter.md` for each folder in one process; prints one JSON line per case.
DRIVER = """
import contextlib, io, json, sys
from letter_pdf.cli import main
for folder in sys.argv[1:]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(["check", folder + "/letter.md"])
            code = 0
        except SystemExit as exit:
            code = exit.code
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error: ")]
    print(json.dumps({"folder": folder, "code": code, "errors": errors}), flush=True)
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("limits")
    folders = []
    for name, (file, content, _line) in CASES.items():
        folder = base / name
        shutil.copytree(EXAMPLE, folder)
        if content is None:
            os.mkfifo(folder / file)
        elif isinstance(content, bytes):
            (folder / file).write_bytes(content)
        else:
            (folder / file).write_text(content, encoding="utf-8")
        folders.append(str(folder))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", DRIVER, *folders], capture_output=True, text=True, env=env,
                          timeout=300, cwd=base)
    assert done.returncode == 0, done.stderr[-2000:]
    by_folder = {entry["folder"]: entry for entry in map(json.loads, done.stdout.splitlines())}
    return {name: by_folder[str(base / name)] for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_template_ends_in_one_error_line(results, name):
    result = results[name]
    assert result["errors"] == ["error: " + CASES[name][2].replace("FOLDER", result["folder"])]
    assert result["code"] == 1


def _example(tmp_path: Path, template: str | None = None) -> letter_module.Letter:
    folder = tmp_path / "letter"
    shutil.copytree(EXAMPLE, folder)
    if template is not None:
        (folder / "letter.html.j2").write_text(template, encoding="utf-8")
    return letter_module.load_letter(folder / "letter.md")


def _render(letter) -> str:
    return render.render_letter(letter, paper=letter.paper, font_set=FontSet.bundled())


def test_python_recursion_beyond_the_depth_limit_is_one_error_too(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "DEPTH_MAX", 10**6)  # Python's own recursion limit comes first
    letter = _example(tmp_path, "{% macro f(n) %}{{ f(n+1) }}{% endmacro %}{{ f(0) }}")
    with pytest.raises(ResourceError) as info:
        _render(letter)
    assert str(info.value) == "letter.html.j2:1: the template calls itself without end" + HINT


def test_the_previous_trace_function_is_restored(tmp_path):
    def tracer(frame, event, arg):
        return None

    good = _example(tmp_path / "good")
    bad = _example(tmp_path / "bad", "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}")
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        _render(good)
        after_good = sys.gettrace()
        with pytest.raises(ResourceError, match="steps"):
            _render(bad)
        after_bad = sys.gettrace()
    finally:
        sys.settrace(previous)
    assert after_good is tracer and after_bad is tracer


def test_renderings_in_parallel_threads_count_their_own_work(tmp_path):
    """A hostile template refused in one thread while bundled ones render in others, each as alone."""
    good = _example(tmp_path / "good")
    alone = _render(good)
    # 1,200,000 steps each: under the budget alone, over it if the threads' steps were counted together
    busy = _example(tmp_path / "busy", "{% for i in range(1000) %}{% for j in range(600) %}{% endfor %}{% endfor %}"
                    + (render.assets.templates_dir() / "letter.html.j2").read_text(encoding="utf-8"))
    bad = _example(tmp_path / "bad", "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}")
    outcome: dict[str, object] = {}

    def run(name, letter):
        try:
            outcome[name] = _render(letter)
        except ResourceError as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=run, args=(name, letter)) for name, letter in
               (("good", good), ("busy1", busy), ("busy2", busy), ("bad", bad))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert outcome["good"] == alone
    assert isinstance(outcome["busy1"], str) and isinstance(outcome["busy2"], str)
    assert isinstance(outcome["bad"], ResourceError) and "over 2,000,000 steps" in str(outcome["bad"])
