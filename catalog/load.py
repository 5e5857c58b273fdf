"""YAML -> validated `Catalog`, with every error pointing at a file, line and column.

Pipeline:
1. libyaml's C parser (`yaml._yaml.CParser`) turns the text into events; `_Builder` constructs
   plain dicts/lists/scalars from them itself, resolving plain scalars by the YAML 1.2 core
   schema (`yes`, `1:20`, `2015-06-01` stay text; `017` is refused as ambiguous; `.inf`, `.nan`
   and `1e400` are refused as non-finite), rejecting every tag but plain data, duplicate keys,
   non-string keys, nesting deeper than `MAX_DEPTH` and scalars longer than
   `MAX_SCALAR_CHARS`. Aliases share the anchored value; what they *add* to the document is
   counted and capped (`MAX_ALIAS_NODES`, `MAX_ALIAS_CHARS`: billion laughs), so the work after
   parsing stays bounded by the input size. Building from events keeps no node graph (the
   composed graph costs ~40x the file size).
2. The position of every value and key is kept in a mark tree beside the data (`SourceMap`);
   an error inside an aliased value points at the alias, and says where its anchor is.
3. pydantic validates the data; each error's `loc` is mapped back to a line and column.
4. `catalog.checks` adds the rules that span entries (unique ids, declared models, ...).

Errors print as `PATH:LINE:COLUMN: location: message`, the location naming the paper by id when
it has one (`fcn.results[3].value`), else by index (`[12].results[3].value`). Messages quote at
most a short excerpt of a value (`excerpt`), and at most `MAX_ISSUES` errors are reported.
"""

from __future__ import annotations

import difflib
import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from yaml._yaml import CParser
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from catalog import DEFAULT_CATALOG
from catalog.safeio import UnsafeFile, read_bytes
from catalog.schema import _BAD_CHARS, TEXT_CHECKED, Catalog, Paper, bad_char_message

# What aliases may add to a document (beyond what is written out): enough for any sane use of
# anchors (shared source lists, `<<: *defaults`), far below a billion laughs.
MAX_ALIAS_NODES = 100_000
MAX_ALIAS_CHARS = 1_000_000
MAX_DEPTH = 40               # the catalog nests 7 deep; this keeps every later recursion safe
MAX_SCALAR_CHARS = 20_000    # the longest text field (a summary) allows 2,000
MAX_ISSUES = 200             # errors reported per load; the rest are counted
MAX_CATALOG_BYTES = 256 << 20  # 5x the synthetic 10,000-paper catalog (47 MB)
EXCERPT_CHARS = 80

Path_ = tuple[str | int, ...]  # a location inside the document: (0, "results", 3)


# --------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class CatalogIssue:
    """One problem, printable as `PATH:LINE:COLUMN: location: message` (column 0: unknown)."""

    file: str
    line: int
    location: str
    message: str
    column: int = 0

    def __str__(self) -> str:
        col = f"{self.column}:" if self.column else ""
        return f"{self.file}:{self.line}:{col} {self.location}: {self.message}"


