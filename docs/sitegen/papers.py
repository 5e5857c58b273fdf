"""One page per paper, and the papers index."""

from __future__ import annotations

from catalog.datasets import DATASETS
from catalog.export import bibtex_entry
from catalog.names import model_short_name
from catalog.schema import Paper, SourceRef
from catalog.sources import SOURCES

from . import badges
from . import data as D
from .common import (
    code_html,
    front,
    grade_badge,
    paper_link,
    piece,
    score_html,
    setting_badges,
    short_name,
    sources_html,
)
from .html import a, attr, fmt_num, page_url, rel, table
from .render import render


def paper_page(data: D.SiteData, p: Paper, claims: list[dict] | None = None, site_url: str | None = None) -> str:
    page = f"papers/{p.id}.md"
    name = short_name(p)
    # The tab and the search result carry the name readers know the paper by.
    title = p.title if name.lower() in p.title.lower() else f"{name}: {p.title}"
    claims = claims if claims is not None else [c for c in D.claim_rows(data) if c["paper"] is p]
    reps = [D.reproduction(data, p, r) for r in p.results]
    return render(
        # no navigation, no table of contents: the tables get the whole width
        "paper.md", front=front(title, hide=["navigation", "toc"]), title=title, p=p,
        code=code_html(p.code), tags=[(rel(page, "browse/tags.md", f"tag-{t}"), t) for t in p.tags],
        models=_models_table(p), results=_results_table(data, p, page) if p.results else None,
        reproduced=[(data.model_name(r.model), D.split_words(r), x.verdict, x.reason)
                    for r, x in zip(p.results, reps) if x.verdict != D.NO_REPRODUCTION],
        accuracy_page=rel(page, "accuracy-claims.md"),
        claims=claims_table(claims, page, data=data) if claims else None,
        measured=_measured_table(data, p), errata=errata_table([(p, e) for e in p.errata], page) if p.errata else None,
        mentioned=sources_html(p.sources, page, paper=p) if p.sources else None,
        api_href=rel(page, f"api/v1/papers/{p.id}.json"), api_path=f"api/v1/papers/{p.id}.json",
        api_doc=rel(page, "api.md"), badges=_badges(data, p, page, site_url), bibtex=bibtex_entry(p).strip())


def _models_table(p: Paper) -> str | None:
    if not p.models:
        return None
    return table([("Model id", "text"), ("Name", "text"), ("Backbone", "text"), ("Implementation", "text"),
                  ("Note", "text")],
                 [[piece("code")(m.id), m.name, m.backbone or "–", m.implementation or "the paper's own", m.note or ""]
                  for m in p.models])


def _results_table(data: D.SiteData, p: Paper, page: str) -> str:
    rows = []
    for r in p.results:
        board, row = data.row_of.get(id(r), (None, None))
        ds = DATASETS[r.dataset].name
        where = a(rel(page, D.board_page(board), row.id if row.id in data.shown else None), ds) if board else ds
        rows.append([where, data.model_name(r.model), D.evaluated_on(r),
                     D.metric_words(r.metric),
                     score_html(data, row, page) if row else (D.fmt_claim(r.value), r.value),
                     setting_badges(r.setting, r.dataset), grade_badge(r.grade),
                     sources_html(r.sources, page, paper=p), r.note or ""])
    return table([("Dataset", "text"), ("Model", "text"), ("Evaluated on", "text"), ("Metric", "text"),
                  ("Value", "num"), ("Settings", "text"), ("Grade", "text"), ("Sources", "text"),
                  ("Note", "text")], rows)


def _measured_table(data: D.SiteData, p: Paper) -> str | None:
    rows = []
    for m in p.models:
        if not data.runs.get(m.id):
            continue
        meas = D.measured(data, m.id)
        run = meas["run"]
        lat = piece("latency")(fmt_num(meas.get("latency_ms"), 1), meas.get("latency_stable") is False,
                               meas.get("latency_spread"), meas.get("latency_ci"))
        rows.append([data.model_name(m.id), D.sig(meas.get("params_m")), D.sig(meas.get("gmacs")),
                     D.sig(meas.get("gflops")), lat, env_text(run),
                     f"{D.size_text(run.input_size)}, batch {run.batch}, {run.precision}"])
    if not rows:
        return None
    return table([("Model", "text"), ("Params (M)", "num"), ("GMACs", "num"), ("GFLOPs", "num"),
                  ("Latency median (ms)", "num"), ("Environment", "text"), ("Input", "text")], rows)


