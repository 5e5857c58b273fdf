"""YAML -> validated `Catalog`, with every error pointing at a file and line.

Pipeline:
1. `LineLoader` (a `yaml.SafeLoader`) composes the node tree; nothing is constructed from tags
   other than plain YAML data, so `!!python/...` tags are reported, never executed.
2. The alias-expanded size of the node graph is computed (memoised, so cheap) and capped
   (billion laughs); then `_Builder` turns nodes into plain dicts/lists while recording the
   line of every value (`SourceMap`), rejecting duplicate keys and non-data tags.
3. pydantic validates the data; each error's `loc` is mapped back to a line.
4. `catalog.checks` adds the rules that span entries (unique ids, declared models, ...).

Errors print as `PATH:LINE: location: message`, the location naming the paper by id when it
has one (`fcn.results[3].value`), else by index (`[12].results[3].value`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from catalog import DEFAULT_CATALOG
from catalog.schema import Catalog, Paper

# Alias expansion cap: the real catalog has a few tens of thousands of nodes; a billion laughs
# document expands to billions. Checked on the composed graph before anything is expanded.
MAX_NODES = 500_000

# The only tags plain catalog data needs (the implicit ones YAML resolves by itself).
_SAFE_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("null", "bool", "int", "float", "str", "timestamp", "seq", "map")
}
_MERGE_TAG = "tag:yaml.org,2002:merge"

Path_ = tuple[str | int, ...]  # a location inside the document: (0, "results", 3)


@dataclass(frozen=True)
class CatalogIssue:
    """One problem, printable as `PATH:LINE: location: message`."""

    file: str
    line: int
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.location}: {self.message}"


class CatalogError(Exception):
    """The catalog could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[CatalogIssue | str]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class SourceMap:
    """Lines of values (and keys) of a loaded YAML document, by path.

    `value_lines[path]` is the 1-based line where the value at `path` starts;
    `key_lines[path]` the line of its key when it sits in a mapping.
    """

    file: str
    value_lines: dict[Path_, int] = field(default_factory=dict)
    key_lines: dict[Path_, int] = field(default_factory=dict)
    paper_ids: dict[int, str] = field(default_factory=dict)  # index -> id, for locations

    def line(self, path: Path_, prefer_key: bool = False) -> int:
        """The line of `path`, or of its nearest enclosing node that has one."""
        p = tuple(path)
        if prefer_key and p in self.key_lines:
            return self.key_lines[p]
        while p:
            if p in self.value_lines:
                return self.value_lines[p]
            p = p[:-1]
        return self.value_lines.get((), 1)

    def location(self, path: Path_) -> str:
        return format_location(path, self.paper_ids)

    def issue(self, path: Path_, message: str, prefer_key: bool = False) -> CatalogIssue:
        return CatalogIssue(self.file, self.line(path, prefer_key), self.location(path), message)


_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


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
            out += f".{part}" if out else str(part)
    return out


# --------------------------------------------------------------------------- YAML -> data


class LineLoader(yaml.SafeLoader):
    """SafeLoader that builds plain data itself, recording the line of every node.

    Composing (parsing into nodes) never acts on tags; `_Builder` then constructs only plain
    YAML scalars, sequences and mappings. Aliases are expanded only after `_expanded_size`
    has shown the document stays small.
    """

    def build(self, file: str) -> tuple[Any, SourceMap, list[tuple[Path_, int, str]]]:
        node = self.get_single_node()
        where = SourceMap(file)
        if node is None:
            return None, where, []
        big = _first_too_big(node)
        if big is not None:
            return None, where, [((), big[0].start_mark.line + 1, big[1])]
        builder = _Builder(self, where)
        return builder.value(node, ()), where, builder.problems


def _first_too_big(root: yaml.Node) -> tuple[yaml.Node, str] | None:
    """The smallest node whose alias-expanded size exceeds MAX_NODES, or a recursive alias.

    Sizes are memoised per node, so this is linear in the *composed* document even when its
    expansion is astronomically large (billion laughs).
    """
    size: dict[int, int] = {}
    active: set[int] = set()
    found: list[tuple[yaml.Node, str]] = []

    def walk(node: yaml.Node) -> int:
        if id(node) in size:
            return size[id(node)]
        if id(node) in active:
            found.append((node, "recursive alias: a node contains itself"))
            return MAX_NODES + 1
        active.add(id(node))
        n = 1
        if isinstance(node, yaml.SequenceNode):
            n += sum(walk(c) for c in node.value)
        elif isinstance(node, yaml.MappingNode):
            n += sum(walk(k) + walk(v) for k, v in node.value)
        active.discard(id(node))
        size[id(node)] = n
        if n > MAX_NODES and not found:
            found.append((node, f"the value starting here expands to {n:,} nodes through "
                                f"aliases (limit {MAX_NODES:,}): alias bomb? refusing to load"))
        return n

    walk(root)
    return found[0] if found else None


