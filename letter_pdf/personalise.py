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

# the body of one copy, as Markdown, at most (the body's own limit is checked again on the result)
MAX_OUTPUT = 400 * 1024
_HINT = "write a field as {{ recipient.name }}; the fields are the columns of the recipients list"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: each may be backslash-escaped in Markdown
# statements a letter's text may use; any other (for, include, import, macro, set, ...) is refused
_STATEMENTS = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If)
_REFUSED_EXPRESSIONS = (nodes.Call,)


def has_placeholders(text: str) -> bool:
    """Whether ``text`` holds Jinja syntax (``{{``, ``{%`` or ``{#``)."""
    return "{{" in text or "{%" in text or "{#" in text


def as_markdown_text(value: str) -> str:
    """``value`` written so that Markdown prints it exactly: punctuation escaped, each line trimmed, lines
    joined by hard line breaks."""
    lines = [_PUNCTUATION.sub(r"\\\1", line.strip()) for line in str(value).split("\n")]
    return "\\\n".join(line for line in lines if line)


def _environment() -> jinja2.Environment:
    from letter_pdf.render import _Environment  # the templates' sandbox with its limits

    return _Environment(autoescape=False, undefined=jinja2.StrictUndefined, finalize=as_markdown_text,
                        keep_trailing_newline=True)


@dataclass(frozen=True)
class BodyTemplate:
    """The letter's body, parsed once; ``None`` template: the body has no placeholders."""

    letter: Letter
    template: jinja2.Template | None

    def body_for(self, recipient: Recipient) -> str:
        """The body addressed to ``recipient`` (Markdown)."""
        if self.template is None:
            return self.letter.body
        pieces: list[str] = []
        size = 0
        try:
            for piece in self.template.generate(recipient=dict(recipient.fields)):
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise InputError(f"the letter's text for {recipient.name!r} would be over {MAX_OUTPUT:,} "
                                     "characters", where=str(self.letter.source), hint=_HINT)
                pieces.append(piece)
        except LetterPdfError:
            raise
        except Exception as exc:  # a filter failing on this recipient's value, or a limit of the sandbox
            raise InputError(f"the letter's text fails for recipient {recipient.row} ({recipient.name!r}): "
                             f"{type(exc).__name__}: {str(exc)[:200]}", where=self._line(exc), hint=_HINT) from None
        return "".join(pieces)

    def _line(self, exc: BaseException) -> str:
        import traceback

        lines = [entry.lineno for entry in traceback.extract_tb(exc.__traceback__) if entry.filename == "<template>"]
        if not lines or lines[-1] is None:
            return str(self.letter.source)
        return LetterPdfError.location(self.letter.source, self.letter.body_line + lines[-1] - 1)


def parse_body(letter: Letter, columns: Iterable[str] | None) -> BodyTemplate:
    """The body as a template for the recipients' ``columns`` (None: the letter has no recipients list).
    Every placeholder is checked here: ``Problems`` naming each wrong one's line."""
    if not has_placeholders(letter.body):
        return BodyTemplate(letter, None)
    env = _environment()
    try:
        tree = env.parse(letter.body)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"the letter's text has a placeholder that cannot be read: {exc.message}",
                         where=LetterPdfError.location(letter.source, letter.body_line + (exc.lineno or 1) - 1),
                         hint=_HINT + "; to print '{{' itself, write {{ '{{' }}") from None
    problems = _check_tree(tree, letter, None if columns is None else set(columns))
    if problems:
        raise problems[0] if len(problems) == 1 else Problems(problems)
    return BodyTemplate(letter, env.from_string(tree))


_RECIPIENT_FIELD = re.compile(r"\{\{-?\s*recipient\b")


def unfilled(letter: Letter) -> list[LetterPdfError]:
    """A letter built on its own whose text names a recipient's field: it would print the braces (the
    fields are filled only for the copies of a recipients list)."""
    found = _RECIPIENT_FIELD.search(letter.body)
    if found is None:
        return []
    line = letter.body_line + letter.body.count("\n", 0, found.start())
    return [InputError("the letter's text has placeholders like {{ recipient.name }} but no recipients list to "
                       "fill them", where=LetterPdfError.location(letter.source, line),
                       hint="add 'recipients: FILE' to the front matter or --recipients FILE")]


def _check_tree(tree: nodes.Template, letter: Letter, columns: set[str] | None) -> list[LetterPdfError]:
    problems: list[LetterPdfError] = []

    def fail(node: nodes.Node, message: str, hint: str = _HINT) -> None:
        where = LetterPdfError.location(letter.source, letter.body_line + (node.lineno or 1) - 1)
        problems.append(InputError(message, where=where, hint=hint))

    if columns is None:
        fail(tree.body[0] if tree.body else tree, "the letter's text has placeholders but the letter has no "
             "recipients list", hint="add 'recipients: FILE' to the front matter or --recipients FILE, or "
                                     "write the text without {{ }}")
        return problems
    known = ", ".join(sorted(columns))
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Stmt) and not isinstance(node, _STATEMENTS):
            fail(node, f"the letter's text uses '{type(node).__name__.lower()}'; only {{{{ }}}} and {{% if %}} "
                       "may be used in a letter's text")
        elif isinstance(node, _REFUSED_EXPRESSIONS):
            fail(node, "the letter's text calls a function; only fields and filters may be used",
                 hint="write e.g. {{ recipient.name | upper }}")
        elif isinstance(node, nodes.Name) and node.name != "recipient":
            fail(node, f"the letter's text names '{node.name}'; only 'recipient' and its fields are known",
                 hint=f"write {{{{ recipient.{node.name} }}}} if it is a column of the recipients list")
        elif isinstance(node, nodes.Getattr | nodes.Getitem) and _is_recipient(node.node):
            field = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)
            if field not in columns:
                fail(node, f"the recipients list has no column '{field}'",
                     hint=f"the columns are: {known}" if known else _HINT)
        elif isinstance(node, nodes.Output) and any(_is_recipient(child) for child in node.nodes):
            fail(node, "the letter's text prints {{ recipient }} itself; name one of its fields",
                 hint="write e.g. {{ recipient.name }}")
    return problems


def _is_recipient(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "recipient"


def _constant(node: nodes.Node) -> str:
    return str(node.value) if isinstance(node, nodes.Const) else "?"


def copy_for(letter: Letter, recipient: Recipient, body: BodyTemplate) -> Letter:
    """The letter addressed to ``recipient``: its name and address in the window, its opening and reference
    when given, and the body with its fields."""
    return dataclasses.replace(
        letter,
        recipient=Party(name=recipient.name, address=recipient.address, email=recipient.email),
        opening=recipient.opening or letter.opening,
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
