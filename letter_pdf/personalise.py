"""One letter, many recipients: the copy of the letter addressed to one recipient.

The body may name the recipient's fields as ``{{ recipient.name }}`` (any column of the recipients list as
``{{ recipient.<column> }}``). The body is a template only when the letter has a recipients list; it is
parsed once, in the same Jinja sandbox and limits as the templates (``render``), and checked before any copy
is built: only ``recipient`` and its columns may be named, and only expressions, filters and ``{% if %}``
may be used (no loops, includes, imports or macros: a letter's text needs none, and none of them can then
run long). An unknown field or a syntax error is an error naming the letter's line.

Each value printed is the recipient's text as data, never as Markdown: its ASCII punctuation is escaped, so
``*Ruch* [Wolności](x)`` prints as written, not as emphasis or a link, and no value becomes a web link.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

import jinja2
import jinja2.nodes as nodes

from letter_pdf.errors import InputError, LetterPdfError, Problems
from letter_pdf.model import Letter, Party, Recipient
from letter_pdf.text import refused_character

# the body of one copy, as Markdown, at most (the body's own limit is checked again on the result)
MAX_OUTPUT = 400 * 1024
MAX_DEPTH = 20  # {% if %} inside {% if %}: Python cannot compile some 100 levels
_HINT = "write a field as {{ recipient.name }}; the fields are the columns of the recipients list"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: each may be backslash-escaped in Markdown
# statements a letter's text may use; any other (for, include, import, macro, set, ...) is refused
_STATEMENTS = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If)
_REFUSED_EXPRESSIONS = (nodes.Call, nodes.List, nodes.Tuple, nodes.Dict)
# filters that make text of text; others print Python objects (attr, batch), the whole row (string, tojson,
# pprint), or a different copy at each run (random)
FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "d", "replace", "truncate"})
TESTS = frozenset({"defined", "undefined", "none", "eq", "ne", "==", "!=", "in", "string"})
# the front matter's fields that may name the recipient's fields; the rest is the same in every copy
FIELDS = ("opening", "closing", "message")


class _Fields:
    """A recipient's columns as the template sees them: ``recipient.name`` and ``recipient['name']`` only (a
    dict would answer ``recipient.copy`` with its method)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, str]):
        self._values = values

    def __getattr__(self, name: str) -> str:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> str:
        return self._values[name]


def has_placeholders(text: str) -> bool:
    """Whether ``text`` holds Jinja syntax (``{{``, ``{%`` or ``{#``)."""
    return "{{" in text or "{%" in text or "{#" in text


def as_markdown_text(value: str) -> str:
    """``value`` written so that Markdown prints it exactly: punctuation escaped, each line trimmed, lines
    joined by hard line breaks."""
    lines = [_PUNCTUATION.sub(r"\\\1", line.strip()) for line in str(value).split("\n")]
    return "\\\n".join(line for line in lines if line)


class NotText(Exception):
    """A placeholder made something other than text (a number, a list, True): it would print a Python value."""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise NotText(f"a placeholder makes {type(value).__name__} {str(value)[:40]!r}, not text")
    return value


def _environment(markdown: bool) -> jinja2.Environment:
    """The templates' sandbox with its limits; each value printed, text only, as Markdown text (the body) or
    as it is."""
    from letter_pdf.render import _Environment

    def finalize(value: object) -> str:
        return as_markdown_text(_text(value)) if markdown else _text(value)

    return _Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                        finalize=finalize)


@dataclass(frozen=True)
class BodyTemplate:
    """The letter's body and its personalised front-matter fields (``FIELDS``), parsed once; a field without
    placeholders has no template."""

    letter: Letter
    template: jinja2.Template | None
    fields: tuple[tuple[str, jinja2.Template], ...] = ()

    def body_for(self, recipient: Recipient) -> str:
        """The body addressed to ``recipient`` (Markdown)."""
        if self.template is None:
            return self.letter.body
        return self._fill(self.template, recipient, None)

    def field_for(self, name: str, recipient: Recipient) -> str | None:
        """Front-matter field ``name`` (``FIELDS``) for ``recipient``: filled when it has placeholders."""
        for field_name, template in self.fields:
            if field_name == name:
                return self._fill(template, recipient, name)
        return getattr(self.letter, name)

    def _fill(self, template: jinja2.Template, recipient: Recipient, field: str | None) -> str:
        what = "the letter's text" if field is None else f"the field '{field}'"
        where = str(self.letter.source) if field is None else LetterPdfError.location(self.letter.source, field=field)
        pieces: list[str] = []
        size = 0
        try:
            for piece in template.generate(recipient=_Fields(dict(recipient.fields))):
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise InputError(f"{what} for {recipient.name!r} would be over {MAX_OUTPUT:,} characters",
                                     where=where, hint=_HINT)
                pieces.append(piece)
        except LetterPdfError:
            raise
        except Exception as exc:  # a filter failing on this recipient's value, or a limit of the sandbox
            from letter_pdf.render import _Refused

            plain = isinstance(exc, _Refused | NotText)
            reason = str(exc)[:200] if plain else f"a filter cannot be used this way ({str(exc)[:160]})"
            raise InputError(f"{what} fails for recipient {recipient.row} ({recipient.name!r}): {reason}",
                             where=self._line(exc) if field is None else where,
                             hint="print fields as text, e.g. {{ recipient.name }} or {{ recipient.name | upper }}; "
                                  "a filter's numbers as in {{ recipient.name | truncate(40) }}") from None
        text = "".join(pieces)
        refused = refused_character(text)  # what the sandbox made, e.g. '\u202e' written as an escape
        if refused is not None:
            raise InputError(f"{what} for recipient {recipient.row} ({recipient.name!r}) would print {refused[0]}",
                             where=where, hint=refused[1])
        return text

    def _line(self, exc: BaseException) -> str:
        import traceback

        lines = [entry.lineno for entry in traceback.extract_tb(exc.__traceback__) if entry.filename == "<template>"]
        if not lines or lines[-1] is None:
            return str(self.letter.source)
        return LetterPdfError.location(self.letter.source, self.letter.body_line + lines[-1] - 1)


