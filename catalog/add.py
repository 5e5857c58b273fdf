"""`catalog add`: scaffold a paper entry from options, check it, and append it to the catalog.

The entry is written in the catalog's canonical layout (`catalog fmt` leaves it unchanged):
flow mappings, one per model, result or efficiency claim. Numbers are written exactly as given
(`37.40` stays `37.40`), text is quoted whenever YAML could read it as something else. Nothing
is invented: fields not given are left out ("not stated").

Specs for models, results and claims are `key=value` words (shell-quoted values allowed):

    --model  "id=segformer-b0 name=SegFormer-B0 backbone=MiT-B0"
    --result "model=segformer-b0 dataset=cityscapes split=val value=76.2 inference=slide
              crop_size=1024x1024 multi_scale=false pretraining=imagenet-1k where='Table 1a'"
    --efficiency "model=segformer-b0 quantity=params value=3.8 unit=M where='Table 1a'"

A claim's source is `ref=` (default `paper`) with `where=` and/or `url=`; list fields take
comma-separated words (`extra_data=coco,sbd`; `extra_data=none` = the source says none).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from catalog.load import CatalogIssue, parse_catalog, parse_yaml, resolve_plain

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_INT = re.compile(r"[0-9]{1,9}")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ._/()+-]*|[1-9][0-9]*x[1-9][0-9]*")  # text, or a size
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}

# key -> kind: str, num (exact text), int, bool, list (comma-separated words)
_SOURCE = {"ref": "str", "where": "str", "url": "str"}
MODEL_KEYS = {"id": "str", "name": "str", "backbone": "str", "implementation": "str", "note": "str"}
SETTING_KEYS = {"pretraining": "list", "extra_data": "list", "crop_size": "str",
                "input_size": "str", "multi_scale": "bool", "flip": "bool", "inference": "str",
                "output_stride": "int", "crf": "bool", "backbone": "str",
                "train_iters": "int", "train_epochs": "int", "train_batch": "int"}
RESULT_KEYS = {"model": "str", "dataset": "str", "split": "str", "server": "str",
               "train_split": "str", "metric": "str", "value": "num", "experiment": "str", "note": "str",
               **SETTING_KEYS, **_SOURCE}
EFFICIENCY_KEYS = {"model": "str", "quantity": "str", "value": "num", "unit": "str",
                   "bound": "str", "relative_to": "str", "includes_aux": "bool",
                   "input_size": "str", "hardware": "str", "precision": "str",
                   "batch_size": "int", "engine": "str", "framework": "str", "experiment": "str",
                   "note": "str", **_SOURCE}
SOURCE_KEYS = {**_SOURCE, "note": "str"}


class AddError(Exception):
    """The entry was not added; `lines` say why (and what to do)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


# Line breaks as YAML 1.1 readers (and editors) see them; in a one-line field each would either
# become YAML structure or be folded into a space.
_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
MULTI_LINE = frozenset({"summary", "note"})  # fields whose text may hold line breaks


def one_line(value: str, what: str) -> str:
    """`value`, refused (AddError naming the option) when it holds a line break."""
    m = _BREAKS.search(value)
    if m:
        raise AddError([f"{what}: a line break (U+{ord(m.group()):04X}) at character "
                        f"{m.start() + 1} of {value[:60]!r}: this field is one line of text"])
    return value


def yaml_text(s: str) -> str:
    """`s` as a YAML scalar that reads back as exactly this text, on one line (plain when
    unambiguous, single-quoted, or double-quoted with escapes when it holds line breaks or
    other characters that are not printable)."""
    if not s.isprintable():
        return json.dumps(s)  # a JSON string is a YAML double-quoted scalar
    if (_PLAIN.fullmatch(s) and s == s.strip() and "  " not in s and s.lower() not in _YAML11_WORDS
            and resolve_plain(s) == s):
        return s
    return "'" + s.replace("'", "''") + "'"


def _token(kind: str, key: str, raw: str, what: str) -> str:
    if kind == "num":
        if not _NUMBER.fullmatch(raw):
            raise AddError([f"{what}: {key}={raw!r} is not a number; write it as the source "
                            "prints it, e.g. 76.2"])
        return raw
    if kind == "int":
        if not _INT.fullmatch(raw) or (len(raw) > 1 and raw[0] == "0"):
            raise AddError([f"{what}: {key}={raw!r} is not a whole number"])
        return raw
    if kind == "bool":
        if raw not in ("true", "false"):
            raise AddError([f"{what}: {key}={raw!r} must be true or false"])
        return raw
    if kind == "list":
        words = [] if raw == "none" else [w.strip() for w in raw.split(",") if w.strip()]
        return "[" + ", ".join(yaml_text(w) for w in words) + "]"
    return yaml_text(raw)


