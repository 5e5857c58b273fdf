"""JSON Schema of `data/papers.yaml`, generated from the pydantic `Catalog` model.

Committed at `schema/papers.schema.json` for editors (yaml-language-server); a test fails
when that file is stale. Regenerate with `catalog schema -o schema/papers.schema.json` or
`python -m catalog.jsonschema`.

Rules written as Python validators are not visible to `model_json_schema()`; the simple ones
are added here so editors flag them too (percent range, unit per quantity, source needs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from catalog import REPO_ROOT
from catalog.schema import ARXIV_RE, INPUT_SIZE_RE, Catalog
from catalog.sources import SOURCES
from catalog.vocab import UNITS

SCHEMA_PATH = REPO_ROOT / "schema" / "papers.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def build_schema() -> dict:
    schema = Catalog.model_json_schema()
    defs = schema["$defs"]
    defs["Result"]["properties"]["value"].update(minimum=0, maximum=100)
    _pattern(defs["Paper"]["properties"]["arxiv"], ARXIV_RE.pattern)
    for name in ("Setting", "Efficiency"):
        _pattern(defs[name]["properties"]["input_size"], INPUT_SIZE_RE.pattern)
    defs["Efficiency"]["allOf"] = [
        {"if": {"properties": {"quantity": {"const": q}}, "required": ["quantity"]},
         "then": {"properties": {"unit": {"enum": sorted(units)}}}}
        for q, units in UNITS.items()
    ]
    needs = [(sid, s.needs) for sid, s in SOURCES.items() if s.needs]
    defs["SourceRef"]["allOf"] = [
        {"if": {"properties": {"ref": {"const": sid}}, "required": ["ref"]},
         "then": {"required": list(fields)}}
        for sid, fields in needs
    ]
    return {"$schema": DIALECT, "title": "SegAtlas catalog (data/papers.yaml)",
            "description": "A list of papers with their models, accuracy and efficiency "
                           "claims; every number names its source.", **schema}


def _pattern(prop: dict, pattern: str) -> None:
    """Add `pattern` to the string branch of an optional string property."""
    for branch in prop.get("anyOf", [prop]):
        if branch.get("type") == "string":
            branch["pattern"] = pattern


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    from catalog.export import write_atomic

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[args.index("-o") + 1]) if "-o" in args else SCHEMA_PATH
    write_atomic(out, schema_text())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