def parse_body(letter: Letter, columns: Iterable[str] | None) -> BodyTemplate:
    """The body (and the front matter's ``FIELDS``) as templates for the recipients' ``columns`` (None: the
    letter has no recipients list). Every placeholder is checked here: ``Problems`` naming each wrong one."""
    problems: list[LetterPdfError] = []
    known = None if columns is None else set(columns)
    template = None
    if has_placeholders(letter.body):
        template = _parse(letter, letter.body, None, known, problems)
    fields = []
    for name in FIELDS:
        text = getattr(letter, name)
        if text and has_placeholders(text):
            parsed = _parse(letter, text, name, known, problems)
            if parsed is not None:
                fields.append((name, parsed))
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)
    return BodyTemplate(letter, template, tuple(fields))


def _parse(letter: Letter, text: str, field: str | None, columns: set[str] | None,
           problems: list[LetterPdfError]) -> jinja2.Template | None:
    env = _environment(markdown=field is None)

    def where(line: int | None) -> str:
        if field is not None:
            return LetterPdfError.location(letter.source, field=field)
        return LetterPdfError.location(letter.source, letter.body_line + (line or 1) - 1)

    try:
        tree = env.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        problems.append(InputError(f"{'the letter' if field is None else 'the field'}'s placeholder cannot be "
                                   f"read: {exc.message}", where=where(exc.lineno),
                                   hint=_HINT + "; to print '{{' itself, write {{ '{{' }}"))
        return None
    found = _check_tree(tree, letter, columns, where)
    if _depth(tree) > MAX_DEPTH:
        found.append(InputError(f"the letter's {{% if %}} blocks are nested over {MAX_DEPTH} deep", where=where(1),
                                hint="a letter needs a few at most: simplify them"))
    problems += found
    if found:
        return None
    try:
        return env.from_string(tree)
    except (SyntaxError, RecursionError, MemoryError) as exc:  # what Python cannot compile
        problems.append(InputError(f"the letter's placeholders cannot be used: {type(exc).__name__}", where=where(1),
                                   hint="simplify them"))
        return None


def _depth(node: nodes.Node) -> int:
    """How deep ``{% if %}`` blocks nest (iteratively: a deep tree must not exhaust Python's stack)."""
    deepest, stack = 0, [(node, 0)]
    while stack:
        current, depth = stack.pop()
        depth += isinstance(current, nodes.If)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in current.iter_child_nodes())
    return deepest


_RECIPIENT_FIELD = re.compile(r"\{\{-?\s*recipient\b")
# what would act in a copy, on one line: a field, a statement ({% if %}), a comment (hidden in a copy); other
# braces ({{ 7*7 }}) print as written in a letter without a list
_TEMPLATE_SYNTAX = re.compile(r"\{\{-?\s*recipient\b.*?\}\}|\{%.*?%\}|\{#.*?#\}")


