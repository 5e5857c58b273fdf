"""`catalog diff BASE HEAD`: what a change to the catalog does, as Markdown for a reviewer.

BASE and HEAD are files, or git revisions whose `data/papers.yaml` is read with
`git show REV:PATH` (`REV:PATH` also works). Both are compared as plain YAML data (so the
summary works across schema versions and for a HEAD that does not validate yet):

- papers added (with every number they bring) and removed;
- for papers in both: numbers whose value changed (old -> new, with the new source), claims
  added and removed, models added and removed, other fields changed.

A claim is identified by everything but its value, sources and note: a result by model,
dataset, split, server, train split, metric and setting; an efficiency claim by model,
quantity, unit, bound, relative_to and its conditions. Text from the catalog is untrusted:
every cell is escaped for Markdown/HTML and cut to a short excerpt.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.load import CatalogError, CatalogIssue, load_text_data
from catalog.safeio import UnsafeFile, read_bytes

DEFAULT_PATH = "data/papers.yaml"
_CELL_CHARS = 120
MAX_ROWS = 300  # per table: GitHub refuses a job summary over 1 MiB
_NOT_IDENTITY = {"value", "sources", "note"}


# --------------------------------------------------------------------------- reading


# A revision as a reviewer writes one (main, origin/main, HEAD~1, v1.2^, a commit id): never
# an option, never a range or a pathspec trick. Paths inside the repository are as plain.
_REV = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./~^@{}+-]{0,199}")
_REV_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]{0,299}")


def _git(args: list[str], spec: str, repo: Path | None) -> bytes:
    try:
        out = subprocess.run(["git", *args], cwd=repo or Path.cwd(), capture_output=True,
                             timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CatalogError([CatalogIssue(spec, 0, "<file>", f"cannot run git: {e}")]) from None
    if out.returncode != 0:
        why = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CatalogError([CatalogIssue(spec, 0, "<file>", "neither a file nor a git revision "
                                         f"({why[-1][:200] if why else 'git failed'})")])
    return out.stdout


def read_version(spec: str, path: str = DEFAULT_PATH, repo: Path | None = None) -> tuple[str, str]:
    """(text, name) of a file, or of `path` at a git revision (`REV` or `REV:PATH`) of the
    repository around `repo` (default: the current folder).

    A file is read through catalog.safeio (regular files only, bounded). A revision must look
    like one (`_REV`: it can never start with '-', so git never reads it as an option) and is
    passed after `--end-of-options`; its blob's size is checked before it is read."""
    from catalog.load import MAX_CATALOG_BYTES

    p = Path(spec)
    if os.path.lexists(p) and not p.is_dir():
        try:
            raw = read_bytes(p, MAX_CATALOG_BYTES, "catalog")
        except UnsafeFile as e:
            raise CatalogError([CatalogIssue(spec, 0, "<file>", e.reason)]) from None
        return raw.decode("utf-8", "replace"), spec
    rev, _, rev_path = spec.partition(":")
    rev_path = rev_path or path
    if not _REV.fullmatch(rev) or ".." in rev or "@{" in rev and not rev.endswith("}"):
        raise CatalogError([CatalogIssue(spec, 0, "<file>", (
            "neither a file nor a git revision: a revision is a branch, tag or commit such as "
            "main, origin/main or HEAD~1 (letters, digits and _ . / ~ ^ @ { } + -, not starting "
            "with '-')"))])
    if not _REV_PATH.fullmatch(rev_path) or ".." in rev_path.split("/"):
        raise CatalogError([CatalogIssue(spec, 0, "<file>", (
            f"{rev_path[:80]!r} is not a path inside the repository (letters, digits and "
            "_ . / + -, not starting with '-' or '/')"))])
    target = f"{rev}:{rev_path}"
    size = _git(["cat-file", "-s", "--end-of-options", target], spec, repo)
    if int(size.strip() or 0) > MAX_CATALOG_BYTES:
        raise CatalogError([CatalogIssue(target, 0, "<file>", (
            f"is {int(size):,} bytes, more than a catalog may be ({MAX_CATALOG_BYTES:,})"))])
    out = _git(["cat-file", "blob", "--end-of-options", target], spec, repo)
    return out.decode("utf-8", "replace"), target


