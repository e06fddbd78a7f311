"""The validated letter -> HTML (Jinja2, sandboxed, autoescaped), ready for ``typeset.typeset``.

Templates and the stylesheet live in the bundled ``templates/`` folder. A letter may restyle itself:
a ``letter.css`` (or ``letter.html.j2``, or any ``_*.html.j2`` partial) in the letter's own folder is used
instead of the bundled file of the same name. Every value from the letter is data: autoescape is on,
undefined names are errors, and templates run in Jinja's sandbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from letter_pdf import arrange, assets, body, columns, countries, labels
from letter_pdf.counts import on_behalf
from letter_pdf.errors import ResourceError
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


class _FolderLoader(jinja2.FileSystemLoader):
    """Templates in a letter's folder; a file that is a symbolic link out of the folder is refused."""

    def __init__(self, folder: Path):
        super().__init__(str(folder), encoding="utf-8")
        self.root = Path(folder).resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if real != self.root and self.root not in real.parents:
            raise ResourceError(
                f"refused to use the template '{template}': it is a link to a file outside the letter's folder",
                where=template,
                hint="copy the file into the letter's folder instead of linking to it",
            )
        return source, filename, uptodate


def environment(folder: Path | None = None) -> jinja2.sandbox.SandboxedEnvironment:
    """The Jinja2 environment of letter-pdf's templates: sandboxed, autoescaping, strict about names.

    With ``folder`` (a letter's folder), a template file there overrides the bundled one of that name.
    """
    bundled = jinja2.FileSystemLoader(str(assets.templates_dir()), encoding="utf-8")
    loader: jinja2.BaseLoader = bundled
    if folder is not None:
        loader = jinja2.ChoiceLoader([_FolderLoader(folder), bundled])
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["stylesheet"] = lambda name: stylesheet(env, name)
    env.filters["css_string"] = css_string
    env.filters["address_link"] = body.address_link  # printed web and e-mail addresses are links
    return env


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
        return env.get_template(LETTER_TEMPLATE).render(context)
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
        return env.get_template(COVER_TEMPLATE).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ResourceError(f"the template has an error: {exc.message}", where=f"{exc.name or exc.filename}:{exc.lineno}",
                            hint="fix the template, or delete your copy to use the bundled one") from None
    except jinja2.TemplateNotFound as exc:
        raise _not_found(exc, COVER_TEMPLATE) from None
    except (jinja2.UndefinedError, jinja2.sandbox.SecurityError) as exc:
        raise ResourceError(f"the template cannot be used: {exc}", where=COVER_TEMPLATE,
                            hint="fix the template, or delete your copy to use the bundled one") from None
