"""The validated letter -> HTML (Jinja2, sandboxed, autoescaped), ready for ``typeset.typeset``.

Templates and the stylesheet live in the bundled ``templates/`` folder. A letter may restyle itself:
a ``letter.css`` (or ``letter.html.j2``, or any ``_*.html.j2`` partial) in the letter's own folder is used
instead of the bundled file of the same name. Every value from the letter is data: autoescape is on,
undefined names are errors, and templates run in Jinja's sandbox.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.compiler
import jinja2.sandbox
from markupsafe import Markup

from letter_pdf import arrange, assets, body, columns, countries, labels, template_cache
from letter_pdf.counts import on_behalf
from letter_pdf.errors import LetterPdfError, ResourceError
from letter_pdf.files import NotRegular, TooLarge, read_capped
from letter_pdf.fonts import FontSet
from letter_pdf.model import PAPERS, Letter, Signatory

LETTER_TEMPLATE = "letter.html.j2"
LETTER_CSS = "letter.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}

_CSS_NAME = re.compile(r"--[a-z][a-z0-9-]*")
_CSS_VALUE = re.compile(r"[0-9]+(\.[0-9]+)?(pt|mm)?")
_CSS_SELECTOR = re.compile(r":root( > :nth-child\([0-9]+\))+")


@dataclass(frozen=True)
class Fit:
    """What the page check (``pagecheck.py``) asks the templates to change after measuring a typesetting.

    ``variables``: CSS custom properties set on the root (``("--recipient-size", "9pt")``), read by
    ``letter.css`` and ``cover.css``; ``unhyphenated``: selectors of blocks not to hyphenate; the rest are
    choices the templates make (the return line's separator, whether it leaves out the sender's last
    address line, the cover's enclosure columns). The default changes nothing.
    """

    variables: tuple[tuple[str, str], ...] = ()
    unhyphenated: tuple[str, ...] = ()
    return_separator: str = " · "
    return_drop_last: bool = False
    enclosure_columns: int = 1

    def css(self) -> Markup:
        """The rules that carry ``variables`` and ``unhyphenated`` (empty for the default)."""
        for name, value in self.variables:
            if not (_CSS_NAME.fullmatch(name) and _CSS_VALUE.fullmatch(value)):
                raise ValueError(f"not a fitting variable: {name}: {value}")
        for selector in self.unhyphenated:
            if not _CSS_SELECTOR.fullmatch(selector):
                raise ValueError(f"not a fitting selector: {selector}")
        rules = []
        if self.variables:
            rules.append(":root:root { " + " ".join(f"{n}: {v};" for n, v in self.variables) + " }")
        if self.unhyphenated:
            rules.append(", ".join(self.unhyphenated) + " { hyphens: none; }")
        return Markup("\n".join(rules))


# Limits on rendering a template: a restyled copy in the letter's folder is input like any other, so any
# template ends within seconds in a page or a one-line error naming the template and line (README, "Restyling").
TEMPLATE_MAX_BYTES = 1_000_000  # one template or stylesheet file
OUTPUT_MAX_CHARS = 20_000_000  # the HTML one rendering makes
VALUE_MAX = 1_000_000  # characters or items of a value the template makes; also the largest number argument
INT_MAX_BITS = 4096  # a number computed with * or ** (about 1,200 digits)
RANGE_MAX = 10_000  # items of range()
STEPS_MAX = 2_000_000  # template lines run in one rendering (loops included)
DEPTH_MAX = 100  # template functions running inside each other (macros calling macros, includes)
INCLUDE_MAX = 10  # templates included, imported or extended inside each other

_HINT = "fix the template, or delete your copy to use the bundled one"


class _Refused(Exception):
    """A template went beyond a limit; turned into a ``ResourceError`` naming the template and line (of the
    caller, with ``on_call``: the line that includes or calls one too many)."""

    def __init__(self, message: str, *, on_call: bool = False):
        super().__init__(message)
        self.on_call = on_call


class _Loader(jinja2.BaseLoader):
    """Templates in one folder, read as UTF-8 within ``TEMPLATE_MAX_BYTES``. In a letter's folder
    (``confined``) a name found there must be a regular file inside the folder: a link out of it, a FIFO
    or a device is refused, rather than waited on or passed over for the bundled file."""

    def __init__(self, folder: Path, names: dict[str, tuple[str, bool]], *, confined: bool):
        self.root = Path(folder).resolve()
        self.folder = str(folder)
        self.names = names  # file name -> (template name, in the letter's folder), for error messages
        self.confined = confined

    def get_source(self, environment, template):
        from jinja2.loaders import split_template_path

        filename = os.path.normpath(os.path.join(self.folder, *split_template_path(template)))
        if not os.path.lexists(filename):
            raise jinja2.TemplateNotFound(template)
        if self.confined:
            real = Path(filename).resolve()
            if real != self.root and self.root not in real.parents:
                raise ResourceError(
                    f"refused to use the template '{template}': it is a link to a file outside the letter's folder",
                    where=template,
                    hint="copy the file into the letter's folder instead of linking to it",
                )
        source = _read_template(filename, template)
        self.names[filename] = (template, self.confined)
        if self.confined and isinstance(environment, _Environment):
            environment.user_files.add(filename)
        mtime = os.path.getmtime(filename)
        return source, filename, lambda: os.path.getmtime(filename) == mtime


def _read_template(filename: str, template: str) -> str:
    try:
        data = read_capped(filename, TEMPLATE_MAX_BYTES)
    except (NotRegular, IsADirectoryError):
        raise ResourceError("not a regular file (a FIFO, a device or a folder)", where=template,
                            hint="put a text file of that name in the letter's folder, or remove it") from None
    except TooLarge:
        raise ResourceError(f"the file is larger than {TEMPLATE_MAX_BYTES:,} bytes", where=template, hint=_HINT) from None
    except OSError as exc:
        raise ResourceError(f"cannot read the file: {exc.strerror}", where=template, hint=_HINT) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ResourceError("the file is not UTF-8 text", where=f"{template}:{line}",
                            hint="save it as UTF-8 (a plain-text editor's \"UTF-8\" encoding)") from None


_SPEC = re.compile(r"%[-+ #0]*[0-9*]*(?:\.[0-9*]*)?|\{[^{}]*\}")  # a %-format or str.format field


def _check_value(value):
    """``value``, unless it is text or a collection larger than ``VALUE_MAX``."""
    if isinstance(value, str | list | tuple | dict | set | frozenset) and len(value) > VALUE_MAX:
        raise _Refused(f"the template makes a value of {len(value):,} characters or items; the limit is {VALUE_MAX:,}")
    return value


def _check_args(args, kwargs) -> None:
    """No number over ``VALUE_MAX`` as an argument, no format field wider than it (``'%9999999d'``)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and abs(value) > VALUE_MAX:
            raise _Refused(f"the template passes the number {value:.3g} to a function; the limit is {VALUE_MAX:,}")
        if isinstance(value, str) and len(value) > 7 and any(
            len(number) > 6 for spec in _SPEC.findall(value) for number in re.findall(r"[0-9]+", spec)
        ):
            raise _Refused(f"the template formats a field wider than {VALUE_MAX:,} characters")


def _grown_size(function, args, kwargs) -> int:
    """At most how long what ``join`` or ``replace`` would make is (0 for other functions)."""
    name = getattr(function, "__name__", "")
    owner = getattr(function, "__self__", None)
    if name not in ("join", "do_join", "replace", "do_replace"):
        return 0
    if isinstance(owner, str):  # the str methods: text.join(items), text.replace(old, new)
        values = dict(zip(("value", "d") if name == "join" else ("s", "old", "new"),
                          (args[0], owner) if args and name == "join" else (owner, *args)))
    else:  # the filters do_join(eval_ctx, value, d, attribute), do_replace(eval_ctx, s, old, new, count)
        try:
            values = inspect.signature(function).bind(*args, **kwargs).arguments
        except TypeError:
            return 0
    if name.endswith("join"):
        items, separator = values.get("value"), values.get("d", "")
        if isinstance(items, list | tuple) and isinstance(separator, str):
            return sum(len(i) if isinstance(i, str) else 1 for i in items) + len(separator) * len(items)
        return 0
    text, old, new = values.get("s"), values.get("old"), values.get("new")
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        return len(text) + (len(text) // max(len(old), 1) + 1) * (len(new) - len(old))
    return 0


def _checked_filter(function):
    @functools.wraps(function)
    def checked(*args, **kwargs):
        _check_args(args[1:], kwargs)
        if _grown_size(function, args, kwargs) > VALUE_MAX:
            raise _Refused(f"the template would make text of over {VALUE_MAX:,} characters")
        return _check_value(function(*args, **kwargs))

    return checked


def _range(*args):
    if len(range(*args)) > RANGE_MAX:
        raise _Refused(f"the template asks for a range of {len(range(*args)):,} numbers; the limit is {RANGE_MAX:,}")
    return range(*args)


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    def visit_Concat(self, node, frame):  # ``a ~ b`` is checked like the other operators
        self.write("environment.checked_value(")
        super().visit_Concat(node, frame)
        self.write(")")


class _Environment(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox with limits on what one operation may make (the constants above)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CodeGenerator
    checked_value = staticmethod(_check_value)

    def __init__(self, **options):
        super().__init__(**options)
        self.template_names: dict[str, tuple[str, bool]] = {}
        self.user_files: set[str] = set()  # the templates from the letter's folder
        self.globals["range"] = _range
        self.globals.pop("lipsum", None)  # placeholder text of any length: of no use in a letter
        self.filters = {name: _checked_filter(function) for name, function in self.filters.items()}

    def _load_template(self, name, globals):  # compiling is not the template's work: not traced
        previous = sys.gettrace()
        sys.settrace(None)
        try:
            return super()._load_template(name, globals)
        finally:
            sys.settrace(previous)

    def call_binop(self, context, operator, left, right):
        numbers = isinstance(left, int) and isinstance(right, int)
        if numbers and (
            (operator == "**" and right > 0 and abs(left) > 1 and right * abs(left).bit_length() > INT_MAX_BITS)
            or (operator == "*" and left.bit_length() + right.bit_length() > INT_MAX_BITS)
        ):
            raise _Refused(f"the template computes a number of over {INT_MAX_BITS:,} bits")
        if operator == "*" and not numbers:
            sized, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(times, int) and hasattr(sized, "__len__") and len(sized) * max(times, 0) > VALUE_MAX:
                raise _Refused(f"the template would make a value of over {VALUE_MAX:,} characters or items")
        if operator == "+" and hasattr(left, "__len__") and hasattr(right, "__len__") \
                and len(left) + len(right) > VALUE_MAX:
            raise _Refused(f"the template would make a value of over {VALUE_MAX:,} characters or items")
        if operator == "%" and isinstance(left, str):
            _check_args((left, *(right if isinstance(right, tuple) else (right,))), {})
        return _check_value(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (the names of Jinja's own signature)
        _check_args(args, kwargs)
        target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        if isinstance(getattr(target, "__self__", None), str) and getattr(target, "__name__", "") in ("format", "format_map"):
            _check_args((target.__self__,), {})
        if _grown_size(target, args, kwargs) > VALUE_MAX:
            raise _Refused(f"the template would make text of over {VALUE_MAX:,} characters")
        return _check_value(super().call(__context, __obj, *args, **kwargs))


def environment(folder: Path | None = None) -> _Environment:
    """The Jinja2 environment of letter-pdf's templates: sandboxed, autoescaping, strict about names.

    With ``folder`` (a letter's folder), a template file there overrides the bundled one of that name.
    """
    names: dict[str, tuple[str, bool]] = {}
    loader: jinja2.BaseLoader = _Loader(assets.templates_dir(), names, confined=False)
    if folder is not None:
        loader = jinja2.ChoiceLoader([_Loader(folder, names, confined=True), loader])
    env = _Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=template_cache.COMPILED,  # compiled once per process, checked against the source
    )
    env.template_names = names
    env.globals["stylesheet"] = lambda name: stylesheet(env, name)
    env.filters["css_string"] = css_string
    env.filters["address_link"] = body.address_link  # printed web and e-mail addresses are links
    return env


class _Budget:
    """The work of one rendering: template lines run, and template functions running inside each other.
    A trace function of the rendering thread only (``sys.settrace``), on only while a template renders;
    it counts only in the templates from the letter's folder: a loop or a recursion without end has one of
    them in it, as the bundled ones loop only over the letter's data."""

    def __init__(self, env: _Environment):
        self.files = env.user_files  # filled as the templates load
        self.steps = 0
        self.depth = 0
        self.includes = 0

    def enter(self, frame, event, _arg):
        if event != "call" or frame.f_code.co_filename not in self.files:
            return None
        self.depth += 1
        if frame.f_code.co_name == "root":  # a template's body: included, imported or extended
            self.includes += 1
            if self.includes > INCLUDE_MAX:
                raise _Refused(f"the templates include each other over {INCLUDE_MAX} deep", on_call=True)
        if self.depth > DEPTH_MAX:
            raise _Refused(f"the template calls itself over {DEPTH_MAX} deep", on_call=True)
        return self.step

    def step(self, frame, event, _arg):
        if event == "line":
            self.steps += 1
            if self.steps > STEPS_MAX:
                raise _Refused(f"the template runs over {STEPS_MAX:,} steps (a loop or a recursion too long)")
        elif event == "return":  # a template function returns or yields
            self.depth -= 1
            if frame.f_code.co_name == "root":
                self.includes -= 1
        return self.step


def _where(env: _Environment, tb, *, user_only: bool = False, caller: bool = False, own: bool = False) -> str | None:
    """``template:line`` of the innermost template in traceback ``tb`` (its caller, with ``caller``; the innermost
    from the letter's folder, with ``own``); None when that is not from the letter's folder and ``user_only``.
    Jinja has rewritten the traceback's template frames to the templates' own lines."""
    found = []
    for entry in traceback.extract_tb(tb):
        name, user = env.template_names.get(entry.filename, (None, False))
        if name is not None:
            found.append((f"{name}:{entry.lineno}", user))
    if own:
        found = [place for place in found if place[1]]
    if caller and len(found) > 1:
        found.pop()
    if not found or (user_only and not found[-1][1]):
        return None
    return found[-1][0]


def _render(env: _Environment, name: str, context: dict, folder: Path | None) -> str:
    """Template ``name`` rendered within the limits above; ``ResourceError`` naming the template and line
    when it goes beyond one, calls itself without end, or fails (a template in the letter's folder).

    The step budget (a trace function, which slows rendering down) watches only when the letter's folder
    holds a template."""
    template = env.get_template(name)
    budget = _Budget(env)
    pieces: list[str] = []
    size = 0
    previous = sys.gettrace()
    if folder is not None and any(Path(folder).glob("*.html.j2")):
        sys.settrace(budget.enter)
    try:
        for piece in template.generate(context):
            size += len(piece)
            if size > OUTPUT_MAX_CHARS:
                raise ResourceError(f"the template makes over {OUTPUT_MAX_CHARS:,} characters of HTML", where=name,
                                    hint=_HINT)
            pieces.append(piece)
    except _Refused as exc:
        where = _where(env, exc.__traceback__, caller=exc.on_call) or name
        raise ResourceError(str(exc), where=where, hint=_HINT) from None
    except RecursionError as exc:
        raise ResourceError("the template calls itself without end", where=_where(env, exc.__traceback__) or name,
                            hint=_HINT) from None
    except (jinja2.TemplateError, LetterPdfError):
        raise
    except Exception as exc:
        failed = _where(env, exc.__traceback__, user_only=True)
        inside = None
        if failed is None:  # in a bundled template: a bug, unless a template of the letter's folder led there
            failed, inside = _where(env, exc.__traceback__, own=True), _where(env, exc.__traceback__)
            if failed is None:
                raise
        raise ResourceError(f"the template fails: {type(exc).__name__}: {str(exc)[:200]}"
                            + (f" (in the bundled {inside} it uses)" if inside else ""), where=failed,
                            hint=_HINT) from None
    finally:
        sys.settrace(previous)
    return "".join(pieces)


def _not_found(exc: jinja2.TemplateNotFound, including: str) -> ResourceError:
    """A template that includes, imports or extends one that is neither in the letter's folder nor bundled
    (e.g. ``{% include "/etc/passwd" %}``): refused, naming both."""
    names = getattr(exc, "templates", None) or [exc.name]
    wanted = " or ".join(f"'{n}'" for n in names)
    return ResourceError(
        f"the template uses {wanted}, which is not a template in the letter's folder or among the bundled ones",
        where=including,
        hint="templates can only use files beside the letter (by name, e.g. \"_footer.html.j2\") or the bundled templates",
    )


def stylesheet(env: jinja2.Environment, name: str) -> Markup:
    """The raw text of stylesheet ``name`` (not a template), safe to put inside ``<style>``."""
    assert env.loader is not None
    try:
        source, _filename, _uptodate = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        raise ResourceError(f"stylesheet '{name}' not found", hint="check the templates folder") from None
    return Markup(source.replace("</", "<\\/"))  # the CSS cannot close the <style> element


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string (for ``content:``), escaped so that it stays one string."""
    out = []
    for ch in str(text):
        if ch in '"\\' or ord(ch) < 0x20 or ch in "<>&'":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def page_counter_css(lang: str) -> Markup:
    """The CSS ``content`` value of "Page 1 of 3" in ``lang``, with the page counters in their places."""
    template = labels.template("page_of", lang)
    parts: list[str] = []
    rest = template
    while rest:
        positions = [(rest.find(f), f) for f in ("{page}", "{pages}") if rest.find(f) >= 0]
        if not positions:
            parts.append(css_string(rest))
            break
        pos, field = min(positions)
        if pos:
            parts.append(css_string(rest[:pos]))
        parts.append("counter(page)" if field == "{page}" else "counter(pages)")
        rest = rest[pos + len(field) :]
    return Markup(" ".join(parts))


def country_text(signatory: Signatory, lang: str) -> str:
    """The signatory's countries in ``lang``, joined with " / " ("" when none)."""
    return " / ".join(countries.display_name(code, lang) for code in signatory.countries)


def _signatory_view(signatory: Signatory, lang: str, *, under_country_heading: bool = False) -> dict:
    # Under a country heading, a single country would only repeat the heading; several countries still say more.
    repeat = under_country_heading and len(signatory.countries) == 1
    return {
        "name": signatory.name,
        "country": None if repeat else country_text(signatory, lang),
        "role": signatory.role,
        "kind": signatory.kind,
    }


def listing(letter: Letter, printed: arrange.Printed) -> columns.Listing:
    """The printed signatory list (``arrange.printed_list``) as the template shows it: sections of entry
    views, numbered in order."""
    sections = []
    number = 0
    for section in printed.sections:
        views = []
        for entry in section.entries:
            view = _signatory_view(entry, letter.lang, under_country_heading=letter.group_by == "country")
            view.update(n=number, probe=None)
            views.append(view)
            number += 1
        sections.append((section.heading, section.count, tuple(views)))
    return columns.Listing(sections=tuple(sections), columns=letter.columns)


def _context(letter: Letter, *, paper: str, font_set: FontSet, fit: Fit, printed: arrange.Printed,
             signatory_list: dict | None = None) -> dict:
    lang = letter.lang
    counts = printed.counts
    listed = listing(letter, printed)
    # ``sections`` keeps the entries for restyled copies of _signatories.html.j2 that predate ``list``
    sections = [{"heading": heading, "count": count, "entries": list(views)} for heading, count, views in listed.sections]
    if signatory_list is None:
        signatory_list = columns.context(listed, columns.UNPLANNED)
    signers = [
        {
            "name": signer.name,
            "role": signer.role,
            "organisation": signer.organisation,
            "image": signer.signature.resolve().as_uri() if signer.signature else None,
            "alt": labels.label("signature_of", lang, name=signer.name),
        }
        for signer in letter.signers
    ]
    return {
        "letter": letter,
        "lang": lang,
        "paper": paper,
        "page_size": PAGE_SIZES[paper],
        "running_title": letter.subject or letter.title,
        "date_text": labels.date_text(letter.date, lang),
        "place_date": dict(zip(("before", "date", "after"), labels.place_date_parts(letter.place, letter.date, lang))),
        "align": letter.align,
        "body_html": body.markdown_to_html(letter.body, source=letter.source, first_line=letter.body_line),
        "sections": sections,
        "list": signatory_list,
        "signers": signers,
        "on_behalf": on_behalf(counts, lang) if counts.total else "",
        "counts": counts,
        "page_counter": page_counter_css(lang),
        "t": {key: labels.template(key, lang) for key in labels.KEYS if "{" not in labels.template(key, lang)},
        "logo": letter.logo.resolve().as_uri() if letter.logo else None,
        "logo_alt": labels.label("logo_of", lang, name=letter.sender.name) if letter.sender else "",
        "body_families": font_set.body_families,
        "heading_families": font_set.heading_families,
        "fit": fit,
        "fit_css": fit.css(),
    }


def render_letter(letter: Letter, *, paper: str, font_set: FontSet, fit: Fit | None = None,
                  printed: arrange.Printed | None = None, signatory_list: dict | None = None) -> str:
    """The letter as one HTML document (its stylesheet inside) for ``typeset.typeset``; ``fit``: the page
    check's adjustments; ``printed``: the printed signatory list with its counts (``arrange.printed_list``,
    computed here when not given).

    The signatory list is laid out by ``columns.arrange`` while typesetting (which renders the letter again
    with ``signatory_list``, a ``columns.context``); by default it is one flowing column.

    Raises ``ResourceError`` for a refused image in the body (naming ``letter.md:LINE``) or a template
    in the letter's folder that cannot be used.
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, not {paper!r}")
    env = environment(letter.folder)
    printed = printed if printed is not None else arrange.printed_list(letter)
    context = _context(letter, paper=paper, font_set=font_set, fit=fit or Fit(), printed=printed,
                       signatory_list=signatory_list)
    try:
        return _render(env, LETTER_TEMPLATE, context, letter.folder)
    except jinja2.TemplateSyntaxError as exc:
        raise ResourceError(
            f"the template has an error: {exc.message}",
            where=f"{exc.name or exc.filename}:{exc.lineno}",
            hint="fix the template, or delete your copy to use the bundled one",
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise _not_found(exc, LETTER_TEMPLATE) from None
    except (jinja2.UndefinedError, jinja2.sandbox.SecurityError) as exc:
        raise ResourceError(
            f"the template cannot be used: {exc}",
            where=LETTER_TEMPLATE,
            hint="fix the template, or delete your copy to use the bundled one",
        ) from None


COVER_TEMPLATE = "cover.html.j2"


def render_cover(letter: Letter, *, paper: str, font_set: FontSet, enclosures: list[dict],
                 printed: arrange.Printed | None = None, fit: Fit | None = None) -> str:
    """The cover page of the delivery package as HTML (``cover.html.j2``; a copy in the letter's folder wins).

    ``enclosures``: each ``{"letter": "A", "title": ..., "pages": int or None}`` (``assemble.enclosure_entries``);
    ``printed``: the printed signatory list whose counts the cover states (computed here when not given).
    """
    from letter_pdf.counts import summary

    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, not {paper!r}")
    counts = (printed if printed is not None else arrange.printed_list(letter)).counts
    fit = fit or Fit()
    context = {
        "fit": fit,
        "fit_css": fit.css(),
        "letter": letter,
        "lang": letter.lang,
        "paper": paper,
        "date_text": labels.date_text(letter.date, letter.lang),
        "place_date_text": labels.place_date(letter.place, letter.date, letter.lang),
        "counts_text": summary(counts, letter.lang) if counts.total else "",
        "channel": letter.cover.channel,
        "note": letter.cover.note,
        "t": labels.table(letter.lang),
        "enclosures": enclosures,
        "body_families": font_set.body_families,
        "heading_families": font_set.heading_families,
        "logo": letter.logo.resolve().as_uri() if letter.logo else None,
        "logo_alt": labels.label("logo_of", letter.lang, name=letter.sender.name) if letter.sender else "",
    }
    env = environment(letter.folder)
    # The letter's CSS variables (colours, sizes; a restyled letter.css in the letter's folder included).
    root = re.search(r":root\s*\{[^{}]*\}", str(stylesheet(env, LETTER_CSS)))
    context["letter_variables"] = Markup(root.group(0)) if root else Markup("")
    try:
        return _render(env, COVER_TEMPLATE, context, letter.folder)
    except jinja2.TemplateSyntaxError as exc:
        raise ResourceError(f"the template has an error: {exc.message}", where=f"{exc.name or exc.filename}:{exc.lineno}",
                            hint="fix the template, or delete your copy to use the bundled one") from None
    except jinja2.TemplateNotFound as exc:
        raise _not_found(exc, COVER_TEMPLATE) from None
    except (jinja2.UndefinedError, jinja2.sandbox.SecurityError) as exc:
        raise ResourceError(f"the template cannot be used: {exc}", where=COVER_TEMPLATE,
                            hint="fix the template, or delete your copy to use the bundled one") from None
