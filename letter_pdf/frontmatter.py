"""Reading a letter file's YAML front matter, bounded: the file and the front matter have size limits, and
the YAML is parsed by a loader that counts values (aliases included) and depth while it reads, refuses
tags, and keeps each key's line for messages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from letter_pdf.errors import InputError, LetterPdfError
from letter_pdf.files import read_regular
from letter_pdf.text import visible

# Bounds on the front matter, checked while it is read (before anything walks it): a few kilobytes of YAML
# can otherwise describe billions of values through aliases, or nest deeper than Python can follow.
MAX_LETTER_BYTES = 10 * 1024 * 1024  # the whole letter file
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_NODES = 50_000  # values (keys, texts, lists, mappings), counting what every alias repeats
MAX_DEPTH = 20  # lists and mappings inside each other

# other spellings of a key, as the key they stand for
ALIASES = {"your_reference": "their_reference", "our_reference": "reference", "ref": "reference"}

EXAMPLE = "start the file with a line '---', then 'title: ...' and the other keys, then a line '---', then the text"


def canonical_key(key: Any) -> str:
    """Front-matter keys may be written with '-' or '_' and in any case: 'group-by' is 'group_by'."""
    return str(key).strip().lower().replace("-", "_")


# ---------------------------------------------------------------------------------------------- reading


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (front matter YAML, body, line where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InputError("the letter has no front matter", where=LetterPdfError.location(path, 1), hint=EXAMPLE)
    size = 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
        size += len(lines[index].encode("utf-8", "surrogatepass")) + 1
        if size > MAX_FRONT_MATTER_BYTES:
            raise InputError(
                f"the front matter is longer than {MAX_FRONT_MATTER_BYTES // 1024} KB",
                where=LetterPdfError.location(path, index + 1),
                hint="is its closing '---' missing? a long list of signatories belongs in a CSV file beside the letter",
            )
    raise InputError(
        "the front matter is not closed",
        where=LetterPdfError.location(path, 1),
        hint="end it with a line '---' before the letter's text",
    )


def read_text(path: Path) -> str:
    try:
        data = read_regular(path, limit=MAX_LETTER_BYTES, what="the letter file",
                            hint="is it the right file? a letter is a short Markdown text")
    except OSError as exc:
        raise InputError(f"cannot read the letter ({exc.strerror})", where=path) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            "the letter is not UTF-8 text",
            where=LetterPdfError.location(path, line),
            hint="save it as UTF-8 (in most editors: Save as… > Encoding: UTF-8)",
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


class YamlLimitError(yaml.MarkedYAMLError):
    """The YAML exceeds a bound; raised while composing, before anything walks the tree. A ``YAMLError``,
    so code that reports YAML errors by their ``problem_mark`` reports this one at its line too."""

    def __init__(self, message: str, mark, hint: str):
        super().__init__(problem=message, problem_mark=mark)
        self.message, self.mark, self.hint = message, mark, hint


# Only yes/no and null are typed implicitly: every other plain value stays the text the user wrote
# (YAML 1.1 would read 'ref: 012' as 10, 'place: 12:30' as 750 and 'date: 2026-02-30' as an error).
_KEPT_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")


def _kept_resolvers() -> dict:
    kept = {}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        if chosen := [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT_TAGS]:
            kept[first] = chosen
    return kept


class BoundedLoader(yaml.SafeLoader):
    """A SafeLoader that counts values and depth while composing, aliases included, and refuses
    explicit tags; it stops at the first bound crossed, so no later step walks a huge or deep tree."""

    yaml_implicit_resolvers = _kept_resolvers()
    document = "the front matter"  # as messages name it; a subclass reading another file names that
    max_values = MAX_NODES

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, levels) once composed

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                if id(target) not in self._sizes:
                    raise YamlLimitError(f"the alias '*{event.anchor}' refers to the list or mapping it is inside",
                                   event.start_mark, "write the values out instead of the alias")
                if self._depth + self._sizes[id(target)][1] > MAX_DEPTH:
                    raise YamlLimitError(f"{self.document} is nested more than {MAX_DEPTH} levels deep",
                                   event.start_mark, "write each key on its own line with a plain value")
            return super().compose_node(parent, index)
        if getattr(event, "tag", None) not in (None, "!"):
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlLimitError(f"YAML tags such as '{visible(tag)}' are not used in a letter", event.start_mark,
                           "remove the tag and write the value as text")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(f"{self.document} is nested more than {MAX_DEPTH} levels deep", event.start_mark,
                           "write each key on its own line with a plain value")
        node = super().compose_node(parent, index)
        self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        sizes = [self._sizes[id(child)] for child in children]
        values = 1 + sum(size for size, _ in sizes)
        levels = 1 + max((level for _, level in sizes), default=0)
        if values > self.max_values:
            raise YamlLimitError(f"{self.document} holds more than {self.max_values:,} values "
                                 "(counting what aliases repeat)",
                           node.start_mark, "remove the anchors ('&') and aliases ('*'); a long list of signatories "
                           "belongs in a CSV file beside the letter")
        self._sizes[id(node)] = (values, levels)
        return node


def _same_key(key: str) -> str:
    """The one key that a dotted key's spelling stands for ('our_reference' is 'reference')."""
    head, _, last = key.rpartition(".")
    if not head:
        return ALIASES.get(last, last)
    return f"{head}.organisation" if last == "organization" else key