def _badges(data: D.SiteData, p: Paper, page: str, site_url: str | None) -> list[dict]:
    """The paper's badge and its benchmarked models', each with the Markdown to paste into a
    README: absolute urls, the site's url when configured, else the page's own address (filled
    in by javascripts/site.js)."""
    out = []
    for what, path in badges.items(data, p):
        img, here = rel(page, path), rel(page, page)
        if site_url:
            base = site_url.rstrip("/") + "/"
            snippet = badges.markdown(what, base + path, base + page_url(page))
        else:
            snippet = badges.markdown(what, img, here)
        out.append({"what": what, "img": img, "page": here, "snippet": snippet, "dynamic": not site_url})
    return out


def env_text(run) -> str:
    """Where a run was made, each fact once: 'AMD EPYC 7B13 (2 threads), torch 2.14.1'."""
    env = run.env
    bits = [D.device_name(run), f"torch {env.torch}" if env.torch else None,
            f"CUDA {env.cuda}" if env.cuda else None]
    return ", ".join(str(b) for b in bits if b)


QUANTITY_WORDS = {"params": "parameters", "flops": "FLOPs", "macs": "multiply-adds", "latency": "latency",
                  "fps": "speed", "memory": "memory"}


def claim_text(e, data: D.SiteData | None = None) -> str:
    """A claim in words, with its unit and conditions: '~134 M', '3.22 M (3,221,538)',
    '79x fewer parameters than SegNet', '12.6 ms (Titan X, 512x1024)'."""
    bound = "" if e.bound == "=" else e.bound
    conds = [x for x in (e.input_size, e.hardware, e.precision,
                         f"batch {e.batch_size}" if e.batch_size else None, e.framework) if x]
    if e.relative_to:
        other = data.model_name(e.relative_to) if data else e.relative_to
        more = "more" if e.quantity == "fps" else "fewer" if e.quantity in ("params", "flops", "macs") else "less"
        text = f"{bound}{D.fmt_claim(e.value)}x {more} {QUANTITY_WORDS[e.quantity]} than {other}"
    elif e.unit == "count" and e.quantity in ("params", "flops", "macs"):
        scale, unit = (1e6, "M") if e.quantity == "params" else (1e9, "G")
        text = f"{bound}{D.sig(e.value / scale)} {unit} ({e.value:,.0f})"
    else:
        text = f"{bound}{D.fmt_claim(e.value)} {e.unit}"
    return text + (f" ({', '.join(conds)})" if conds else "")


def verdict_cell(c: dict, reason: str | None = None) -> tuple[str, str]:
    """The verdict badge and, as visible text under it, the reason (keyboard and touch
    readers see it as well as mouse users)."""
    verdict = D.verdict_name(c)
    return piece("verdict")(verdict, D.verdict_reason(c) if reason is None else reason), verdict


def _run_sources(v, page: str, paper) -> str:
    """A verdict's sources (ids and 'where' strings from the run record) by the sources' titles."""
    refs = []
    for i, ref in enumerate(v.sources):
        if ref in SOURCES:
            where = v.where[i] if i < len(v.where) else None
            refs.append(SourceRef.model_construct(ref=ref, where=where, url=None, note=None))
    return sources_html(refs, page, compact=True, paper=paper) if refs else "–"


def claims_table(rows: list[dict], page: str, with_paper: bool = False, data: D.SiteData | None = None) -> str:
    out, attrs = [], []
    for c in rows:
        e, v, run = c["claim"], c["verdict"], c["run"]
        measured = ((D.with_unit(v.measured, v.measured_unit), v.measured)
                    if v is not None and v.measured is not None else ("–", None))
        claimed = claim_text(e, data) if e else (f"{v.claimed} {v.claimed_unit or ''}" if v else "")
        src = (sources_html(e.sources, page, compact=True, paper=c["paper"]) if e
               else _run_sources(v, page, c["paper"]) if v else "–")
        quantity = e.quantity if e else (v.quantity if v else "?")
        cell, verdict = verdict_cell(c)
        row = []
        if with_paper:
            row.append(paper_link(page, c["paper"], short_name(c["paper"])) if c["paper"] else "–")
        row += [data_model_name(c), QUANTITY_WORDS.get(quantity, quantity), claimed, measured,
                (cell, verdict), src, env_text(run) if run else "–"]
        out.append(row)
        attrs.append(attr(verdict=verdict))
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Model", "text"), ("Quantity", "text"), ("Claimed", "text"), ("Measured", "num"),
        ("Verdict and why", "text"), ("Sources", "text"), ("Environment", "text")]
    return table(headers, out, ("data-filterable " if with_paper else "") + 'data-claims', attrs,
                 lead=2 if with_paper else 1)