class CatalogError(Exception):
    """The catalog could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[CatalogIssue | str]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable quotation of `value` for messages: never long, never raw control text.

    Strings are quoted with `repr` (control, bidi and zero-width characters come out escaped)
    and cut at `limit` characters with the full length appended; containers are described.
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} chars)"
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** 30:
        return f"an integer of {len(str(abs(value)))} digits"
    return repr(value)


def _bounded(message: str, value: Any = None) -> str:
    """Replace a long value quoted inside `message` by its excerpt; cap the message."""
    if isinstance(value, str) and len(value) > EXCERPT_CHARS and value in message:
        message = message.replace(f"'{value}'", excerpt(value)).replace(value, excerpt(value))
    if len(message) > 600:
        message = message[:600] + f"… (message cut, {len(message):,} chars)"
    return message


# --------------------------------------------------------------------------- positions

# A position is one int: line << 32 | column << 1 | through-alias flag (0-based line/column).
_ALIAS = 1
_LOW64 = (1 << 64) - 1


def _pos(mark: Any, alias: bool = False) -> int:
    return (mark.line << 32) | (mark.column << 1) | (1 if alias else 0)


def _line_col(pos: int) -> tuple[int, int]:
    return (pos >> 32) + 1, ((pos >> 1) & 0x7FFFFFFF) + 1


@dataclass
class SourceMap:
    """Where values (and keys) of a loaded YAML document sit, by path.

    The loader fills a mark tree (`_marks`, keyed by the id of each container of `_root`);
    `value_lines` / `key_lines` are explicit overrides (`SourceMap(file, {(): 0})` is an empty
    map whose every line is 0). Lines and columns are 1-based.
    """

    file: str
    value_lines: dict[Path_, int] = field(default_factory=dict)
    key_lines: dict[Path_, int] = field(default_factory=dict)
    paper_ids: dict[int, str] = field(default_factory=dict)  # index -> id, for locations
    _root: Any = field(default=None, repr=False)
    _root_pos: int | None = field(default=None, repr=False)
    _marks: dict[int, Any] = field(default_factory=dict, repr=False)
    _aliases: dict[int, tuple[str, int]] = field(default_factory=dict, repr=False)
    text_issues: list[CatalogIssue] = field(default_factory=list, repr=False)  # bad characters
    _lazy_text: str | None = field(default=None, repr=False)  # positions not built yet
    _data: Any = field(default=None, repr=False)  # the plain data the catalog was built from

    def _materialize(self) -> None:
        """Build the mark tree now (the fast path left it for the first question)."""
        text, self._lazy_text = self._lazy_text, None
        builder = _Builder(text, self.file)
        with _no_gc():
            builder.build()
        self._root, self._root_pos = builder.where._root, builder.where._root_pos
        self._marks, self._aliases = builder.where._marks, builder.where._aliases

    def _walk(self, path: Path_, prefer_key: bool) -> tuple[int | None, bool]:
        """(position of the deepest node of `path` the tree knows, reached through an alias)."""
        if self._lazy_text is not None:
            self._materialize()
        if self._root_pos is None:
            return None, False
        obj, pos = self._root, self._root_pos
        last = len(path) - 1
        for n, part in enumerate(path):
            marks = self._marks.get(id(obj))
            if marks is None:
                break
            if isinstance(marks, list):
                if not (isinstance(part, int) and 0 <= part < len(marks)):
                    break
                child = marks[part]
            else:
                packed = marks.get(part)
                if packed is None:
                    break
                child = packed >> 64 if (prefer_key and n == last) else packed & _LOW64
            pos, obj = child, obj[part]
            if child & _ALIAS:
                return pos, True
        return pos, False

    def position(self, path: Path_, prefer_key: bool = False) -> tuple[int, int]:
        """(line, column) of `path`, or of its nearest enclosing node that has one."""
        p = tuple(path)
        if prefer_key and p in self.key_lines:
            return self.key_lines[p], 0
        if self._lazy_text is not None:
            self._materialize()
        if self._root_pos is not None:
            return _line_col(self._walk(p, prefer_key)[0])
        while p:
            if p in self.value_lines:
                return self.value_lines[p], 0
            p = p[:-1]
        return self.value_lines.get((), 1), 0

    def line(self, path: Path_, prefer_key: bool = False) -> int:
        return self.position(path, prefer_key)[0]

    def column(self, path: Path_, prefer_key: bool = False) -> int:
        return self.position(path, prefer_key)[1]

    def location(self, path: Path_) -> str:
        return format_location(path, self.paper_ids)

    def issue(self, path: Path_, message: str, prefer_key: bool = False) -> CatalogIssue:
        line, col = self.position(path, prefer_key)  # builds the marks if need be
        pos, via_alias = self._walk(tuple(path), prefer_key) if self._root_pos is not None else (None, False)
        if via_alias and pos in self._aliases:
            name, anchor = self._aliases[pos]
            if name == _MERGED:
                message += (f" (value merged in by '<<' here; it is written on line "
                            f"{_line_col(anchor)[0]})")
            else:
                message += (f" (value through the alias *{name}; its anchor is on line "
                            f"{_line_col(anchor)[0]})")
        return CatalogIssue(self.file, line, self.location(path), message, col)


_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")


def format_location(path: Path_, paper_ids: dict[int, str] | None = None) -> str:
    """`(3, 'results', 2, 'value')` -> `fcn.results[2].value` (or `[3].results[2].value`)."""
    if not path:
        return "<root>"
    out = ""
    for i, part in enumerate(path):
        if isinstance(part, int):
            if i == 0 and paper_ids and part in paper_ids:
                out = paper_ids[part]
            else:
                out += f"[{part}]"
        else:
            name = part if _ID_LIKE.match(part) else excerpt(part, 40)
            out += f".{name}" if out else name
    return out


# --------------------------------------------------------------------------- YAML 1.2 core

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OCT = re.compile(r"0o[0-7]+\Z")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF_NAN = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
_NUMBER_START = frozenset("0123456789+-.")
_WORD_START = frozenset("~nNtTfF")
_RESOLVE_START = _NUMBER_START | _WORD_START
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAGS = (None, "!", "tag:yaml.org,2002:seq")
_MAP_TAGS = (None, "!", "tag:yaml.org,2002:map")
_MERGE = "<<"
_MERGED = "<<"  # the name `SourceMap._aliases` gives to values a merge key brought in


class _ScalarProblem(Exception):
    pass


def resolve_plain(value: str) -> Any:
    """A plain (unquoted, untagged) scalar by the YAML 1.2 core schema, minus its traps.

    Raises `_ScalarProblem` for what YAML 1.1 and 1.2 read differently (`017`), for octal and
    hexadecimal forms (`0o17`, `0x1F`: no source prints those) and for numbers that are not
    finite (`.inf`, `.nan`, `1e400`): the catalog holds none of them.
    """
    if value in _NULLS:
        return None
    c = value[0]
    if c in _NUMBER_START:
        if _INT.match(value):
            digits = value.lstrip("+-")
            if len(digits) > 1 and digits[0] == "0":
                raise _ScalarProblem(
                    f"{value!r} has a leading zero: YAML 1.1 reads it as an octal number, "
                    f"YAML 1.2 as decimal; write it without the zero, or quote it if it is text")
            if len(digits) > 30:
                raise _ScalarProblem(f"the integer {excerpt(value)} is too large "
                                     f"({len(digits):,} digits)")
            return int(value)
        if _FLOAT.match(value):
            number = float(value)
            if not math.isfinite(number):
                raise _ScalarProblem(f"{excerpt(value)} is too large to be a finite number")
            if number == 0.0 and any(c in "123456789" for c in value.partition("e")[0].partition("E")[0]):
                raise _ScalarProblem(f"{excerpt(value)} is too small to be told apart from 0")
            return number
        if _INF_NAN.match(value):
            raise _ScalarProblem(f"{value!r} is not a finite number; the catalog holds finite "
                                 f"numbers only")
        if _INT_OCT.match(value) or _INT_HEX.match(value):
            base = "an octal" if value[1] == "o" else "a hexadecimal"
            raise _ScalarProblem(f"{excerpt(value)} is {base} number; the catalog writes numbers "
                                 "in decimal, as the source prints them")
        return value
    if c in _WORD_START:
        b = _BOOLS.get(value)
        if b is not None:
            return b
    return value


# --------------------------------------------------------------------------- events -> data


class _Frame:
    """An open sequence or mapping while its events arrive."""

    __slots__ = ("value", "marks", "pos", "anchor", "is_map", "key", "key_pos",
                 "has_key", "skip", "merges", "bad", "in_key")

    def __init__(self, value, pos, anchor, is_map, bad, in_key):
        self.value = value
        self.pos = pos
        self.anchor = anchor
        self.is_map = is_map
        self.marks = {} if is_map else []  # key -> key position << 64 | value position
        self.key = None
        self.key_pos = 0
        self.has_key = False
        self.skip = False
        self.merges = None
        self.bad = bad        # a problem was reported for this container itself
        self.in_key = in_key  # this container is a mapping key (always an error)


class _Stop(Exception):
    """Too many problems, or one that makes the rest meaningless (alias bomb)."""


class _Builder:
    """Builds plain data from libyaml events, keeping each value's position in a mark tree.

    The event loop inlines the common cases (a scalar into a list or as a mapping value); the
    rest goes through `add`.
    """

    def __init__(self, text: str, file: str):
        self.text, self.restore = _yaml12_breaks(text)
        # Catalog text may not hold invisible or control characters (catalog.schema). Raw ones
        # are found by one search of the whole text; escaped ones ("\x1b") only exist in
        # double-quoted scalars, which are checked one by one.
        self.check_all = _BAD_CHARS.search(self.text) is not None
        self.text_problems: list[tuple[Path_, int, str]] = []
        self.where = SourceMap(file)
        self.problems: list[tuple[Path_, int, str]] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, position)
        self.open_anchors: set[str] = set()
        self.sizes: dict[int, tuple[int, int]] = {}    # id(container) -> expanded (nodes, chars)
        self.alias_nodes = 0    # what aliases added to the document
        self.alias_chars = 0

    # ---- problems

    def _path(self) -> Path_:
        out: list[str | int] = []
        for f in self.stack:
            if f.is_map:
                if f.has_key and isinstance(f.key, str):
                    out.append(f.key)
                else:
                    break
            else:
                out.append(len(f.value))
        return tuple(out)

    def problem(self, pos: int, msg: str, path: Path_ | None = None) -> None:
        self.problems.append((self._path() if path is None else path, pos, msg))
        if len(self.problems) > MAX_ISSUES:
            raise _Stop

    # ---- the event loop

    def build(self) -> Any:
        get = CParser(self.text).get_event
        restore = self.restore
        check_all = self.check_all
        stack = self.stack
        marks_of = self.where._marks
        add = self.add
        documents = 0
        while True:
            ev = get()
            kind = type(ev)
            if kind is ScalarEvent:
                value = ev.value
                if restore is not None:
                    value = value.translate(restore)
                m = ev.start_mark
                pos = (m.line << 32) | (m.column << 1)
                if (check_all or ev.style == '"') and _BAD_CHARS.search(value) \
                        and bad_char_message(value.strip()):  # as validated: stripped
                    self.text_problems.append((self._path(), pos, bad_char_message(value.strip())))
                if len(value) > MAX_SCALAR_CHARS:
                    self.problem(pos, f"this value is {len(value):,} characters long (at most "
                                      f"{MAX_SCALAR_CHARS:,}): {excerpt(value)}")
                    value = value[:EXCERPT_CHARS]
                tag = ev.tag
                if tag is None:
                    if (not value or value[0] in _RESOLVE_START) and ev.implicit[0]:
                        try:
                            value = resolve_plain(value)
                        except _ScalarProblem as e:
                            self.problem(pos, str(e))
                            value = None
                elif tag != "!" and tag != _STR_TAG:
                    self.problem(pos, _tag_message(tag))
                    value = None
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (value, pos)
                if stack:  # inline the two common cases of `add`
                    parent = stack[-1]
                    if not parent.is_map:
                        parent.value.append(value)
                        parent.marks.append(pos)
                        continue
                    if parent.has_key:
                        if not parent.skip and parent.key is not _MERGE:
                            key = parent.key
                            parent.value[key] = value
                            parent.marks[key] = (parent.key_pos << 64) | pos
                            parent.has_key = False
                            continue
                    elif type(value) is str and value != _MERGE and value not in parent.value:
                        parent.has_key = True
                        parent.key = value
                        parent.key_pos = pos
                        parent.skip = False
                        continue
                add(value, pos)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                is_map = kind is MappingStartEvent
                m = ev.start_mark
                pos = (m.line << 32) | (m.column << 1)
                bad = False
                if ev.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                    self.problem(pos, _tag_message(ev.tag))
                    bad = True
                in_key = bool(stack) and stack[-1].is_map and not stack[-1].has_key
                if len(stack) >= MAX_DEPTH:
                    self.problem(pos, f"the document nests deeper than {MAX_DEPTH} levels")
                    raise _Stop
                if ev.anchor is not None:
                    self.open_anchors.add(ev.anchor)
                stack.append(_Frame({} if is_map else [], pos, ev.anchor, is_map, bad, in_key))
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                value = frame.value
                if frame.merges:
                    self._merge(frame)
                marks_of[id(value)] = frame.marks
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    self.anchors[frame.anchor] = (value, frame.pos)
                if frame.in_key:
                    self.problem(frame.pos, "mapping keys must be plain strings (got a "
                                            f"{'mapping' if frame.is_map else 'list'})")
                add(None if frame.bad else value, frame.pos)
            elif kind is AliasEvent:
                self.alias(ev)
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.problem(_pos(ev.start_mark), "a second YAML document ('---'): the "
                                                      "catalog is one document", path=())
                    raise _Stop
            elif kind is StreamEndEvent:
                break
            # StreamStart, DocumentEnd: nothing to do
        return self.where._root

    def size(self, value: Any) -> tuple[int, int]:
        """(nodes, characters) of `value` with every alias inside it expanded; memoised per
        container, so linear in the distinct values even for a billion laughs."""
        if isinstance(value, str):
            return 1, len(value)
        if not isinstance(value, (list, dict)):
            return 1, 0
        known = self.sizes.get(id(value))
        if known is not None:
            return known
        nodes, chars = 1, 0
        for child in (value.values() if isinstance(value, dict) else value):
            n, c = self.size(child)  # depth is bounded by MAX_DEPTH
            nodes, chars = nodes + n, chars + c
        for key in (value if isinstance(value, dict) else ()):
            nodes, chars = nodes + 1, chars + len(key)
        self.sizes[id(value)] = (nodes, chars)
        return nodes, chars

    def alias(self, ev: AliasEvent) -> None:
        pos = _pos(ev.start_mark, alias=True)
        name = ev.anchor
        if name not in self.anchors:
            if name in self.open_anchors:
                self.problem(pos, f"recursive alias: *{excerpt(name, 40)[1:-1]} refers to a node "
                                  "that contains it")
            else:
                self.problem(pos, f"found undefined alias '{excerpt(name, 40)[1:-1]}'")
            self.add(None, pos)
            return
        value, anchor_pos = self.anchors[name]
        nodes, chars = self.size(value)
        self.alias_nodes += nodes
        self.alias_chars += chars
        if self.alias_nodes > MAX_ALIAS_NODES or self.alias_chars > MAX_ALIAS_CHARS:
            self.problem(pos, f"aliases expand this document by more than "
                              f"{MAX_ALIAS_NODES:,} nodes or {MAX_ALIAS_CHARS:,} characters "
                              f"(here: +{self.alias_nodes:,} nodes, +{self.alias_chars:,} "
                              "characters): alias bomb? refusing to load")
            raise _Stop
        self.where._aliases[pos] = (name, anchor_pos)
        self.add(value, pos)

    def add(self, value: Any, pos: int) -> None:
        """Put a finished value into its parent (or make it the root)."""
        if not self.stack:
            self.where._root, self.where._root_pos = value, pos
            return
        parent = self.stack[-1]
        if not parent.is_map:
            parent.value.append(value)
            parent.marks.append(pos)
            return
        if not parent.has_key:
            parent.has_key = True
            parent.key_pos = pos
            parent.skip = False
            parent.key = None
            if value == _MERGE and isinstance(value, str) and not (pos & _ALIAS):
                parent.key = _MERGE
                return
            if not isinstance(value, str):
                parent.skip = True
                if not isinstance(value, (dict, list)):  # containers were reported already
                    got = "null" if value is None else type(value).__name__
                    self.problem(pos, f"mapping keys must be plain strings (got {got}: "
                                      f"{excerpt(value)})")
                return
            if value in parent.value:
                line = _line_col(parent.marks[value] >> 64)[0]
                parent.key = value
                self.problem(pos, f"duplicate key {excerpt(value)} (first given on line {line})")
                parent.skip = True
                return
            parent.key = value
            return
        parent.has_key = False
        if parent.skip:
            return
        key = parent.key
        if key is _MERGE:
            if parent.merges is None:
                parent.merges = []
            parent.merges.append((value, pos))
            return
        parent.value[key] = value
        parent.marks[key] = (parent.key_pos << 64) | pos

    def _merge(self, frame: _Frame) -> None:
        """`<<: *defaults` (or a list of them): explicit keys win, as YAML specifies."""
        for value, pos in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for src in sources:
                if not isinstance(src, dict):
                    self.problems.append((self._path() + (), pos,
                                          "'<<' merge needs a mapping or a list of mappings"))
                    continue
                merged_pos = pos | _ALIAS
                if merged_pos not in self.where._aliases:
                    anchor = self.where._aliases.get(pos, ("", pos))[1]
                    self.where._aliases[merged_pos] = (_MERGED, anchor)
                for k, v in src.items():
                    if k not in frame.value:
                        frame.value[k] = v
                        frame.marks[k] = (merged_pos << 64) | merged_pos


def _tag_message(tag: str) -> str:
    hint = " (Python object tags are never constructed or executed)" if "python/" in tag else ""
    return f"YAML tag {excerpt(tag)} is not allowed: the catalog is plain data{hint}"


def _paper_ids(data: Any) -> dict[int, str]:
    if not isinstance(data, list):
        return {}
    return {i: p["id"] for i, p in enumerate(data)
            if isinstance(p, dict) and isinstance(p.get("id"), str) and _ID_LIKE.match(p["id"])}


# YAML 1.2 breaks lines at LF, CR and CR LF only (spec 5.4: NEL, LS and PS are ordinary
# characters); libyaml follows YAML 1.1, which also breaks at those three, so its line numbers
# drift after one and a comment holding one ends there. libyaml is given the text with the three
# replaced by private-use stand-ins (one character each, so columns hold), and values get the
# originals back.
_NON_BREAKS = "\x85\u2028\u2029"


def _yaml12_breaks(text: str) -> tuple[str, dict[int, int] | None]:
    """(text for libyaml, table restoring values) — (text, None) when there is nothing to do."""
    if not any(c in text for c in _NON_BREAKS):
        return text, None
    stand_ins = [c for c in map(chr, range(0xE000, 0xF900)) if c not in text][:3]
    there = {ord(a): b for a, b in zip(_NON_BREAKS, stand_ins)}
    return text.translate(there), {ord(b): a for a, b in zip(_NON_BREAKS, stand_ins)}


def _text_position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of character `index` of `text`, lines counted as YAML 1.2 counts
    them (LF, CR, CR LF; not NEL, LS or PS)."""
    before = text[:index]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return line, index - start + 1


