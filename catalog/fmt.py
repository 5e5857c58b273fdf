"""`catalog fmt`: the catalog's canonical layout, applied line by line so comments stay put.

Canonical means (and nothing else changes, so a first run gives a small diff):
- LF line ends, no byte-order mark, no trailing white space (block scalars' contents excepted),
  one final newline;
- the head comments, one blank line, then the papers separated by exactly one blank line; a
  comment block just above a paper stays with it; no blank lines inside a paper;
- a paper's top-level keys in `PAPER_KEY_ORDER` (each key moves with its value lines and the
  comments just above it; unknown keys keep their order after the known ones);
- block sequences under a paper's key written without extra indentation (`  models:` then
  `  - {...}`), as everywhere in `data/papers.yaml`.

Values, flow mappings, quoting and comments inside a paper are left exactly as written. The
result is checked before it is returned: it must load to the same data and keep every comment
line, else `FormatError` (and the file is left alone). Formatting is idempotent.

What is structure and what is text comes from libyaml's events, not from patterns: where each
paper and each of its top-level keys starts, and which lines lie inside a scalar that spans
lines (block scalars, and quoted or plain text continued over lines, whose blank lines are
paragraph breaks). Those lines are content: never dropped, stripped or read as keys. A paper
holding an alias to an anchor of its own keeps its key order (moving keys could put the alias
before its anchor). Only space and tab are white space (a no-break space ending a line is
text). Document markers (`---`, `...`) stay where they are.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from yaml._yaml import CParser
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from catalog.load import CatalogIssue, _yaml12_breaks, parse_yaml

# The order most papers in data/papers.yaml already use (so a first run moves few lines).
PAPER_KEY_ORDER = (
    "id", "title", "short_name", "authors", "metadata_sources", "year", "month", "venue",
    "arxiv", "tags", "links", "code", "summary", "sources", "models", "results", "efficiency",
    "errata",
)

_BARE_KEY = re.compile(r"  [A-Za-z_][\w-]*:[ \t]*(?:#.*)?")
_MARKER = re.compile(r"(?:---|\.\.\.)(?:[ \t]|$)")  # document start / end, column 1
_WHITE = " \t"  # YAML's white space; str.strip() would also eat a no-break space
_BLOCK_HEADER = re.compile(r"[|>]([1-9+-]{0,2})")


class FormatError(Exception):
    """The text cannot be formatted: it does not parse, or formatting would change its data."""

    def __init__(self, issues: list[CatalogIssue]):
        self.issues = issues
        super().__init__("\n".join(map(str, issues)))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@dataclass
class _Layout:
    """What libyaml says about the lines of a document (0-based line numbers)."""

    protected: set[int] = field(default_factory=set)   # inside a scalar that spans lines
    keep_end: set[int] = field(default_factory=set)    # their trailing white space is content
    paper_starts: list[int] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)  # line -> top-level key of a paper
    fixed: set[int] = field(default_factory=set)        # papers (by start line) kept in order
    shaped: set[int] = field(default_factory=set)       # papers laid out as '- key: ...'
    sticky: set[int] = field(default_factory=set)       # last lines of '|+' scalars


def _protect(out: _Layout, lines: list[str], ev: ScalarEvent) -> None:
    """Mark the lines of a scalar that spans lines as content."""
    start, end = ev.start_mark, ev.end_mark
    if ev.style in ("|", ">"):
        last = end.line - 1 if end.column == 0 else end.line
        header = _BLOCK_HEADER.match(lines[start.line], start.column) if start.line < len(lines) else None
        if header and "+" in header.group(1):  # keep: trailing blank lines are text, and so is
            out.sticky.add(last)                # the absence of one after the last line
        else:  # clip or strip: trailing blank lines are layout
            while last > start.line and not lines[last].strip(_WHITE):
                last -= 1
        out.protected.update(range(start.line + 1, last + 1))
    else:  # quoted or plain text over several lines: every line is text, blank ones too
        out.protected.update(range(start.line + 1, end.line + 1))
        out.keep_end.update(range(start.line, end.line + 1))


def _layout(text: str) -> _Layout:
    out = _Layout()
    lines = text.split("\n")
    get = CParser(_yaml12_breaks(text)[0]).get_event
    # A stack of [is_map, expecting_key] per open collection; depth 1 = the root's items.
    stack: list[list[bool]] = []
    paper = -1                       # start line of the current paper
    anchors: dict[str, int] = {}     # anchor -> start line of the paper that defines it
    while (ev := get()) is not None:
        kind = type(ev)
        if kind in (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent):
            start = ev.start_mark
            if len(stack) == 1:  # a paper (an item of the root sequence)
                paper = start.line
                out.paper_starts.append(paper)
                if kind is MappingStartEvent and not ev.flow_style and start.column == 2:
                    out.shaped.add(paper)
            elif len(stack) == 2 and stack[1][0] and stack[1][1]:  # a paper's top-level key
                if kind is ScalarEvent and start.column == 2 and paper in out.shaped:
                    out.keys[start.line] = ev.value
                else:
                    out.shaped.discard(paper)
            if len(stack) >= 2 and stack[-1][0]:
                stack[-1][1] = not stack[-1][1]
            if kind is AliasEvent:
                if anchors.get(ev.anchor) == paper:
                    out.fixed.add(paper)
            elif ev.anchor is not None:
                anchors[ev.anchor] = paper
            if kind is ScalarEvent and ev.end_mark.line > start.line:
                _protect(out, lines, ev)
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                stack.append([kind is MappingStartEvent, True])
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
    return out


@dataclass
class _Line:
    text: str
    protected: bool = False   # inside a scalar: content, kept as written
    key: str | None = None    # the paper's top-level key that starts on this line
    keep_end: bool = False    # trailing white space is content (a quoted scalar goes on)
    sticky: bool = False      # the last line of a '|+' scalar: no blank line may follow

    @property
    def blank(self) -> bool:
        return not self.protected and not self.text.strip(_WHITE)

    @property
    def comment(self) -> bool:
        return not self.protected and self.text.lstrip(_WHITE).startswith("#")

    @property
    def marker(self) -> bool:
        return not self.protected and bool(_MARKER.match(self.text))


def _strip(line: _Line) -> _Line:
    if line.protected or line.keep_end:
        return line
    return _Line(line.text.rstrip(_WHITE), key=line.key, sticky=line.sticky)


def _shift(line: _Line, text: str) -> _Line:
    return _Line(text, line.protected, line.key, line.keep_end, line.sticky)


def _format_paper(body: list[_Line], reorder: bool) -> list[_Line]:
    """One paper's lines (first line `- ...`), keys ordered and sequences de-indented."""
    body = [_strip(x) for x in body if not x.blank]
    if not reorder or body[0].key is None:  # `- {id: ...}`, a bare `-`, anchors: layout kept
        return body
    lines = [_shift(body[0], "  " + body[0].text[2:])] + body[1:]
    lead_in: list[_Line] = []           # comments above the first key, if any
    blocks: list[tuple[str, list[_Line]]] = []
    pending: list[_Line] = []           # comments waiting for the next key
    for line in lines:
        if line.key is not None:
            blocks.append((line.key, pending + [line]))
            pending = []
        elif line.comment and _indent(line.text) <= 2:
            pending.append(line)
        elif not blocks:
            return body  # content before the first key: not a layout this formatter knows
        else:
            blocks[-1][1].extend(pending)
            pending = []
            blocks[-1][1].append(line)
    if pending:
        if blocks:
            blocks[-1][1].extend(pending)
        else:
            lead_in.extend(pending)
    rank = {k: i for i, k in enumerate(PAPER_KEY_ORDER)}
    blocks.sort(key=lambda b: rank.get(b[0], len(rank)))  # stable: unknown keys keep order
    out: list[_Line] = []
    for n, (_, block) in enumerate(blocks):
        block = _dedent_sequence(block)
        if n == 0:
            k = next(i for i, x in enumerate(block) if not x.comment)
            lead_in += [_Line(x.text.lstrip(_WHITE)) for x in block[:k]]
            block = block[k:]
            block[0] = _shift(block[0], "- " + block[0].text[2:])
        out += block
    return lead_in + out