def _key_lines(node: yaml.Node, prefix: str, offset: int, out: dict[str, int], twice: list[tuple]) -> None:
    """Record the line of every dotted key; collect keys given twice in one mapping (in any spelling)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, tuple[int, str]] = {}
        for key_node, value_node in node.value:
            raw = str(key_node.value)
            name = canonical_key(raw)
            line = key_node.start_mark.line + offset
            key = f"{prefix}{name}"
            same = _same_key(key)
            if same in seen:
                twice.append((same, seen[same], (line, raw)))
            else:
                seen[same] = (line, raw)
            out.setdefault(key, line)
            out.setdefault(same, line)
            _key_lines(value_node, key + ".", offset, out, twice)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"{prefix}{index}"
            out.setdefault(key, item.start_mark.line + offset)
            _key_lines(item, key + ".", offset, out, twice)


def keys_given_twice(node: yaml.Node | None, spelling: Callable[[str], str]) -> list[tuple]:
    """``(key, (line, as written), (line, as written))`` for every key given twice in one mapping of the tree,
    keys compared as ``spelling`` makes them (lines 1-based in the YAML text). The loader keeps the last of
    two equal keys without a word; the front matter checks its keys with their dotted names in ``_key_lines``."""
    found: list[tuple] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            seen: dict[str, tuple[int, str]] = {}
            for key_node, _value in current.value:
                raw, line = str(key_node.value), key_node.start_mark.line + 1
                key = spelling(raw)
                if key in seen:
                    found.append((key, seen[key], (line, raw)))
                else:
                    seen[key] = (line, raw)
            stack.extend(reversed([value for _, value in current.value]))
    return found


def parse_front_matter(front: str, path: Path) -> tuple[dict, dict[str, int], list[LetterPdfError]]:
    """Return (data, dotted key -> line, problems of keys given twice)."""
    offset = 2  # YAML line 0 is line 2 of the file (line 1 is '---')
    loader = BoundedLoader(front)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlLimitError as exc:
        raise InputError(exc.message, where=LetterPdfError.location(path, exc.mark.line + offset),
                         hint=exc.hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + offset if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"the front matter is not valid YAML ({problem})",
            where=LetterPdfError.location(path, line),
            hint="check indentation and quote values that contain ':' or '#'",
        ) from exc
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            "the front matter must be a list of 'key: value' lines",
            where=LetterPdfError.location(path, 2),
            hint=EXAMPLE,
        )
    lines: dict[str, int] = {}
    twice: list[tuple] = []
    if node is not None:
        _key_lines(node, "", offset, lines, twice)
    problems: list[LetterPdfError] = []
    for key, (first, first_raw), (second, second_raw) in twice:
        spelled = "" if first_raw == second_raw else f" (as '{first_raw}' and '{second_raw}')"
        problems.append(InputError(
            f"'{key}' is given twice{spelled}, on lines {first} and {second}",
            where=LetterPdfError.location(path, second, key), hint="keep one of them"))
    return data, lines, problems
