"""`catalog` command line: validate, conflicts, export, stats, schema.

Errors go to stdout one per line as `PATH:LINE: location: message` (easy to grep and to
jump to from an editor); exit code 1 when the catalog is invalid.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from catalog import DEFAULT_CATALOG
from catalog.load import CatalogError, collect_issues, load_with_lines

app = typer.Typer(
    name="catalog",
    help="SegAtlas catalog tools: validate data/papers.yaml, list conflicts between sources, "
         "export tables (CSV, JSON, BibTeX), print statistics, regenerate the JSON Schema.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def _setup(ctx: typer.Context) -> None:
    # A command is one short pass over up to ~1M small objects that hold no cycles: the cyclic
    # GC would rescan them again and again (seconds at 10,000 papers) with nothing to free.
    if gc.isenabled():
        gc.disable()
        ctx.call_on_close(gc.enable)


PathArg = Annotated[Path, typer.Argument(help="Catalog YAML file.", show_default=True)]


class TableName(str, Enum):
    results = "results"
    efficiency = "efficiency"
    papers = "papers"


class Format(str, Enum):
    csv = "csv"
    json = "json"
    bibtex = "bibtex"


def _load(path: Path):
    """Load or print every error and exit 1."""
    try:
        return load_with_lines(path)
    except CatalogError as e:
        for err in e.errors:
            typer.echo(str(err))
        typer.echo(f"{len(e.errors)} error(s) in {path}", err=True)
        raise typer.Exit(1) from None


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        from catalog.export import write_atomic

        write_atomic(output, text)
        typer.echo(f"wrote {output}", err=True)


@app.command()
def validate(path: PathArg = DEFAULT_CATALOG) -> None:
    """Check the catalog: YAML safety, schema, and cross-entry rules.

    Prints each error as PATH:LINE: location: message and exits 1; on success prints a
    one-line summary and exits 0.
    """
    cat, _, issues = collect_issues(path)
    if issues or cat is None:
        for err in issues:
            typer.echo(str(err))
        typer.echo(f"{len(issues)} error(s) in {path}", err=True)
        raise typer.Exit(1)
    papers = cat.papers
    typer.echo(f"{path}: OK: {len(papers)} papers, {sum(len(p.models) for p in papers)} models, "
               f"{sum(len(p.results) for p in papers)} results, "
               f"{sum(len(p.efficiency) for p in papers)} efficiency claims, "
               f"{sum(len(p.errata) for p in papers)} errata")


@app.command()
def conflicts(
    path: PathArg = DEFAULT_CATALOG,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead.")] = False,
) -> None:
    """List where sources disagree, and every erratum (a report, not an error: exit 0).

    Accuracy: same model, dataset, split, metric and equal settings, different values.
    Efficiency: same model, quantity and conditions (input size, hardware, precision, batch),
    values apart beyond rounding ('~' allows 5%, '<' and '>' are bounds).
    """
    from catalog.checks import find_conflicts

    cat, where = _load(path)
    found = find_conflicts(cat, where)
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in found], indent=1, ensure_ascii=False,
                              allow_nan=False))
        return
    for c in found:
        typer.echo(str(c))
    kinds = Counter(c.kind for c in found)
    typer.echo(f"{len(found)} conflict(s): " +
               ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) if found else "no conflicts")


@app.command()
def export(
    path: PathArg = DEFAULT_CATALOG,
    table: Annotated[TableName, typer.Option("--table", "-t", help="Which table to export.")]
        = TableName.results,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="csv or json (a table), or "
                                        "bibtex (all papers; --table is ignored).")] = Format.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                   help="File to write (atomically); "
                                                        "stdout when omitted.")] = None,
) -> None:
    """Export the catalog: a table as CSV or JSON, or all papers as BibTeX."""
    from catalog.export import to_bibtex, to_csv, to_json
    from catalog.frames import FRAMES

    cat, _ = _load(path)
    if fmt is Format.bibtex:
        _emit(to_bibtex(cat), output)
        return
    df = FRAMES[table.value](cat)
    _emit(to_csv(df) if fmt is Format.csv else to_json(df), output)


@app.command()
def stats(path: PathArg = DEFAULT_CATALOG) -> None:
    """Print counts: papers per year and tag, results per dataset and metric, and more."""
    from catalog.frames import efficiency_frame, papers_frame, results_frame

    cat, _ = _load(path)
    res, eff, pap = results_frame(cat), efficiency_frame(cat), papers_frame(cat)
    console = Console(width=100)
    console.print(f"[bold]{len(pap)} papers, {int(pap['n_models'].sum())} models, "
                  f"{len(res)} results, {len(eff)} efficiency claims[/bold]")

    def show(title: str, counts: Counter) -> None:
        t = Table(title=title, title_justify="left")
        t.add_column(title.split(" per ")[-1])
        t.add_column("count", justify="right")
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
            t.add_row(str(k), str(n))
        console.print(t)

    show("papers per year", Counter(pap["year"].tolist()))
    show("papers per tag", Counter(t for tags in pap["tags"] for t in tags))
    show("results per dataset", Counter(res["dataset"].tolist()))
    show("results per metric", Counter(res["metric"].tolist()))
    show("efficiency claims per quantity", Counter(eff["quantity"].tolist()))
    show("citations per source", Counter(s for col in (res["sources"], eff["sources"])
                                         for srcs in col for s in srcs))


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                   help="File to write (atomically), e.g. "
                                                        "schema/papers.schema.json; stdout "
                                                        "when omitted.")] = None,
) -> None:
    """Print or write the JSON Schema of the catalog, generated from the pydantic models."""
    from catalog.jsonschema import schema_text

    _emit(schema_text(), output)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