def _dedent_sequence(block: list[_Line]) -> list[_Line]:
    """`  key:` + `    - item` lines -> `  key:` + `  - item` (all its lines shifted by 2)."""
    k = next(i for i, x in enumerate(block) if not x.comment)  # the key line
    head, rest = block[:k + 1], block[k + 1:]
    if not rest or not _BARE_KEY.fullmatch(head[-1].text):
        return block  # the key has an inline value
    content = [x for x in rest if not x.comment and not x.blank]
    if not content or not content[0].text.startswith("    - ") and content[0].text != "    -":
        return block
    if any(x.text.strip(_WHITE) and _indent(x.text) < 4 for x in content):
        return block
    shifted = [x if (x.comment and _indent(x.text) < 4) or (x.protected and not x.text.strip(_WHITE))
               else _shift(x, x.text[2:]) for x in rest]
    return head + shifted


def format_text(text: str, file: str = "<string>") -> str:
    """The canonical form of catalog `text` (see the module docstring)."""
    data, _, issues = parse_yaml(text, file)
    if issues:
        raise FormatError(issues)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    layout = _layout(text)
    try:
        return _verified(_format(text, layout, reorder=True), text, data, file)
    except FormatError:
        # A layout the key moves cannot handle: white space and blank lines only.
        return _verified(_format(text, layout, reorder=False), text, data, file)