def parse_spec(spec: str, allowed: dict[str, str], what: str) -> dict[str, str]:
    """`"k=v k2='a b'"` -> {k: v, k2: 'a b'}, checking every key."""
    try:
        words = shlex.split(spec)
    except ValueError as e:
        raise AddError([f"{what}: cannot read {spec!r}: {e}"]) from None
    out: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise AddError([f"{what}: {word!r} is not key=value"])
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise AddError([f"{what}: unknown key '{key}'{hint}; allowed: {', '.join(allowed)}"])
        if key in out:
            raise AddError([f"{what}: '{key}' given twice"])
        out[key] = value if key in MULTI_LINE else one_line(value, f"{what} {key}=")
    return out


def _flow(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


def _source(spec: dict[str, str], what: str) -> str:
    src = [("ref", yaml_text(spec.get("ref", "paper")))]
    src += [(k, yaml_text(spec[k])) for k in ("where", "url") if k in spec]
    if len(src) == 1:
        raise AddError([f"{what}: say where the number is: where='Table 2' (for ref=paper) "
                        "and/or url=..."])
    return "[" + _flow(src) + "]"


def model_entry(spec: str) -> str:
    d = parse_spec(spec, MODEL_KEYS, "--model")
    for need in ("id", "name"):
        if need not in d:
            raise AddError([f"--model {spec!r}: '{need}=' is required"])
    return _flow([(k, _token(MODEL_KEYS[k], k, v, "--model")) for k, v in d.items()])


def result_entry(spec: str) -> str:
    d = parse_spec(spec, RESULT_KEYS, "--result")
    for need in ("model", "dataset", "split", "value"):
        if need not in d:
            raise AddError([f"--result {spec!r}: '{need}=' is required"])
    pairs = [(k, _token(RESULT_KEYS[k], k, d[k], "--result"))
             for k in ("model", "dataset", "split", "server", "train_split", "metric", "value")
             if k in d]
    setting = [(k, _token(SETTING_KEYS[k], k, d[k], "--result")) for k in SETTING_KEYS if k in d]
    if setting:
        pairs.append(("setting", _flow(setting)))
    pairs.append(("sources", _source(d, "--result")))
    if "note" in d:
        pairs.append(("note", yaml_text(d["note"])))
    return _flow(pairs)


def efficiency_entry(spec: str) -> str:
    d = parse_spec(spec, EFFICIENCY_KEYS, "--efficiency")
    for need in ("model", "quantity", "value", "unit"):
        if need not in d:
            raise AddError([f"--efficiency {spec!r}: '{need}=' is required"])
    pairs = [(k, _token(EFFICIENCY_KEYS[k], k, d[k], "--efficiency"))
             for k in EFFICIENCY_KEYS if k in d and k not in ("ref", "where", "url", "note")]
    pairs.append(("sources", _source(d, "--efficiency")))
    if "note" in d:
        pairs.append(("note", yaml_text(d["note"])))
    return _flow(pairs)


@dataclass
class NewPaper:
    id: str
    title: str
    year: int
    month: int | None = None
    short_name: str | None = None
    authors: tuple[str, ...] = ()
    venue: str | None = None
    arxiv: str | None = None
    metadata_sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    code: tuple[str, ...] = ()           # URLs of the authors' official code
    summary: str | None = None
    models: tuple[str, ...] = ()         # specs
    results: tuple[str, ...] = ()
    efficiency: tuple[str, ...] = ()

    def check_lines(self) -> None:
        """Refuse a line break in any one-line field (AddError naming the option)."""
        for opt, values in (("--id", [self.id]), ("--title", [self.title]),
                            ("--short-name", [self.short_name]), ("--author", self.authors),
                            ("--venue", [self.venue]), ("--arxiv", [self.arxiv]),
                            ("--tag", self.tags), ("--code", self.code)):
            for v in values:
                if v is not None:
                    one_line(v, opt)

    def to_yaml(self) -> str:
        """The entry, in `catalog.fmt.PAPER_KEY_ORDER` and the catalog's layout."""
        self.check_lines()
        lines = [f"- id: {yaml_text(self.id)}", f"  title: {yaml_text(self.title)}"]
        if self.short_name:
            lines.append(f"  short_name: {yaml_text(self.short_name)}")
        if self.authors:
            lines.append("  authors: [" + ", ".join(yaml_text(a) for a in self.authors) + "]")
        if self.metadata_sources:
            lines.append("  metadata_sources:")
            for spec in self.metadata_sources:
                d = parse_spec(spec, SOURCE_KEYS, "--metadata-source")
                if "ref" not in d:
                    raise AddError([f"--metadata-source {spec!r}: 'ref=' is required (arxiv, "
                                    "paper, publisher, official-code)"])
                lines.append("  - " + _flow([(k, yaml_text(v)) for k, v in d.items()]))
        lines.append(f"  year: {int(self.year)}")
        if self.month is not None:
            lines.append(f"  month: {int(self.month)}")
        if self.venue:
            lines.append(f"  venue: {yaml_text(self.venue)}")
        if self.arxiv:
            lines.append(f"  arxiv: '{self.arxiv}'" if re.fullmatch(r"[\w./-]+", self.arxiv)
                         else f"  arxiv: {yaml_text(self.arxiv)}")
        if self.tags:
            lines.append("  tags: [" + ", ".join(yaml_text(t) for t in self.tags) + "]")
        if self.code:
            lines.append("  code:")
            lines += [f"  - {{url: {yaml_text(u)}, official: true}}" for u in self.code]
        if self.summary:
            lines.append(f"  summary: {yaml_text(self.summary)}")
        for key, specs, build in (("models", self.models, model_entry),
                                  ("results", self.results, result_entry),
                                  ("efficiency", self.efficiency, efficiency_entry)):
            if specs:
                lines.append(f"  {key}:")
                lines += ["  - " + build(s) for s in specs]
        return "\n".join(lines) + "\n"


def _norm_title(title: str) -> str:
    t = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", t).split())


def duplicates(data: list, paper: NewPaper) -> list[str]:
    """Why `paper` is already in the catalog (same id, arXiv id or title), if it is."""
    out = []
    for p in data if isinstance(data, list) else []:
        if not isinstance(p, dict):
            continue
        pid = p.get("id")
        if pid == paper.id:
            out.append(f"a paper with id '{paper.id}' is already in the catalog")
        if paper.arxiv and p.get("arxiv") == paper.arxiv:
            out.append(f"arXiv {paper.arxiv} is already in the catalog as '{pid}'")
        if isinstance(p.get("title"), str) and _norm_title(p["title"]) == _norm_title(paper.title):
            out.append(f"the title is already in the catalog as '{pid}'")
    return out


def add_paper(path: Path, paper: NewPaper) -> tuple[str, int]:
    """Append `paper` to the catalog at `path` if the result validates.

    Returns (new text, first line of the entry); the caller writes it. Raises `AddError`.
    """
    from catalog.load import MAX_CATALOG_BYTES
    from catalog.safeio import read_text

    text = read_text(path, MAX_CATALOG_BYTES, "catalog") if os.path.lexists(path) else ""
    data, _, issues = parse_yaml(text, str(path))
    if issues:
        raise AddError(["the catalog does not load; fix it first (`catalog validate`):"]
                       + [str(i) for i in issues[:20]])
    dups = duplicates(data or [], paper)
    if dups:
        raise AddError(["not added: " + d for d in dups])
    entry = paper.to_yaml()
    base = text.rstrip("\n")
    new_text = (base + "\n\n" if base else "") + entry
    first_line = new_text[: len(new_text) - len(entry)].count("\n") + 1
    _, _, before = parse_catalog(text, str(path)) if text.strip() else (None, None, [])
    if before:
        raise AddError(["the catalog has errors already; fix them first (`catalog validate`):"]
                       + [str(i) for i in before[:20]])
    _, _, after = parse_catalog(new_text, str(path))
    if after:
        raise AddError(["not added: the new entry has errors:"]
                       + [f"  {_relative(i, first_line)}" for i in after[:50]]
                       + ["the entry was:", *("  " + x for x in entry.split("\n") if x)])
    return new_text, first_line


def _relative(issue: CatalogIssue, first_line: int) -> str:
    line = issue.line - first_line + 1
    where = f"entry line {line}" + (f", column {issue.column}" if issue.column else "")
    return f"{issue.location}: {issue.message} ({where})"
