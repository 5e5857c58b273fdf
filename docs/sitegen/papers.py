"""One page per paper, and the papers index."""

from __future__ import annotations

import re

from catalog.datasets import DATASETS
from catalog.export import bibtex_entry
from catalog.schema import Paper

from . import data as D
from .common import code_html, front, h1, paper_link, score_html, setting_badges, sources_html
from .html import a, block, esc, ext_link, fmt_num, rel, table, verdict_badge


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _facts(data: D.SiteData, p: Paper, page: str) -> str:
    rows = [("Authors", esc(", ".join(p.authors)) or "–"), ("Year", str(p.year)),
            ("Venue", esc(p.venue) if p.venue else "–")]
    if p.arxiv:
        rows.append(("arXiv", ext_link(f"https://arxiv.org/abs/{p.arxiv}", p.arxiv)))
    if p.code:
        rows.append(("Code", code_html(p.code)))
    for link in p.links:
        rows.append(("Link", ext_link(link.url, link.label)))
    if p.tags:
        rows.append(("Tags", " ".join(a(rel(page, "browse/tags.md", f"tag-{t}"), t) for t in p.tags)))
    return "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _board_for(data: D.SiteData, r) -> str | None:
    for b in data.boards:
        if any(row.result is r for row in b.rows):
            return b.page
    return None


def paper_page(data: D.SiteData, p: Paper) -> str:
    page = f"papers/{p.id}.md"
    md = front(p.title) + h1(p.title) + block(_facts(data, p, page))
    md += "\n## Summary\n" + block(f"<p>{esc(p.summary)}</p>" if p.summary else "<p>No summary yet.</p>")
    if p.models:
        md += "\n## Models\n" + block(table(
            [("Model id", "text"), ("Name", "text"), ("Backbone", "text"), ("Note", "text")],
            [[f"<code>{esc(m.id)}</code>", esc(m.name), esc(m.backbone or "–"), esc(m.note or "")]
             for m in p.models]))
    if p.results:
        rows = []
        clash = {id(row.result): row for b in data.boards for row in b.rows}
        for r in p.results:
            row = clash.get(id(r))
            board = _board_for(data, r)
            ds = DATASETS[r.dataset].name
            rows.append([
                a(rel(page, board), ds) if board else esc(ds), esc(data.model_name(r.model)),
                esc(r.split), esc(r.metric),
                score_html(row, page) if row else (D.fmt_claim(r.value), r.value),
                setting_badges(r), sources_html(r.sources, page), esc(r.note or "")])
        md += "\n## Reported results\n" + block(table(
            [("Dataset", "text"), ("Model", "text"), ("Split", "text"), ("Metric", "text"),
             ("Value", "num"), ("Settings", "text"), ("Sources", "text"), ("Note", "text")], rows))
    claims = [c for c in D.claim_rows(data) if c["paper"] is p]
    if claims:
        md += "\n## Efficiency: claims and our measurements\n" + block(claims_table(claims, page))
    measured = [(m, D.measured(data, m.id)) for m in p.models if data.runs.get(m.id)]
    if measured:
        rows = []
        for m, meas in measured:
            run = meas["run"]
            size = "x".join(str(v) for v in run.get("input_size") or [])
            rows.append([esc(m.name), fmt_num(meas.get("params_m"), 3), fmt_num(meas.get("gmacs"), 2),
                         fmt_num(meas.get("gflops"), 2), fmt_num(meas.get("latency_ms"), 1),
                         esc(env_text(run)), esc(f"{size}, batch {run.get('batch')}, {run.get('precision')}")])
        md += "\n## Measured by the bench\n" + block(table(
            [("Model", "text"), ("Params (M)", "num"), ("GMACs", "num"), ("GFLOPs", "num"),
             ("Latency median (ms)", "num"), ("Environment", "text"), ("Input", "text")], rows))
    if p.errata:
        md += "\n## Errata\n" + block(errata_table([(p, e) for e in p.errata], page))
    if p.sources:
        md += "\n## Mentioned in\n" + block(f"<p>{sources_html(p.sources, page)}</p>")
    bib = bibtex_entry(p).strip()
    fence = _fence(bib)
    md += f"\n## BibTeX\n\n{fence}bibtex\n{bib}\n{fence}\n"
    return md