def load_version(spec: str, path: str = DEFAULT_PATH, repo: Path | None = None):
    text, name = read_version(spec, path, repo)
    data, where = load_text_data(text, name)
    if data is None:
        data = []
    if not isinstance(data, list):
        line, col = where.position(())
        raise CatalogError([CatalogIssue(name, line, "<root>", "the top level must be a list "
                                         f"of papers, not {_kind(data)}", col)])
    problems = structure_issues(data, where)
    if problems:
        raise CatalogError(problems)
    return data, where, name


def _kind(v: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            type(None): "null"}.get(type(v), "a number")


def structure_issues(data: list, where) -> list[CatalogIssue]:
    """The shapes a diff relies on, each wrong one as a located error: papers are mappings
    with a text `id`; `models`, `results` and `efficiency` are lists of mappings; model ids
    are text. (Everything else may be anything: the diff compares it as data.)"""
    out: list[CatalogIssue] = []

    def bad(path: tuple, msg: str) -> None:
        if len(out) < 50:
            out.append(where.issue(path, msg))

    for i, p in enumerate(data):
        if not isinstance(p, dict):
            bad((i,), f"a paper must be a mapping ('- id: ...'), not {_kind(p)}")
            continue
        if not isinstance(p.get("id"), str):
            bad((i, "id"), f"the paper's id must be text, not {_kind(p.get('id'))}")
        for key in ("models", "results", "efficiency"):
            items = p.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                bad((i, key), f"'{key}' must be a list, not {_kind(items)}")
                continue
            for j, item in enumerate(items):
                if not isinstance(item, dict):
                    bad((i, key, j), f"each of '{key}' must be a mapping, not {_kind(item)}")
                elif key == "models" and not isinstance(item.get("id"), str):
                    bad((i, key, j, "id"), f"a model id must be text, not {_kind(item.get('id'))}")
    return out


# --------------------------------------------------------------------------- comparing


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)


_PINNED = re.compile(r"/blob/[0-9a-f]{40}/")


def _unpinned(v: Any) -> str:
    """`_canon` with repository URLs' commits left out: a source re-pinned to another commit of
    the same file (a zoo re-imported at a newer commit) is not a change to review."""
    return _PINNED.sub("/blob/<commit>/", _canon(v))


def claim_identity(kind: str, claim: dict) -> str:
    """Everything but value, sources and note, as a stable string."""
    return _canon({k: v for k, v in claim.items() if k not in _NOT_IDENTITY}) if kind else ""


@dataclass
class ClaimChange:
    paper: str
    kind: str                 # results | efficiency
    old: dict | None          # None: added
    new: dict | None          # None: removed
    line: int = 0             # in HEAD (or BASE for removals)


@dataclass
class PaperDiff:
    paper: str
    title: str = ""
    changed_fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    models_added: list[str] = field(default_factory=list)
    models_removed: list[str] = field(default_factory=list)
    claims: list[ClaimChange] = field(default_factory=list)


@dataclass
class CatalogDiff:
    base: str
    head: str
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[PaperDiff] = field(default_factory=list)
    added_lines: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _papers(data: list) -> dict[str, tuple[int, dict]]:
    out: dict[str, tuple[int, dict]] = {}
    for i, p in enumerate(data):
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            out.setdefault(p["id"], (i, p))
    return out


def _claims(paper: dict, kind: str) -> list[tuple[int, dict]]:
    items = paper.get(kind)
    return [(j, c) for j, c in enumerate(items) if isinstance(c, dict)] if isinstance(items, list) else []


def _diff_claims(pid: str, kind: str, old: dict, new: dict, i_new: int, i_old: int,
                 head_where, base_where) -> list[ClaimChange]:
    """Pair claims by identity: equal ones drop out, the rest pair up in order as changes."""
    before: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    after: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for j, c in _claims(old, kind):
        before[claim_identity(kind, c)].append((j, c))
    for j, c in _claims(new, kind):
        after[claim_identity(kind, c)].append((j, c))
    out: list[ClaimChange] = []
    for key in list(dict.fromkeys([*after, *before])):
        b, a = before.get(key, []), after.get(key, [])
        for j, c in list(a):  # unchanged claims
            match = next((x for x in b if _unpinned(x[1]) == _unpinned(c)), None)
            if match is not None:
                b.remove(match)
                a.remove((j, c))
        for (_jb, cb), (ja, ca) in zip(b, a):
            out.append(ClaimChange(pid, kind, cb, ca, head_where.line((i_new, kind, ja, "value"))))
        for ja, ca in a[len(b):]:
            out.append(ClaimChange(pid, kind, None, ca, head_where.line((i_new, kind, ja))))
        for jb, cb in b[len(a):]:
            out.append(ClaimChange(pid, kind, cb, None, base_where.line((i_old, kind, jb))))
    return sorted(out, key=lambda c: (c.new is None, c.line))