def unfilled(letter: Letter, *, fields_only: bool = False) -> list[LetterPdfError]:
    """A placeholder like ``{{ recipient.name }}`` left where nothing fills it: in a letter built on its own
    (the body and every front-matter field), or, with ``fields_only``, in a front-matter field other than
    ``FIELDS`` of a letter with a recipients list. It would print its braces."""
    from letter_pdf.fonts import _letter_fields

    hint = ("add 'recipients: FILE' to the front matter or --recipients FILE" if not fields_only else
            f"only the letter's text and {', '.join(FIELDS)} may name the recipient's fields")
    problems: list[LetterPdfError] = []
    found = None if fields_only else _TEMPLATE_SYNTAX.search(letter.body)
    if found is not None:  # a comment {# ... #} would print too: only copies for a list are templates
        line = letter.body_line + letter.body.count("\n", 0, found.start())
        problems.append(InputError(f"the letter's text has a placeholder ('{found[0][:40]}') but no recipients list "
                                   "to fill it: it would print its braces", where=LetterPdfError.location(letter.source, line),
                                   hint=hint))
    for name, text in [*_letter_fields(letter), ("message", letter.message)]:
        if text and _RECIPIENT_FIELD.search(text) and not (fields_only and name in FIELDS):
            problems.append(InputError(f"the field '{name}' has a placeholder that nothing fills: it would print "
                                       "its braces", where=LetterPdfError.location(letter.source, field=name),
                                       hint=hint))
    return problems


def _check_tree(tree: nodes.Template, letter: Letter, columns: set[str] | None, where) -> list[LetterPdfError]:
    problems: list[LetterPdfError] = []

    def fail(node: nodes.Node, message: str, hint: str = _HINT) -> None:
        problems.append(InputError(message, where=where(node.lineno), hint=hint))

    if columns is None:
        fail(tree.body[0] if tree.body else tree, "the letter has placeholders but no recipients list to fill them",
             hint="add 'recipients: FILE' to the front matter or --recipients FILE, or write the text without {{ }}")
        return problems
    known = ", ".join(sorted(columns))
    fields = {id(node.node) for node in tree.find_all(nodes.Getattr) if _is_recipient(node.node)}
    fields |= {id(node.node) for node in tree.find_all(nodes.Getitem) if _is_recipient(node.node)}
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Stmt) and not isinstance(node, _STATEMENTS):
            fail(node, f"the letter uses '{type(node).__name__.lower()}'; only {{{{ }}}} and {{% if %}} may be "
                       "used in a letter's text")
        elif isinstance(node, _REFUSED_EXPRESSIONS):
            what = "calls a function" if isinstance(node, nodes.Call) else "writes a list or a table of values"
            fail(node, f"the letter {what}; only fields and filters may be used",
                 hint="write e.g. {{ recipient.name | upper }}")
        elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
            fail(node, f"the letter uses the filter '{node.name}'; only {', '.join(sorted(FILTERS))} may be used")
        elif isinstance(node, nodes.Test) and node.name not in TESTS:
            fail(node, f"the letter uses the test '{node.name}'; only {', '.join(sorted(TESTS))} may be used")
        elif isinstance(node, nodes.Name) and node.name != "recipient":
            fail(node, f"the letter names '{node.name}'; only 'recipient' and its fields are known",
                 hint=f"write {{{{ recipient.{node.name} }}}} if it is a column of the recipients list")
        elif isinstance(node, nodes.Name) and id(node) not in fields:
            fail(node, "the letter uses {{ recipient }} itself; name one of its fields",
                 hint="write e.g. {{ recipient.name }}")
        elif isinstance(node, nodes.Getattr | nodes.Getitem):
            if not _is_recipient(node.node):
                fail(node, "the letter takes a part of a value; only the recipient's fields may be named",
                     hint="write e.g. {{ recipient.name }}")
                continue
            field = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
            if field is None:
                fail(node, "a column must be named as written, not computed",
                     hint="write recipient.name or recipient['name']")
            elif field not in columns:
                fail(node, f"the recipients list has no column '{field}'",
                     hint=f"the columns are: {known}" if known else _HINT)
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and refused_character(node.value):
            refused = refused_character(node.value)
            assert refused is not None
            fail(node, f"the letter's placeholder writes {refused[0]}", hint=refused[1])
    return problems


def _is_recipient(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "recipient"


def _constant(node: nodes.Node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def copy_for(letter: Letter, recipient: Recipient, body: BodyTemplate) -> Letter:
    """The letter addressed to ``recipient``: its name and address in the window, its opening and reference
    when given, and the body with its fields."""
    return dataclasses.replace(
        letter,
        recipient=Party(name=recipient.name, address=recipient.address, email=recipient.email),
        opening=recipient.opening or body.field_for("opening", recipient),
        closing=body.field_for("closing", recipient),
        message=body.field_for("message", recipient),
        reference=recipient.reference or letter.reference,
        body=body.body_for(recipient),
    )


def slug(name: str, limit: int = 40) -> str:
    """A file-name part from a name: lower case letters and digits joined by '-' (letters of any script
    kept; accents on Latin letters dropped), at most ``limit`` characters; 'recipient' when none is left."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", kept).lower())
    text = "-".join(words)[:limit].strip("-")
    return text or "recipient"


def file_stem(recipient: Recipient, count: int) -> str:
    """``NNN-slug``: the recipient's number, zero-padded to at least 3 digits (as many as ``count`` needs)."""
    width = max(3, len(str(count)))
    return f"{recipient.row:0{width}d}-{slug(recipient.name)}"