def env_text(run: dict) -> str:
    env = run.get("env") or {}
    bits = [env.get("device_name") or run.get("device"), env.get("cpu") if run.get("device") == "cpu" else None,
            f"torch {env['torch']}" if env.get("torch") else None,
            f"CUDA {env['cuda']}" if env.get("cuda") else None,
            f"{env['threads']} threads" if env.get("threads") else None]
    return ", ".join(str(b) for b in bits if b)


def claim_text(e) -> str:
    bound = "" if e.bound == "=" else e.bound
    conds = [x for x in (e.input_size, e.hardware, e.precision,
                         f"batch {e.batch_size}" if e.batch_size else None, e.framework) if x]
    return f"{bound}{D.fmt_claim(e.value)} {e.unit}" + (f" ({', '.join(conds)})" if conds else "")


def claims_table(rows: list[dict], page: str, with_paper: bool = False) -> str:
    out, attrs = [], []
    for c in rows:
        e, v, run = c["claim"], c["verdict"], c["run"]
        verdict = D.verdict_name(c)
        tip = " · ".join(str(x) for x in ((v or {}).get("tolerance"), (v or {}).get("note")) if x)
        measured = (f"{fmt_num(v.get('measured'), 3)} {esc(v.get('measured_unit') or '')}"
                    if v and v.get("measured") is not None else "–")
        claimed = esc(claim_text(e)) if e else esc(f"{(v or {}).get('claimed')} {(v or {}).get('claimed_unit') or ''}")
        src = sources_html(e.sources, page) if e else esc(", ".join((v or {}).get("sources") or []))
        quantity = e.quantity if e else (v or {}).get("quantity", "?")
        row = []
        if with_paper:
            row.append(paper_link(page, c["paper"]) if c["paper"] else "–")
        row += [esc(data_model_name(c)), esc(quantity), claimed, src, measured,
                esc(env_text(run)) if run else "–", verdict_badge(verdict, tip or None)]
        out.append(row)
        attrs.append(f'data-verdict="{esc(verdict)}"')
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Model", "text"), ("Quantity", "text"), ("Claimed", "text"), ("Sources", "text"),
        ("Measured", "num"), ("Environment", "text"), ("Verdict", "text")]
    return table(headers, out, "data-filterable" if with_paper else "", attrs)


def data_model_name(c: dict) -> str:
    p = c["paper"]
    if p:
        for m in p.models:
            if m.id == c["model"]:
                return m.name
    return c["model"]


def errata_table(items: list, page: str, with_paper: bool = False) -> str:
    rows = []
    for p, e in items:
        row = [paper_link(page, p)] if with_paper else []
        row += [esc(e.field), esc(e.stated), esc(e.correct or "–"), sources_html(e.sources, page),
                esc(e.note or "")]
        rows.append(row)
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Field", "text"), ("Stated", "text"), ("Correct", "text"), ("Sources", "text"), ("Note", "text")]
    return table(headers, rows)


def index_page(data: D.SiteData) -> str:
    page = "papers/index.md"
    rows = []
    for p in sorted(data.papers, key=lambda p: (-p.year, p.title.lower())):
        rows.append([paper_link(page, p), (str(p.year), p.year), esc(p.venue or "–"),
                     " ".join(a(rel(page, "browse/tags.md", f"tag-{t}"), t) for t in p.tags),
                     (str(len(p.results)), len(p.results)), code_html(p.code, first_only=True)])
    return front("Papers") + h1("Papers") + block(
        f"<p>{len(data.papers)} papers. Click a column header to sort.</p>"
        + table([("Title", "text"), ("Year", "num"), ("Venue", "text"), ("Tags", "text"),
                 ("Results", "num"), ("Code", "text")], rows))