class _Builder:
    def __init__(self, loader: LineLoader, where: SourceMap):
        self.loader = loader
        self.where = where
        self.problems: list[tuple[Path_, int, str]] = []  # formatted once paper ids are known

    def _problem(self, node: yaml.Node, path: Path_, msg: str) -> None:
        self.problems.append((path, node.start_mark.line + 1, msg))

    def value(self, node: yaml.Node, path: Path_) -> Any:
        self.where.value_lines.setdefault(path, node.start_mark.line + 1)
        if node.tag not in _SAFE_TAGS:
            hint = (" (Python object tags are never constructed or executed)"
                    if "python/" in node.tag else "")
            self._problem(node, path, f"YAML tag '{node.tag}' is not allowed: the catalog "
                                      f"is plain data{hint}")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(child, path + (i,)) for i, child in enumerate(node.value)]
        return self.mapping(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = (self.loader.construct_object(key_node, deep=True)
                   if isinstance(key_node, yaml.ScalarNode) and key_node.tag in _SAFE_TAGS
                   else None)
            if not isinstance(key, str):
                self._problem(key_node, path, "mapping keys must be plain strings "
                                              f"(got {key_node.tag.rsplit(':', 1)[-1]})")
                continue
            line = key_node.start_mark.line + 1
            if key in first_line:
                self._problem(key_node, path + (key,),
                              f"duplicate key '{key}' (first given on line {first_line[key]})")
                continue
            first_line[key] = line
            self.where.key_lines[path + (key,)] = line
            out[key] = self.value(value_node, path + (key,))
        # `<<: *defaults` merges: explicit keys win, as YAML specifies.
        for merge in merges:
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    self._problem(src, path, "'<<' merge needs a mapping or a list of mappings")
                    continue
                for key, val in self.mapping(src, path).items():
                    out.setdefault(key, val)
        return out


def _paper_ids(data: Any) -> dict[int, str]:
    if not isinstance(data, list):
        return {}
    return {i: p["id"] for i, p in enumerate(data)
            if isinstance(p, dict) and isinstance(p.get("id"), str) and _ID_LIKE.match(p["id"])}


def parse_yaml(text: str, file: str = "<string>") -> tuple[Any, SourceMap, list[CatalogIssue]]:
    """Parse `text` into plain data; syntax and safety problems come back as issues."""
    loader = LineLoader(text)
    try:
        data, where, problems = loader.build(file)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        what = e.problem or ""
        if e.context:
            at = f" on line {e.context_mark.line + 1}" if e.context_mark else ""
            what += f" ({e.context}{at})"
        return None, SourceMap(file), [CatalogIssue(file, line, "yaml", f"YAML syntax error: {what}")]
    except yaml.YAMLError as e:
        return None, SourceMap(file), [CatalogIssue(file, 1, "yaml", f"YAML error: {e}")]
    except RecursionError:
        return None, SourceMap(file), [CatalogIssue(file, 1, "yaml",
                                                    "the document nests too deeply")]
    finally:
        loader.dispose()
    where.paper_ids = _paper_ids(data)
    issues = [CatalogIssue(file, line, where.location(path) if path else "yaml", msg)
              for path, line, msg in problems]
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


def _suggest(word: str, choices: list[str]) -> str:
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
        return f"unknown {name} {value!r}{_suggest(str(value), allowed)}{known}"
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        allowed = sorted(model.model_fields) if model else []
        tail = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return f"unknown field '{path[-1]}'{_suggest(str(path[-1]), allowed)}{tail}"
    if kind == "missing":
        return f"required field '{path[-1]}' is missing"
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"expected text, got the number {value!r}; quote it (e.g. '{value}')"
    if kind == "string_pattern_mismatch":
        return f"{value!r} does not match the pattern {err['ctx']['pattern']}"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    msg = msg.replace("Input should be", "must be", 1)
    if kind in ("value_error", "assertion_error"):
        return msg
    return f"{msg} (got {value!r})" if value is not None and not isinstance(value, (dict, list)) else msg


def validation_issues(exc: ValidationError, where: SourceMap) -> list[CatalogIssue]:
    out = []
    for err in exc.errors():
        # Tagged-union / function-wrap steps can add non-data parts to loc; keep data parts.
        path = tuple(p for p in err["loc"] if isinstance(p, int) or not p.startswith(("function-", "literal[")))
        prefer_key = err["type"] in ("extra_forbidden",)
        out.append(where.issue(path, _message(err, path), prefer_key=prefer_key))
    return out


# --------------------------------------------------------------------------- entry points


def _read(path: Path) -> tuple[str | None, list[CatalogIssue]]:
    try:
        return path.read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, [CatalogIssue(str(path), 0, "<file>", "no such file")]
    except UnicodeDecodeError as e:
        return None, [CatalogIssue(str(path), 1, "<file>", f"not UTF-8 text: {e.reason}")]
    except OSError as e:
        return None, [CatalogIssue(str(path), 0, "<file>", f"cannot read: {e.strerror}")]


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
        return None, where, [CatalogIssue(
            file, where.line(()), "<root>",
            f"the top level must be a list of papers ('- id: ...'), not a {type(data).__name__}")]
    try:
        cat = Catalog.model_validate(data)
    except ValidationError as e:
        return None, where, validation_issues(e, where)
    if checks:
        from catalog.checks import check_catalog  # checks imports this module's types

        issues = check_catalog(cat, where)
    return cat, where, issues


def collect_issues(path: Path | str = DEFAULT_CATALOG,
                   checks: bool = True) -> tuple[Catalog | None, SourceMap, list[CatalogIssue]]:
    """Load `path` without raising: (catalog or None, lines, issues). For the CLI."""
    path = Path(path)
    text, issues = _read(path)
    if text is None:
        return None, SourceMap(str(path)), issues
    return parse_catalog(text, str(path), checks=checks)


def load_catalog(path: Path | str = DEFAULT_CATALOG, checks: bool = True) -> Catalog:
    """Load and validate the catalog; raise `CatalogError` listing every problem."""
    cat, _, issues = collect_issues(path, checks=checks)
    if issues or cat is None:
        raise CatalogError(issues or [f"{path}: could not load the catalog"])
    return cat


def load_with_lines(path: Path | str = DEFAULT_CATALOG) -> tuple[Catalog, SourceMap]:
    """Like `load_catalog`, also returning where each entry sits (for reports with lines)."""
    cat, where, issues = collect_issues(path)
    if issues or cat is None:
        raise CatalogError(issues or [f"{path}: could not load the catalog"])
    return cat, where
