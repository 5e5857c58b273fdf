"""`catalog` command line: validate, conflicts, export, stats, schema, add, fmt, diff.

Errors go to stdout one per line as `PATH:LINE:COLUMN: location: message` (easy to grep and to
jump to from an editor); exit code 1 when the catalog is invalid.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from catalog import DEFAULT_CATALOG
from catalog.load import CatalogError, collect_issues, load_with_lines
from catalog.safeio import UnsafeFile, check_writable, locked, read_bytes, write_atomic
from catalog.term import esc

app = typer.Typer(
    name="catalog",
    help="SegAtlas catalog tools: validate data/papers.yaml, list conflicts between sources, "
         "export tables (CSV, JSON, BibTeX), print statistics, regenerate the JSON Schema; "
         "add a paper, format the file, summarise a change for review.",
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
    sources = "sources"
    reproductions = "reproductions"


class Format(str, Enum):
    csv = "csv"
    json = "json"
    bibtex = "bibtex"
    model_index = "model-index"


def _load(path: Path):
    """Load or print every error and exit 1."""
    try:
        return load_with_lines(path)
    except CatalogError as e:
        for err in e.errors:
            typer.echo(str(err))
        typer.echo(f"{len(e.errors)} error(s) in {path}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def _refusals() -> Iterator[None]:
    """A file refused by catalog.safeio (a folder, a device, too large): its message, exit 1."""
    try:
        yield
    except UnsafeFile as e:
        typer.echo(f"{e.path}:0: <file>: {e.reason}")
        raise typer.Exit(1) from None


def _check_output(output: Path | None) -> None:
    """Refuse an output that cannot be written before doing the work for it."""
    if output is not None and str(output) != "-":
        with _refusals():
            check_writable(output)


def _emit(text: str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        typer.echo(text, nl=False)
    else:
        with _refusals():
            write_atomic(output, text)
        typer.echo(f"wrote {output}", err=True)


@app.command()
def validate(path: PathArg = DEFAULT_CATALOG) -> None:
    """Check the catalog: YAML safety, schema, and cross-entry rules.

    Prints each error as PATH:LINE: location: message and exits 1; on success prints a
    one-line summary and exits 0.
    """
    cat, where, issues = collect_issues(path)
    _KEEP[:] = [cat, where]
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
def board(
    dataset: Annotated[str, typer.Argument(help="Dataset key, e.g. ade20k, cityscapes, coco-stuff-164k.")],
    path: Annotated[Path, typer.Option("--catalog", help="Catalog YAML file.")] = DEFAULT_CATALOG,
    proto: Annotated[str | None, typer.Option(
        "--protocol", "-p", help="One ranking only: val, test-official, test-local, test, unspecified.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every row, not only the default view.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the board as JSON (every row, with "
                                                         "its states and default-view flag).")] = False,
) -> None:
    """Print a dataset's leaderboard exactly as the site ranks it: one ranking per metric and
    protocol, the default (fair) view ranked, the rest marked.

    The default view: no stated extra training data, no test-time augmentation, no pre-training
    beyond ImageNet, the papers' own models; rows silent on a setting are shown and marked ?,
    rows whose split is not stated are placed in the dataset's usual split, marked. Costs here
    are the catalog's claims; the site adds the bench's measurements.
    """
    import difflib

    from catalog.compare.boards import board_dict, compare_catalog
    from catalog.compare.protocol import ORDER
    from catalog.datasets import DATASETS

    if dataset not in DATASETS:
        close = difflib.get_close_matches(dataset, list(DATASETS), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        typer.echo(f"unknown dataset '{dataset}'{hint}; known: {', '.join(DATASETS)}", err=True)
        raise typer.Exit(2)
    if proto is not None and proto not in ORDER:
        typer.echo(f"unknown protocol '{proto}'; one of: {', '.join(ORDER)}", err=True)
        raise typer.Exit(2)
    cat, where = _load(path)
    comp = compare_catalog(cat, where=where)
    b = comp.board(dataset)
    if b is None:
        if as_json:
            typer.echo(json.dumps({"dataset": dataset, "rankings": []}))
        else:
            typer.echo(f"no results on {dataset}")
        return
    data = board_dict(b, comp.costs, proto)
    if as_json:
        typer.echo(json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False))
        return
    console = Console(width=140)
    console.print(f"[bold]{esc(data['name'])}[/bold]  default view: {esc(data['default_view'])}")
    for rk in data["rankings"]:
        t = Table(title=f"{rk['metric']}, {rk['protocol_words']}", title_justify="left")
        for col in ("rank", "model", "score", "marks", "paper"):
            t.add_column(col, justify="right" if col in ("rank", "score") else "left")
        for r in rk["rows"]:
            if not (everything or r["default_view"]):
                continue
            marks = [m for m, on in (("split assumed", r["split_assumed"]),
                                     ("extra ?", r["states"]["extra"] == "unknown"),
                                     ("+extra", r["states"]["extra"] == "extra"),
                                     ("TTA ?", r["states"]["tta"] == "unknown"),
                                     ("TTA", r["states"]["tta"] == "tta"),
                                     (f"pre: {r['states']['pretraining']}", True),
                                     ("re-impl.", bool(r["implementation"]))) if on]
            marks += [f"{'⚠' if c['status'] == 'conflict' else '⚠?'} vs {', '.join(map(str, c['others']))}"
                      for c in r["conflicts"]]
            t.add_row(str(r["rank"] or ""), esc(r["model_name"]), str(r["value"]),
                      esc("; ".join(marks)), esc(r["paper"]))
        console.print(t)


@app.command()
def export(
    path: PathArg = DEFAULT_CATALOG,
    table: Annotated[TableName, typer.Option("--table", "-t", help="Which table to export.")]
        = TableName.results,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="csv or json (a table), or "
                                        "bibtex (all papers; --table is ignored).")] = Format.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                   help="File to write (atomically); "
                                                        "stdout when omitted or '-'.")] = None,
) -> None:
    """Export the catalog: a table as CSV or JSON, all papers as BibTeX, or every model with
    its scores in the model-index format (`catalog import model-index` reads it back).

    The `reproductions` table is one reproduction verdict per accuracy claim of a paper's own
    model (catalog.reproductions)."""
    from catalog.export import to_bibtex, to_csv, to_json
    from catalog.frames import FRAMES

    _check_output(output)
    cat, _ = _load(path)
    if fmt is Format.bibtex:
        _emit(to_bibtex(cat), output)
        return
    if fmt is Format.model_index:
        from catalog.export_modelindex import to_model_index

        _emit(to_model_index(cat), output)
        return
    if table is TableName.reproductions:
        from catalog.reproductions import reproduction_verdicts, verdicts_frame

        verdicts = reproduction_verdicts(cat)
        if fmt is Format.json:
            _emit(json.dumps([v.to_dict() for v in verdicts], indent=1, ensure_ascii=False,
                             allow_nan=False) + "\n", output)
        else:
            _emit(to_csv(verdicts_frame(verdicts)), output)
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
            t.add_row(esc(k), str(n))
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

    _check_output(output)
    _emit(schema_text(), output)


@app.command()
def add(
    paper_id: Annotated[str, typer.Option("--id", prompt="Paper id (e.g. segformer)",
                                          help="Paper id: the method's short name, lowercase, "
                                               "[a-z0-9-].")],
    title: Annotated[str, typer.Option(prompt="Title", help="The paper's title, as printed.")],
    year: Annotated[int, typer.Option(prompt="Year", help="Venue year (arXiv year if none).")],
    month: Annotated[int | None, typer.Option(help="Month of arXiv v1, if a source gives it.")] = None,
    short_name: Annotated[str | None, typer.Option(help="Common short name, e.g. SegFormer.")] = None,
    author: Annotated[list[str] | None, typer.Option(help="An author (repeat, in order); needs "
                                                          "--metadata-source.")] = None,
    venue: Annotated[str | None, typer.Option(help="e.g. 'NeurIPS 2021', if a source says.")] = None,
    arxiv: Annotated[str | None, typer.Option(help="arXiv id, e.g. 2105.15203.")] = None,
    metadata_source: Annotated[list[str] | None, typer.Option(
        help="Where title/authors/venue were read: \"ref=arxiv url=https://arxiv.org/abs/...\" "
             "(repeatable).")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag from catalog/vocab.py (repeat).")] = None,
    code: Annotated[list[str] | None, typer.Option(help="URL of the authors' official code.")] = None,
    summary: Annotated[str | None, typer.Option(help="1-3 sentences in your own words.")] = None,
    model: Annotated[list[str] | None, typer.Option(
        help="A model the paper reports: \"id=segformer-b0 name=SegFormer-B0 backbone=MiT-B0\" "
             "(repeatable).")] = None,
    result: Annotated[list[str] | None, typer.Option(
        help="An accuracy claim: \"model=... dataset=... split=val value=76.2 where='Table 1'\" "
             "plus any setting (pretraining, extra_data, crop_size, input_size, multi_scale, "
             "flip, inference, output_stride, crf) (repeatable).")] = None,
    efficiency: Annotated[list[str] | None, typer.Option(
        help="A params/FLOPs/latency claim: \"model=... quantity=params value=3.8 unit=M "
             "where='Table 1'\" (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the entry; change nothing.")] = False,
    path: Annotated[Path, typer.Option("--catalog", help="Catalog YAML file.")] = DEFAULT_CATALOG,
) -> None:
    """Add a paper: scaffold its entry from options (prompting for id, title and year),
    check it with the rest of the catalog, and append it to the file (comments kept).

    Refuses a paper whose id, arXiv id or title is already in the catalog, and any entry with
    an error (each printed with its field). Exit 0 when added, 1 when refused.
    """
    from catalog.add import AddError, NewPaper, add_paper

    paper = NewPaper(id=paper_id, title=title, year=year, month=month, short_name=short_name,
                     authors=tuple(author or ()), venue=venue, arxiv=arxiv,
                     metadata_sources=tuple(metadata_source or ()), tags=tuple(tag or ()),
                     code=tuple(code or ()), summary=summary, models=tuple(model or ()),
                     results=tuple(result or ()), efficiency=tuple(efficiency or ()))
    # Read, check and write under one lock: two `add`s at once each keep the other's paper.
    with _refusals(), locked(path) as target:
        if not dry_run:
            check_writable(path)
        try:
            text, line = add_paper(target, paper)
        except AddError as e:
            for msg in e.lines:
                typer.echo(msg)
            raise typer.Exit(1) from None
        entry = text.split("\n")[line - 1:]
        while entry and entry[-1] == "":
            entry.pop()
        if dry_run:
            typer.echo("\n".join(entry))
            return
        write_atomic(path, text)
    typer.echo(f"{path}:{line}: added paper '{paper_id}' ({len(entry)} lines); next: "
               f"catalog fmt --check {path} && catalog validate {path}")


@app.command()
def fmt(
    paths: Annotated[list[Path] | None, typer.Argument(help="Catalog YAML file(s).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 and show the "
                                                        "diff if a file is not formatted.")] = False,
) -> None:
    """Format the catalog: canonical key order, indentation and blank lines; comments kept.

    Idempotent, and checked: the formatted file must load to the same data. With --check
    (for CI), prints what would change and exits 1.
    """
    from catalog.fmt import FormatError, format_text
    from catalog.load import MAX_CATALOG_BYTES

    status = 0
    for path in paths or [DEFAULT_CATALOG]:
        try:
            status |= _fmt_one(path, check, format_text, MAX_CATALOG_BYTES)
        except FormatError as e:
            for issue in e.issues:
                typer.echo(str(issue))
            status = 1
        except UnsafeFile as e:
            typer.echo(f"{e.path}:0: <file>: {e.reason}")
            status = 1
    raise typer.Exit(status)


def _fmt_one(path: Path, check: bool, format_text, limit: int) -> int:
    """Format one file under its lock (an `add` running meanwhile is not lost); the status."""
    import difflib

    with locked(path):
        if not check:
            check_writable(path)
        raw = read_bytes(path, limit, "catalog")
        try:
            before = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            typer.echo(f"{path}:0: <file>: not UTF-8 text (byte offset {e.start:,})")
            return 1
        after = format_text(before, str(path))
        if after == before:
            typer.echo(f"{path}: formatted", err=True)
        elif check:
            diff = list(difflib.unified_diff(before.split("\n"), after.split("\n"),
                                             f"{path} (now)", f"{path} (formatted)", lineterm="", n=1))
            for line in diff[:200]:
                typer.echo(line)
            if len(diff) > 200:
                typer.echo(f"... {len(diff) - 200} more diff lines")
            typer.echo(f"{path}: not formatted; run: catalog fmt {path}", err=True)
            return 1
        else:
            write_atomic(path, after)
            typer.echo(f"{path}: reformatted", err=True)
    return 0


@app.command()
def diff(
    base: Annotated[str, typer.Argument(help="Before: a file, or a git revision (main, "
                                             "origin/main, HEAD~1, REV:PATH).")],
    head: Annotated[str, typer.Argument(help="After: a file or a git revision.")] = str(DEFAULT_CATALOG),
    path: Annotated[str, typer.Option("--path", help="The catalog's path inside the repository, "
                                                     "for revisions.")] = "data/papers.yaml",
) -> None:
    """Summarise a change to the catalog as Markdown, for review: papers added and removed,
    numbers added, changed (old -> new, with source) and removed, other fields changed.

    Exit 0 with the summary; 1 when a version cannot be read or parsed (errors printed).
    """
    from catalog.diff import diff_catalogs, load_version, to_markdown

    try:
        old, old_where, old_name = load_version(base, path)
        new, new_where, new_name = load_version(head, path)
    except CatalogError as e:
        for err in e.errors:
            typer.echo(str(err))
        raise typer.Exit(1) from None
    typer.echo(to_markdown(diff_catalogs(old, new, old_where, new_where, old_name, new_name),
                           path), nl=False)


import_app = typer.Typer(help="Import a model zoo's published results as re-implementations.",
                         no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("model-index")
def import_model_index(
    paths: Annotated[list[Path], typer.Argument(help="Metafiles (configs/*/metafile.yaml) or a "
                                                     "model-index.yml that lists them.")],
    source: Annotated[str, typer.Option(help="The library whose zoo this is (catalog/vocab.py "
                                             "IMPLEMENTATIONS), e.g. mmsegmentation.")],
    commit: Annotated[str, typer.Option(help="The repository commit the files are from (40 hex); "
                                             "every number cites its file at this commit.")],
    path: Annotated[Path, typer.Option("--catalog", help="Catalog YAML file.")] = DEFAULT_CATALOG,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if the import file "
                                                        "would change.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every config skipped, "
                                                                 "and why.")] = False,
) -> None:
    """Import model-index metafiles into data/imports/SOURCE.yaml (generated; loaded with the
    catalog): one re-implementation model per config, its results with the settings the
    metafile and config state, its checkpoint, training memory and speed claims.

    Hand-curated rows are never overwritten (their configs are skipped); importing the same
    commit again changes nothing; `catalog diff` summarises what a newer commit changes.
    Exit 0 when written or unchanged, 1 on a bad metafile (errors as PATH:LINE:COLUMN), 2 on a
    bad option.
    """
    from catalog.export import write_atomic
    from catalog.modelindex import ImportError_, check_text, import_path, run_import

    try:
        plan, text = run_import(paths, source, commit, path)
    except ValueError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    except ImportError_ as e:
        for issue in e.issues:
            typer.echo(str(issue))
        typer.echo(f"{len(e.issues)} error(s); nothing written", err=True)
        raise typer.Exit(1) from None
    issues = check_text(text, path, source)
    if issues:
        for issue in issues:
            typer.echo(str(issue))
        typer.echo(f"{len(issues)} error(s) in the import merged with the catalog; nothing written", err=True)
        raise typer.Exit(1)
    out = import_path(path, source)
    before = out.read_text(encoding="utf-8") if out.is_file() else None
    summary = (f"{plan.n_models} models, {plan.n_results} results for {len(plan.papers)} papers; "
               f"{len(plan.skipped)} configs skipped")
    if verbose:
        for s in plan.skipped:
            typer.echo(str(s))
    if before == text:
        typer.echo(f"{out}: unchanged ({summary})", err=True)
        return
    if check:
        typer.echo(f"{out}: would change ({summary}); run without --check, then: catalog diff "
                   f"HEAD {out} --path {out.relative_to(path.parent.parent) if out.is_relative_to(path.parent.parent) else out}",
                   err=True)
        raise typer.Exit(1)
    write_atomic(out, text)
    typer.echo(f"wrote {out} ({summary})", err=True)


@import_app.command("relink")
def import_relink(
    source: Annotated[str, typer.Option(help="The library whose import file to re-link "
                                             "(data/imports/SOURCE.yaml).")] = "mmsegmentation",
    path: Annotated[Path, typer.Option("--catalog", help="Catalog YAML file.")] = DEFAULT_CATALOG,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if the import file "
                                                        "would change.")] = False,
) -> None:
    """Re-link an import file to the hand-curated catalog without the zoo's files: after adding a
    paper's own models, tie the zoo's re-trainings to them (`reproduces`, by the architecture each
    imported model records, through the importer's own table) and drop zoo metadata of papers now
    curated. The result equals what re-importing the same commit writes.

    Exit 0 when written or unchanged, 1 when the files cannot be read or a config now duplicates a
    hand-curated row (only a re-import settles that), 2 on a bad option.
    """
    from catalog.modelindex import REPOS, check_text, import_path
    from catalog.relink import RelinkError, relink

    if source not in REPOS:
        typer.echo(f"error: unknown source {source[:60]!r}; known: {', '.join(REPOS)}", err=True)
        raise typer.Exit(2)
    with _refusals(), locked(import_path(path, source)) as target:
        try:
            done = relink(path, source)
        except RelinkError as e:
            for issue in e.issues:
                typer.echo(str(issue))
            typer.echo(f"{len(e.issues)} error(s); nothing written", err=True)
            raise typer.Exit(1) from None
        issues = check_text(done.text, path, source)
        if issues:
            for issue in issues:
                typer.echo(str(issue))
            typer.echo(f"{len(issues)} error(s) in the re-linked import; nothing written", err=True)
            raise typer.Exit(1)
        for model, own in done.linked:
            typer.echo(f"linked {model} -> {own}")
        for model, own in done.unlinked:
            typer.echo(f"unlinked {model} (was {own})")
        for pid in done.curated:
            typer.echo(f"{pid}: now curated; the zoo's metadata dropped")
        summary = f"{len(done.linked)} linked, {len(done.unlinked)} unlinked"
        if done.before == done.text:
            typer.echo(f"{target}: unchanged ({summary})", err=True)
            return
        if check:
            typer.echo(f"{target}: would change ({summary})", err=True)
            raise typer.Exit(1)
        write_atomic(target, done.text)
        typer.echo(f"wrote {target} ({summary})", err=True)


# What a command built, kept alive until `main` leaves the process without freeing it: freeing
# the ~1M small objects of a 10,000-paper catalog one by one takes 0.3 s and helps no one. (Under
# a test runner, which calls `app` and never `main`, the next command drops it.)
_KEEP: list[Any] = []


def main() -> None:
    """`python -m catalog` / the `catalog` script: run the command, flush, and exit at once."""
    try:
        app(prog_name="catalog")
        code = 0
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can be said
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    main()
