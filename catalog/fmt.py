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
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from catalog.load import CatalogIssue, parse_yaml

# The order most papers in data/papers.yaml already use (so a first run moves few lines).
PAPER_KEY_ORDER = (
    "id", "title", "short_name", "authors", "metadata_sources", "year", "month", "venue",
    "arxiv", "tags", "links", "code", "summary", "sources", "models", "results", "efficiency",
    "errata",
)

_PAPER_START = re.compile(r"-(?: |$)")
_FIRST_KEY = re.compile(r"- ([A-Za-z_][\w-]*):(?: |$)")
_KEY = re.compile(r"  ([A-Za-z_][\w-]*):(?: |$)")
_BARE_KEY = re.compile(r"  [A-Za-z_][\w-]*:\s*(?:#.*)?")
_LEAD = re.compile(r"( *)((?:- +)*)")
_BLOCK_SCALAR = re.compile(r"(?:^|[\s:-])[|>][1-9+-]{0,2}\s*(?:#.*)?$")


class FormatError(Exception):
    """The text cannot be formatted: it does not parse, or formatting would change its data."""

    def __init__(self, issues: list[CatalogIssue]):
        self.issues = issues
        super().__init__("\n".join(map(str, issues)))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _protected(lines: list[str]) -> set[int]:
    """Indexes of lines inside block scalars (`|`, `>`): their white space is content."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = None if line.lstrip().startswith("#") else _BLOCK_SCALAR.search(line)
        if m:
            lead = _LEAD.match(line)
            spaces, dashes = lead.group(1), lead.group(2)
            keyed = ":" in line[lead.end():m.start() + 1]
            # Content must be indented more than the node holding it: the key's column, or the
            # innermost sequence's dash.
            parent = len(spaces) + len(dashes) if keyed else len(spaces) + max(0, len(dashes) - 2)
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > parent):
                j += 1
            end = j
            if "+" not in m.group(0):  # trailing blank lines are kept only with `+` chomping
                while end > i + 1 and not lines[end - 1].strip():
                    end -= 1
            out.update(range(i + 1, end))
            i = j
        else:
            i += 1
    return out


@dataclass
class _Line:
    text: str
    protected: bool

    @property
    def blank(self) -> bool:
        return not self.protected and not self.text.strip()

    @property
    def comment(self) -> bool:
        return not self.protected and self.text.lstrip().startswith("#")


def _strip(line: _Line) -> _Line:
    return line if line.protected else _Line(line.text.rstrip(), False)


def _format_paper(body: list[_Line]) -> list[_Line]:
    """One paper's lines (first line `- ...`), keys ordered and sequences de-indented."""
    body = [_strip(x) for x in body if not x.blank]
    first = _FIRST_KEY.match(body[0].text)
    if first is None:  # `- {id: ...}` or a bare `-`: leave the paper's layout alone
        return body
    lines = [_Line("  " + body[0].text[2:], False)] + body[1:]
    lead_in: list[_Line] = []           # comments above the first key, if any
    blocks: list[tuple[str, list[_Line]]] = []
    pending: list[_Line] = []           # comments waiting for the next key
    for line in lines:
        m = None if line.protected else _KEY.match(line.text)
        if m:
            blocks.append((m.group(1), pending + [line]))
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
            lead_in += [_Line(x.text.lstrip(), False) for x in block[:k]]
            block = block[k:]
            block[0] = _Line("- " + block[0].text[2:], False)
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
    if any(not x.protected and _indent(x.text) < 4 for x in content):
        return block
    shifted = [x if (x.comment and _indent(x.text) < 4) or (x.protected and not x.text.strip())
               else _Line(x.text[2:], x.protected) for x in rest]
    return head + shifted


def format_text(text: str, file: str = "<string>") -> str:
    """The canonical form of catalog `text` (see the module docstring)."""
    data, _, issues = parse_yaml(text, file)
    if issues:
        raise FormatError(issues)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    for n, line in enumerate(raw):
        m = None if line.lstrip().startswith("#") else _BLOCK_SCALAR.search(line)
        if m and "+" in m.group(0):  # its trailing blank lines are content: layout would change it
            raise FormatError([CatalogIssue(file, n + 1, "fmt", "a block scalar that keeps its "
                                            "trailing blank lines ('|+' or '>+'); write '|' or "
                                            "'>' instead", m.start() + 2)])
    protected = _protected(raw)
    lines = [_Line(t, i in protected) for i, t in enumerate(raw)]

    starts = [i for i, x in enumerate(lines) if not x.protected and _PAPER_START.match(x.text)]
    head = lines[:starts[0]] if starts else lines
    chunks = [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]

    out: list[str] = []
    head = [_strip(x) for x in head]
    carry: list[_Line] = []  # col-0 comments after a blank line: they introduce the next paper
    if chunks:  # the head's last comment block, right above the first paper, introduces it
        last_blank = max((i for i, x in enumerate(head) if x.blank), default=-1)
        head, carry = head[:last_blank + 1], head[last_blank + 1:]
    while head and head[-1].blank:
        head.pop()
    while head and head[0].blank:
        head.pop(0)
    out += [x.text for x in head]

    for n, chunk in enumerate(chunks):
        tail: list[_Line] = []
        while len(chunk) > 1 and (chunk[-1].blank or (chunk[-1].comment and _indent(chunk[-1].text) == 0)):
            tail.insert(0, chunk.pop())
        last_blank = max((i for i, x in enumerate(tail) if x.blank), default=len(tail))
        attached = [x for x in tail[:last_blank] if not x.blank]  # comments closing this paper
        if out:
            out.append("")
        lead = _collapse_blanks([_strip(x) for x in carry])
        out += [x.text for x in lead]
        out += [x.text for x in _format_paper(chunk)]
        out += [_strip(x).text for x in attached]
        carry = tail[last_blank + 1:]
        if n == len(chunks) - 1 and any(not x.blank for x in carry):
            out.append("")
            out += [x.text for x in _collapse_blanks([_strip(x) for x in carry])]
    result = "\n".join(out).rstrip("\n") + "\n" if out else ""
    _verify(text, result, data, file)
    return result


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
    return Counter(line.strip() for line in text.split("\n") if line.lstrip().startswith("#"))


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