def diff_catalogs(base: list, head: list, base_where, head_where, base_name: str = "BASE",
                  head_name: str = "HEAD") -> CatalogDiff:
    old, new = _papers(base), _papers(head)
    d = CatalogDiff(base_name, head_name)
    for pid, (i, p) in new.items():
        if pid not in old:
            d.added.append(p)
            d.added_lines[pid] = head_where.line((i,))
    d.removed = [p for pid, (_, p) in old.items() if pid not in new]
    for pid, (i_new, p_new) in new.items():
        if pid not in old:
            continue
        i_old, p_old = old[pid]
        pd_ = PaperDiff(pid, str(p_new.get("title", "")))
        for key in dict.fromkeys([*p_old, *p_new]):
            if key in ("models", "results", "efficiency"):
                continue
            if _unpinned(p_old.get(key)) != _unpinned(p_new.get(key)):
                pd_.changed_fields.append((key, p_old.get(key), p_new.get(key)))
        ids_old = [m.get("id") for m in p_old.get("models") or [] if isinstance(m, dict)]
        ids_new = [m.get("id") for m in p_new.get("models") or [] if isinstance(m, dict)]
        pd_.models_added = [m for m in ids_new if m not in ids_old]
        pd_.models_removed = [m for m in ids_old if m not in ids_new]
        models_old = {m.get("id"): m for m in p_old.get("models") or [] if isinstance(m, dict)}
        for m in p_new.get("models") or []:
            if isinstance(m, dict) and m.get("id") in models_old and _unpinned(m) != _unpinned(models_old[m.get("id")]):
                pd_.changed_fields.append((f"models[{m.get('id')}]", models_old[m.get("id")], m))
        for kind in ("results", "efficiency"):
            pd_.claims += _diff_claims(pid, kind, p_old, p_new, i_new, i_old, head_where, base_where)
        if pd_.changed_fields or pd_.models_added or pd_.models_removed or pd_.claims:
            d.changed.append(pd_)
    return d


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md(value: Any, limit: int = _CELL_CHARS) -> str:
    """Untrusted catalog text as one safe Markdown table cell / inline text."""
    if value is None:
        return "—"
    if not isinstance(value, str):
        value = _canon(value) if isinstance(value, (dict, list)) else str(value)
    text = " ".join(value.split())
    tail = ""
    if len(text) > limit:
        text, tail = text[:limit], f"… ({len(value):,} chars)"
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text) + tail


def _sources(claim: dict | None) -> str:
    srcs = claim.get("sources") if isinstance(claim, dict) else None
    if not isinstance(srcs, list):
        return "—"
    words = []
    for s in srcs:
        if isinstance(s, dict):
            ref, where, url = s.get("ref"), s.get("where"), s.get("url")
            words.append(" ".join(str(x) for x in (ref, f"({where})" if where else None,
                                                   url if url and not where else None) if x))
    return md("; ".join(words), 200)


def _setting(claim: dict) -> str:
    s = claim.get("setting")
    extra = {k: claim[k] for k in ("server", "train_split") if k in claim}
    parts = [f"{k}={_word(v)}" for k, v in {**extra, **(s if isinstance(s, dict) else {})}.items()]
    return md(", ".join(parts), 160) if parts else "—"


def _word(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, list):
        return "+".join(map(str, v)) if v else "none"
    return v if isinstance(v, str) else _canon(v)


def _what(kind: str, c: dict) -> str:
    if kind == "results":
        return md(f"{c.get('model')} · {c.get('metric', 'miou')} · {c.get('dataset')} "
                  f"{c.get('split')}")
    cond = ", ".join(f"{k}={c[k]}" for k in ("input_size", "hardware", "precision", "batch_size",
                                              "relative_to") if k in c)
    return md(f"{c.get('model')} · {c.get('quantity')}" + (f" ({cond})" if cond else ""))


