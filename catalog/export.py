"""Exports of the catalog: CSV and JSON tables (see `frames.py`) and BibTeX.

Writers return text; `catalog.safeio.write_atomic` puts it in place (temp file, fsync, rename:
a reader never sees half a file; through a link to its target; never over a folder or device). `read_json_table` / `read_csv_table` read exports back into
frames equal to the originals (tested).
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pandas as pd

from catalog.frames import LIST_COLUMNS, NULLABLE_LISTS, STATED_COLUMNS, TABLES, from_records
from catalog.schema import Catalog, Paper

LIST_SEP = ";"  # joins list cells (sources, tags, extra_data) in CSV
# CSV has no null: a setting no source states is written as this marker (JSON writes null),
# and a list the source states to be empty (extra data: none) as STATED_NONE.
NOT_STATED = "not stated"
STATED_NONE = "none"

# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)`):
# OWASP's CSV-injection rule prefixes such cells with an apostrophe. Full-width forms are
# included (some spreadsheets read them as formulas too), and so are cells that already start
# with an apostrophe, so that `read_csv_table` can strip exactly one and get the text back.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20", "'")


# --------------------------------------------------------------------------- tables


def _plain(v):
    """pandas/numpy scalars -> JSON-ready Python values (NA -> None)."""
    if isinstance(v, list):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def to_json(df: pd.DataFrame) -> str:
    rows = [{c: _plain(v) for c, v in zip(df.columns, row)}
            for row in df.itertuples(index=False, name=None)]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def neutralise_formula(cell: str) -> str:
    """`=1+1` -> `'=1+1`: text a spreadsheet shows instead of running (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _restore_formula(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def to_csv(df: pd.DataFrame) -> str:
    """The table as CSV; list cells joined with `;`, text cells neutralised against formulas
    (numbers and booleans are written as they are: `-3.5` stays a number)."""
    out = df.copy()
    for col in out.columns:
        if col in NULLABLE_LISTS:
            out[col] = [NOT_STATED if v is None else (neutralise_formula(LIST_SEP.join(v)) if v
                                                      else STATED_NONE) for v in out[col]]
        elif col in LIST_COLUMNS:
            out[col] = [neutralise_formula(LIST_SEP.join(v)) for v in out[col]]
        elif out[col].dtype == "string" or out[col].dtype == object:
            out[col] = [neutralise_formula(v) if isinstance(v, str) else v for v in out[col]]
        if col in STATED_COLUMNS and col not in NULLABLE_LISTS:
            out[col] = out[col].astype(object).where(out[col].notna(), NOT_STATED)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def read_json_table(path: Path | str, table: str) -> pd.DataFrame:
    return from_records(json.loads(Path(path).read_text(encoding="utf-8")), table)


def read_csv_table(path: Path | str, table: str) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = []
    for rec in raw.to_dict(orient="records"):
        row = {}
        for col, dtype in TABLES[table].items():
            v = _restore_formula(rec.get(col, ""))
            if col in STATED_COLUMNS and v == NOT_STATED:
                row[col] = None
            elif col in NULLABLE_LISTS:
                row[col] = [] if v == STATED_NONE else v.split(LIST_SEP)
            elif col in LIST_COLUMNS:
                row[col] = v.split(LIST_SEP) if v else []
            elif v == "":
                row[col] = None
            elif dtype == "boolean":
                row[col] = v == "True"
            elif dtype == "Int64":
                row[col] = int(v)
            elif dtype == "float64":
                row[col] = float(v)
            else:
                row[col] = v
        rows.append(row)
    return from_records(rows, table)


# --------------------------------------------------------------------------- BibTeX

# Venue words that make an entry @inproceedings; other venues are journals (@article).
_CONFERENCES = re.compile(
    r"\b(CVPR|ICCV|ECCV|NeurIPS|NIPS|ICLR|ICML|BMVC|MICCAI|AAAI|IJCAI|WACV|ACCV|ICRA|IROS|"
    r"ICIP|ICASSP|3DV|DLMIA|Workshops?|Conference|Proceedings|Symposium)\b", re.I)
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))


def bibtex_escape(text: str) -> str:
    """Escape LaTeX specials so any catalog text is a valid, balanced BibTeX value."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], " ".join(text.split()))


def bibtex_entry(p: Paper) -> str:
    fields: list[tuple[str, str]] = [("title", p.title)]
    if p.authors:
        fields.append(("author", " and ".join(p.authors)))
    if p.venue and _CONFERENCES.search(p.venue):
        kind = "inproceedings"
        fields.append(("booktitle", p.venue))
    elif p.venue and not p.venue.lower().startswith("arxiv"):
        kind = "article"
        fields.append(("journal", p.venue))
    else:
        kind = "misc"
    fields.append(("year", str(p.year)))
    if p.arxiv:
        fields += [("eprint", p.arxiv), ("archivePrefix", "arXiv"),
                   ("url", f"https://arxiv.org/abs/{p.arxiv}")]
    body = ",\n".join(f"  {k} = {{{bibtex_escape(v)}}}" for k, v in fields)
    return f"@{kind}{{{p.id},\n{body}\n}}\n"


def to_bibtex(cat: Catalog) -> str:
    return "\n".join(bibtex_entry(p) for p in cat.papers)


# --------------------------------------------------------------------------- files

# The one atomic writer lives in catalog.safeio; the name stays importable from here.
from catalog.safeio import write_atomic  # noqa: E402,F401