def _offset_position(text: str, byte_offset: int) -> tuple[int, int]:
    """1-based (line, column) of a UTF-8 byte offset into `text`."""
    before = text.encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "replace")
    return _text_position(before, len(before))


@contextmanager
def _no_gc() -> Iterator[None]:
    """Building ~1M containers triggers the cyclic GC over and over (6x the parse time); the
    data has no cycles, so collection can wait until it is built."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Slow(Exception):
    """The fast path met something it leaves to `_Builder` (a problem, an anchor, a tag...)."""


_NO_KEY = object()


def _build_fast(text: str, restore: dict[int, int] | None, check_all: bool) -> Any:
    """The data of a document that holds nothing unusual, without positions (the common case:
    a valid catalog). Anything `_Builder` would report, and anything it treats specially
    (anchors, aliases, merge keys, tags), raises `_Slow`; the caller then builds again with
    `_Builder`, which reports it with its position. Same data as `_Builder` otherwise.

    The open container is kept in locals (`parent`, `in_list`, `key`), the rest on `stack`."""
    get = CParser(text).get_event
    stack: list[tuple[Any, bool, Any]] = []   # the enclosing (container, in_list, key)
    parent: Any = None
    in_list = False
    key: Any = _NO_KEY                      # a mapping's pending key
    plain: dict[str, Any] = {}              # resolve_plain's answers, by text
    root = None
    documents = 0
    resolve_start = _RESOLVE_START
    while True:
        ev = get()
        kind = type(ev)
        if kind is ScalarEvent:
            value = ev.value
            if restore is not None:
                value = value.translate(restore)
            if ev.anchor is not None or len(value) > MAX_SCALAR_CHARS:
                raise _Slow
            if (check_all or ev.style == '"') and _BAD_CHARS.search(value) \
                    and _BAD_CHARS.search(value.strip()):
                raise _Slow
            tag = ev.tag
            if tag is None:
                if (not value or value[0] in resolve_start) and ev.implicit[0]:
                    resolved = plain.get(value, _NO_KEY)  # years, booleans, common numbers
                    if resolved is _NO_KEY:
                        try:
                            resolved = resolve_plain(value)
                        except _ScalarProblem:
                            raise _Slow from None
                        if len(plain) < 100_000:
                            plain[value] = resolved
                    value = resolved
            elif tag != "!" and tag != _STR_TAG:
                raise _Slow
            if in_list:
                parent.append(value)
            elif key is _NO_KEY:
                if parent is None or type(value) is not str or value == _MERGE or value in parent:
                    raise _Slow  # a scalar document, a key that is no plain text, a repeated key
                key = value
            else:
                parent[key] = value
                key = _NO_KEY
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            is_map = kind is MappingStartEvent
            if ev.anchor is not None or len(stack) >= MAX_DEPTH - 1 \
                    or ev.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise _Slow
            new: Any = {} if is_map else []
            if in_list:
                parent.append(new)
            elif parent is None:
                root = new
            elif key is _NO_KEY:
                raise _Slow  # a container as a key
            else:
                parent[key] = new
                key = _NO_KEY
            stack.append((parent, in_list, key))
            parent, in_list, key = new, not is_map, _NO_KEY
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            parent, in_list, key = stack.pop()
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Slow
        elif kind is StreamEndEvent:
            return root
        elif kind is AliasEvent:
            raise _Slow
        # StreamStart, DocumentEnd: nothing to do


def parse_yaml(text: str, file: str = "<string>") -> tuple[Any, SourceMap, list[CatalogIssue]]:
    """Parse `text` into plain data; syntax and safety problems come back as located issues.

    A document with nothing to report is built by `_build_fast`, without positions: its
    SourceMap builds them (parsing again) the first time a position is asked for. Anything
    else is built by `_Builder`, which locates every problem."""
    lib_text, restore = _yaml12_breaks(text)
    try:
        with _no_gc():
            data = _build_fast(lib_text, restore, _BAD_CHARS.search(lib_text) is not None)
    except (_Slow, yaml.YAMLError, UnicodeEncodeError):
        return _parse_located(text, file)
    where = SourceMap(file)
    where._lazy_text = text
    if data is not None:
        where.paper_ids = _paper_ids(data)
    return data, where, []


def _parse_located(text: str, file: str) -> tuple[Any, SourceMap, list[CatalogIssue]]:
    builder = _Builder(text, file)
    where = builder.where
    try:
        with _no_gc():
            data = builder.build()
    except _Stop:
        data = None
        if builder.stack and isinstance(builder.stack[0].value, list):  # name papers read so far
            papers = builder.stack[0].value
            where.paper_ids = _paper_ids(papers + [f.value for f in builder.stack[1:2]])
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = e.problem or ""
        if e.context:
            at = f" on line {e.context_mark.line + 1}" if e.context_mark else ""
            what += f" ({e.context}{at})"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 0)
        return None, SourceMap(file), [CatalogIssue(file, line, "yaml",
                                                    f"YAML syntax error: {_bounded(what)}", col)]
    except yaml.reader.ReaderError as e:
        line, col = _offset_position(builder.text, e.position)
        char = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or "\0")
        return None, SourceMap(file), [CatalogIssue(
            file, line, "yaml", f"character U+{char:04X} is not allowed in YAML text "
                                f"({_bounded(e.reason)}); write it as an escape in a double-"
                                f"quoted string if it is really meant", col)]
    except UnicodeEncodeError as e:  # lone surrogates in a str given to parse_catalog
        line, col = _text_position(text, e.start)
        return None, SourceMap(file), [CatalogIssue(
            file, line, "yaml", f"character U+{ord(text[e.start]):04X} (a lone surrogate) "
                                "cannot be encoded as UTF-8", col)]
    except yaml.YAMLError as e:
        return None, SourceMap(file), [CatalogIssue(file, 1, "yaml", f"YAML error: {_bounded(str(e))}")]
    if data is not None:
        where.paper_ids = _paper_ids(data)
    issues = []
    for path, pos, msg in builder.problems[:MAX_ISSUES]:
        line, col = _line_col(pos)
        issues.append(CatalogIssue(file, line, where.location(path) if path else "yaml", msg, col))
    if len(builder.problems) > MAX_ISSUES:
        issues.append(CatalogIssue(file, issues[-1].line, "yaml",
                                   f"too many problems: stopped after the first {MAX_ISSUES}"))
    for path, pos, msg in builder.text_problems[:MAX_ISSUES]:
        line, col = _line_col(pos)
        where.text_issues.append(CatalogIssue(file, line, where.location(path), msg, col))
    return data, where, issues


# --------------------------------------------------------------------------- pydantic errors

# Which vocabulary a Literal field draws from, to name it in messages.
_VOCAB_NAMES = {
    "tags": ("tag", "catalog/vocab.py TAGS"),
    "dataset": ("dataset", "catalog/datasets.py"),
    "metric": ("metric", "catalog/vocab.py METRICS"),
    "split": ("split", "catalog/vocab.py SPLITS"),
    "ref": ("source", "catalog/sources.py"),
    "extra_data": ("extra data", "catalog/vocab.py EXTRA_DATA"),
    "pretraining": ("pre-training", "catalog/vocab.py PRETRAINING"),
    "quantity": ("quantity", "catalog/vocab.py UNITS"),
    "precision": ("precision", "catalog/vocab.py PRECISIONS"),
    "bound": ("bound", "catalog/schema.py Efficiency.bound"),
}


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The pydantic model class validating the mapping at `path` (for field suggestions)."""
    model: Any = Paper
    for part in path[1:]:
        if isinstance(part, int):
            continue
        f = model.model_fields.get(part) if isinstance(model, type) else None
        if f is None:
            return None
        model = _unwrap(f.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """list[X] / X | None / Annotated[X, ...] -> X (the first BaseModel found)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in get_args(tp) if get_origin(tp) is not None else ():
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def _suggest(word: Any, choices: list[str]) -> str:
    if not isinstance(word, str) or len(word) > 64:  # difflib is quadratic
        return ""
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _message(err: dict, path: Path_) -> str:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    last = next((p for p in reversed(path) if isinstance(p, str)), "")
    if kind == "literal_error":
        name, where = _VOCAB_NAMES.get(last, (last, ""))
        allowed = [str(a) for a in (err.get("ctx") or {}).get("expected", "").replace("'", "")
                   .replace(" or ", ", ").split(", ") if a]
        known = f" (add it to {where} first)" if where else ""
        return f"unknown {name} {excerpt(value)}{_suggest(value, allowed)}{known}"
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        allowed = sorted(model.model_fields) if model else []
        tail = f"; allowed: {', '.join(allowed)}" if allowed else ""
        key = path[-1]
        if isinstance(key, str) and _ID_LIKE.match(key):
            return f"unknown field '{key}'{_suggest(key, allowed)}{tail}"
        return f"unknown field {excerpt(key, 40)}{tail}"
    if kind == "missing":
        return f"required field '{path[-1]}' is missing"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"expected text, got the number {value!r}; quote it (e.g. '{value}')"
    if kind in ("float_type", "int_type", "bool_type") and isinstance(value, str):
        want = {"float_type": "a number", "int_type": "a whole number",
                "bool_type": "true or false"}[kind]
        return (f"must be {want}, written as a plain YAML value; got the text {excerpt(value)} "
                "(quoted, or a word such as yes/no/on/off, which YAML 1.2 reads as text)")
    if kind == "string_pattern_mismatch":
        return f"{excerpt(value)} does not match the pattern {err['ctx']['pattern']}"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    msg = msg.replace("Input should be", "must be", 1)
    msg = _bounded(msg, value)
    if kind in ("value_error", "assertion_error"):
        return msg
    if value is None or isinstance(value, (dict, list)):
        return msg
    return f"{msg} (got {excerpt(value)})"


def validation_issues(exc: ValidationError, where: SourceMap) -> list[CatalogIssue]:
    out = []
    for n, err in enumerate(exc.errors()):
        if n == MAX_ISSUES:
            out.append(CatalogIssue(where.file, out[-1].line, "<catalog>",
                                    f"too many errors: {exc.error_count():,} in all, "
                                    f"the first {MAX_ISSUES} shown", 0))
            break
        # Tagged-union / function-wrap steps can add non-data parts to loc; keep data parts.
        path = tuple(p for p in err["loc"]
                     if isinstance(p, int) or not p.startswith(("function-", "literal[")))
        prefer_key = err["type"] in ("extra_forbidden",)
        out.append(where.issue(path, _message(err, path), prefer_key=prefer_key))
    return out


# --------------------------------------------------------------------------- entry points


def _read(path: Path) -> tuple[str | None, list[CatalogIssue]]:
    """The file's text through the one safe reader (regular files only, at most
    MAX_CATALOG_BYTES), or the located reason it cannot be read."""
    try:
        raw = read_bytes(path, MAX_CATALOG_BYTES, "catalog")
    except UnsafeFile as e:
        return None, [CatalogIssue(str(path), 0, "<file>", e.reason)]
    try:
        return raw.decode("utf-8").removeprefix("\ufeff"), []
    except UnicodeDecodeError as e:
        before = raw[:e.start].decode("utf-8", "replace")
        line, col = _text_position(before, len(before))
        bad = raw[e.start:e.end].hex(" ")
        return None, [CatalogIssue(str(path), line, "<file>",
                                   f"not UTF-8 text: {e.reason} (byte(s) {bad}) at byte offset "
                                   f"{e.start:,}", col)]


def parse_catalog(text: str, file: str = "<string>",
                  checks: bool = True) -> tuple[Catalog | None, SourceMap, list[CatalogIssue]]:
    """Parse and validate catalog text; returns (catalog or None, lines, all issues)."""
    data, where, issues = parse_yaml(text, file)
    if issues:
        return None, where, issues
    if data is None:
        return None, where, [CatalogIssue(file, 1, "<root>",
                                          "the file is empty; a catalog is a YAML list of papers")]
    if not isinstance(data, list):
        line, col = where.position(())
        kind = {dict: "mapping", str: "text"}.get(type(data), type(data).__name__)
        return None, where, [CatalogIssue(
            file, line, "<root>",
            f"the top level must be a list of papers ('- id: ...'), not a {kind}", col)]
    try:
        with _no_gc():
            cat = Catalog.model_validate(data, context={TEXT_CHECKED: True})
    except ValidationError as e:
        return None, where, where.text_issues + validation_issues(e, where)
    if where.text_issues:
        return None, where, where.text_issues
    where._data = data  # freed with the catalog, not here: see catalog.cli._KEEP
    if checks:
        from catalog.checks import check_catalog  # checks imports this module's types

        issues = check_catalog(cat, where)
        if len(issues) > MAX_ISSUES:
            issues = issues[:MAX_ISSUES] + [CatalogIssue(
                file, issues[MAX_ISSUES - 1].line, "<catalog>",
                f"too many errors: {len(issues):,} in all, the first {MAX_ISSUES} shown")]
    return cat, where, issues


def collect_issues(path: Path | str = DEFAULT_CATALOG, checks: bool = True,
                   imports: bool = True) -> tuple[Catalog | None, SourceMap, list[CatalogIssue]]:
    """Load `path` without raising: (catalog or None, lines, issues). For the CLI.

    With `imports`, the generated import files beside it (`imports/*.yaml`, see
    `catalog.imports`) are merged in, each part located in its own file."""
    path = Path(path)
    text, issues = _read(path)
    if text is None:
        return None, SourceMap(str(path)), issues
    from catalog.imports import import_files, merge_imports  # imports builds on this module

    files = import_files(path) if imports else []
    if not files:
        return parse_catalog(text, str(path), checks=checks)
    cat, where, issues = parse_catalog(text, str(path), checks=False)
    if cat is None or issues:
        return cat, where, issues
    cat, where, issues = merge_imports(cat, where, files)
    if issues:
        return None, where, issues
    if checks:
        from catalog.checks import check_catalog

        issues = check_catalog(cat, where)[:MAX_ISSUES]
    return cat, where, issues


def load_catalog(path: Path | str = DEFAULT_CATALOG, checks: bool = True,
                 imports: bool = True) -> Catalog:
    """Load and validate the catalog (with its import files); raise `CatalogError` listing
    every problem."""
    cat, _, issues = collect_issues(path, checks=checks, imports=imports)
    if issues or cat is None:
        raise CatalogError(issues or [f"{path}: could not load the catalog"])
    return cat


def load_with_lines(path: Path | str = DEFAULT_CATALOG,
                    imports: bool = True) -> tuple[Catalog, SourceMap]:
    """Like `load_catalog`, also returning where each entry sits (for reports with lines)."""
    cat, where, issues = collect_issues(path, imports=imports)
    if issues or cat is None:
        raise CatalogError(issues or [f"{path}: could not load the catalog"])
    return cat, where


def load_data(path: Path | str) -> tuple[Any, SourceMap]:
    """Plain data of a YAML file (no schema), for tools that compare versions (`catalog diff`).

    Raises `CatalogError` for unreadable or unsafe YAML.
    """
    path = Path(path)
    text, issues = _read(path)
    if text is None:
        raise CatalogError(issues)
    return load_text_data(text, str(path))


def load_text_data(text: str, file: str) -> tuple[Any, SourceMap]:
    data, where, issues = parse_yaml(text, file)
    if issues:
        raise CatalogError(issues)
    return data, where