def _value(kind: str, c: dict | None) -> str:
    if c is None:
        return "—"
    v = md(c.get("value"))
    if kind == "efficiency":
        bound = c.get("bound", "=")
        v = f"{md(bound) + ' ' if bound not in (None, '=') else ''}{v} {md(c.get('unit'))}"
    return v


def _more(n: int) -> list[str]:
    return ["", f"… and {n - MAX_ROWS:,} more row(s): run `catalog diff` locally for all."] \
        if n > MAX_ROWS else []


def to_markdown(d: CatalogDiff, head_file: str = DEFAULT_PATH) -> str:
    n_claims = {k: 0 for k in ("added", "changed", "removed")}
    for p in d.added:
        n_claims["added"] += len(_claims(p, "results")) + len(_claims(p, "efficiency"))
    for pd_ in d.changed:
        for c in pd_.claims:
            n_claims["added" if c.old is None else "removed" if c.new is None else "changed"] += 1
    out = [f"## Catalog changes: {md(d.base, 80)} → {md(d.head, 80)}", ""]
    if d.empty:
        out.append("No papers, models or numbers changed.")
        return "\n".join(out) + "\n"
    out.append(f"**{len(d.added)} paper(s) added, {len(d.changed)} changed, {len(d.removed)} "
               f"removed; numbers: {n_claims['added']} added, {n_claims['changed']} changed, "
               f"{n_claims['removed']} removed.**")
    if d.added:
        out += ["", "### Papers added", ""]
        for p in d.added[:MAX_ROWS]:
            pid = p.get("id")
            out.append(f"- **{md(pid)}**: {md(p.get('title'))} ({md(p.get('year'))}), "
                       f"{len(p.get('models') or [])} model(s); {md(head_file, 80)} line "
                       f"{d.added_lines.get(pid, 0)}")
        out += _more(len(d.added))
        rows = [(p.get("id"), kind, c) for p in d.added for kind in ("results", "efficiency")
                for _, c in _claims(p, kind)]
        if rows:
            out += ["", "| paper | claim | value | setting | source |", "|---|---|---|---|---|"]
            out += [f"| {md(pid)} | {_what(kind, c)} | {_value(kind, c)} | "
                    f"{_setting(c) if kind == 'results' else '—'} | {_sources(c)} |"
                    for pid, kind, c in rows[:MAX_ROWS]]
            out += _more(len(rows))
    claims = [c for pd_ in d.changed for c in pd_.claims]
    if claims:
        out += ["", "### Numbers in existing papers", "",
                "| paper | claim | old | new | setting | source (new, or removed) | line |",
                "|---|---|---|---|---|---|---|"]
        for c in claims[:MAX_ROWS]:
            ref = c.new if c.new is not None else c.old
            status = "added" if c.old is None else "removed" if c.new is None else "changed"
            out.append(f"| {md(c.paper)} | {_what(c.kind, ref)} ({status}) | {_value(c.kind, c.old)} "
                       f"| {_value(c.kind, c.new)} | {_setting(ref) if c.kind == 'results' else '—'} "
                       f"| {_sources(ref)} | {c.line if c.new is not None else 'base ' + str(c.line)} |")
    if claims:
        out += _more(len(claims))
    other = [pd_ for pd_ in d.changed if pd_.changed_fields or pd_.models_added or pd_.models_removed]
    if other:
        items = []
        for pd_ in other:
            items += [f"- **{md(pd_.paper)}** {md(key, 60)}: {md(old)} → {md(new)}"
                      for key, old, new in pd_.changed_fields]
            if pd_.models_added:
                items.append(f"- **{md(pd_.paper)}** models added: "
                             f"{md(', '.join(map(str, pd_.models_added)))}")
            if pd_.models_removed:
                items.append(f"- **{md(pd_.paper)}** models removed: "
                             f"{md(', '.join(map(str, pd_.models_removed)))}")
        out += ["", "### Other changes", "", *items[:MAX_ROWS], *_more(len(items))]
    if d.removed:
        out += ["", "### Papers removed", ""]
        out += [f"- **{md(p.get('id'))}**: {md(p.get('title'))}, with "
                f"{len(_claims(p, 'results')) + len(_claims(p, 'efficiency'))} number(s)"
                for p in d.removed[:MAX_ROWS]]
        out += _more(len(d.removed))
    return "\n".join(out) + "\n"