def accuracy_table(rows: list[dict], page: str, data: D.SiteData, with_paper: bool = False) -> str:
    """Accuracy claims with their reproduction verdict: dataset and split, never an environment
    where nothing ran."""
    out, attrs = [], []
    for c in rows:
        r, rep, p = c["result"], c["reproduction"], c["paper"]
        row = [paper_link(page, p, short_name(p))] if with_paper else []
        row += [data.model_name(r.model), D.split_words(r), D.metric_words(r.metric),
                (D.fmt_claim(r.value), r.value), (piece("verdict")(rep.verdict, rep.reason), rep.verdict),
                sources_html(r.sources, page, compact=True, paper=p),
                rep.environment if rep.environment else piece("muted")("nothing ran")]
        out.append(row)
        attrs.append(attr(verdict=rep.verdict))
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Model", "text"), ("Dataset and split", "text"), ("Metric", "text"), ("Claimed", "num"),
        ("Verdict and why", "text"), ("Sources", "text"), ("Environment", "text")]
    return table(headers, out, ("data-filterable " if with_paper else "") + 'data-claims', attrs,
                 lead=2 if with_paper else 1)


def data_model_name(c: dict) -> str:
    p = c["paper"]
    if p:
        for m in p.models:
            if m.id == c["model"]:
                return model_short_name(m)
    return c["model"]


def errata_table(items: list, page: str, with_paper: bool = False) -> str:
    rows = []
    for p, e in items:
        row = [paper_link(page, p)] if with_paper else []
        row += [e.field, piece("text_or_url")(e.stated), piece("text_or_url")(e.correct or "–"),
                sources_html(e.sources, page, paper=p), e.note or ""]
        rows.append(row)
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Field", "text"), ("Stated", "text"), ("Correct", "text"), ("Sources", "text"), ("Note", "text")]
    return table(headers, rows)


PER_PAGE = 100


def index_pages(data: D.SiteData) -> dict[str, str]:
    """The papers index, paginated (the nav holds only its first page, so it does not grow with
    the catalog): papers/index.md, then paper-index/2.md, 3.md ..."""
    papers = sorted(data.papers, key=lambda p: (-p.first_public[0], -(p.first_public[1] or 0), p.title.lower()))
    chunks = [papers[i:i + PER_PAGE] for i in range(0, len(papers), PER_PAGE)] or [[]]
    names = ["papers/index.md"] + [f"paper-index/{n}.md" for n in range(2, len(chunks) + 1)]
    out = {}
    for n, (name, chunk) in enumerate(zip(names, chunks), 1):
        rows = []
        for p in chunk:
            rows.append([paper_link(name, p, short_name(p)), p.title, (str(p.year), p.year), p.venue or "–",
                         piece("links")([(rel(name, "browse/tags.md", f"tag-{t}"), t) for t in p.tags]),
                         (str(len(p.results)), len(p.results)), code_html(p.code, first_only=True)])
        pages = [(str(k), None if k == n else rel(name, names[k - 1])) for k in range(1, len(names) + 1)]
        title = "Papers" if n == 1 else f"Papers, page {n}"
        out[name] = render(
            "paper_index.md", front=front(title, hide=["navigation"], search={"exclude": True}), title=title,
            total=len(data.papers), first=(n - 1) * PER_PAGE + 1, last=(n - 1) * PER_PAGE + len(chunk),
            pages=pages if len(names) > 1 else None,
            table=table([("Name", "text"), ("Title", "text"), ("Year", "num"), ("Venue", "text"),
                         ("Tags", "text"), ("Results", "num"), ("Code", "text")], rows, "data-filterable"))
    return out