def _verified(result: str, text: str, data: Any, file: str) -> str:
    _verify(text, result, data, file)
    return result


def _format(text: str, layout: _Layout, reorder: bool) -> str:
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    lines = [_Line(t, i in layout.protected, layout.keys.get(i), i in layout.keep_end,
                   i in layout.sticky) for i, t in enumerate(raw)]
    starts = [i for i in layout.paper_starts if i < len(lines) and lines[i].text.startswith("-")]
    if starts != layout.paper_starts or len(set(starts)) != len(starts):
        starts, reorder = [], False  # papers share a line, or do not start in column 1
    fixed = {i for i in starts if i in layout.fixed or i not in layout.shaped}

    head = lines[:starts[0]] if starts else lines
    chunks = [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]

    out: list[_Line] = []
    head = [_strip(x) for x in head]
    carry: list[_Line] = []  # col-0 comments after a blank line: they introduce the next paper
    if chunks:  # the head's last comment block, right above the first paper, introduces it
        last_blank = max((i for i, x in enumerate(head) if x.blank), default=-1)
        head, carry = head[:last_blank + 1], head[last_blank + 1:]
    while head and head[-1].blank:
        head.pop()
    while head and head[0].blank:
        head.pop(0)
    out += head

    sticky = False  # the last paper ended with a '|+' scalar
    for n, (start, chunk) in enumerate(zip(starts, chunks)):
        tail: list[_Line] = []
        while len(chunk) > 1 and (chunk[-1].blank or chunk[-1].marker or (
                chunk[-1].comment and _indent(chunk[-1].text) == 0)):
            tail.insert(0, chunk.pop())
        if any(x.marker for x in tail):  # a document marker: everything after it stays as is
            k = next(i for i, x in enumerate(tail) if x.marker)
            tail, after = tail[:k], tail[k:]
        else:
            after = []
        last_blank = max((i for i, x in enumerate(tail) if x.blank), default=len(tail))
        attached = [x for x in tail[:last_blank] if not x.blank]  # comments closing this paper
        if out and not sticky:  # after a '|+' scalar, a blank line would be part of its text
            out.append(_Line(""))
        out += _collapse_blanks([_strip(x) for x in carry])
        body = _format_paper(chunk, reorder and start not in fixed)
        sticky = body[-1].sticky
        out += body
        out += [_strip(x) for x in attached]
        carry = tail[last_blank + 1:]
        if after or (n == len(chunks) - 1 and any(not x.blank for x in carry)):
            rest = _collapse_blanks([_strip(x) for x in carry])
            if rest:
                if not sticky:
                    out.append(_Line(""))
                out += rest
            out += [_strip(x) for x in after]
            if n < len(chunks) - 1:  # papers after a marker: not a catalog's layout
                return text if text.endswith("\n") or not text else text + "\n"
    while out and out[-1].blank:
        out.pop()
    return "\n".join(x.text for x in out) + "\n" if out else ""


def _collapse_blanks(lines: list[_Line]) -> list[_Line]:
    out: list[_Line] = []
    for x in lines:
        if x.blank and (not out or out[-1].blank):
            continue
        out.append(x)
    while out and out[-1].blank:
        out.pop()
    return out


def _same(a: Any, b: Any) -> bool:
    """Deep equality that tells True from 1 and 1 from 1.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _comments(text: str) -> Counter:
    return Counter(line.strip(_WHITE) for line in text.split("\n")
                   if line.lstrip(_WHITE).startswith("#"))


def _verify(before: str, after: str, data: Any, file: str) -> None:
    new, _, issues = parse_yaml(after, file)
    if issues or not _same(data, new):
        raise FormatError([CatalogIssue(file, 1, "fmt", "formatting would change the data "
                                                        "(a bug in catalog fmt); the file is "
                                                        "left as it is")])
    if _comments(before) != _comments(after):
        raise FormatError([CatalogIssue(file, 1, "fmt", "formatting would lose a comment (a bug "
                                                        "in catalog fmt); the file is left as "
                                                        "it is")])
