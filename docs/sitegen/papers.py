"""One page per paper, and the papers index."""

from __future__ import annotations

from catalog.datasets import DATASETS
from catalog.export import bibtex_entry
from catalog.schema import Paper, SourceRef
from catalog.sources import SOURCES

from . import badges
from . import data as D
from .common import code_html, front, grade_badge, h1, paper_link, score_html, setting_badges, short_name, sources_html
from .html import a, badge, block, esc, ext_link, fmt_num, late, page_url, rel, table, verdict_badge


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


def paper_page(data: D.SiteData, p: Paper, claims: list[dict] | None = None, site_url: str | None = None) -> str:
    page = f"papers/{p.id}.md"
    name = short_name(p)
    # The tab and the search result carry the name readers know the paper by.
    title = p.title if name.lower() in p.title.lower() else f"{name}: {p.title}"
    md = front(title, hide=["navigation"]) + h1(title) + block(_facts(data, p, page))
    md += "\n## Summary\n" + block(f"<p>{esc(p.summary)}</p>" if p.summary else "<p>No summary yet.</p>")
    if p.models:
        md += "\n## Models\n" + block(table(
            [("Model id", "text"), ("Name", "text"), ("Backbone", "text"), ("Implementation", "text"),
             ("Note", "text")],
            [[f"<code>{esc(m.id)}</code>", esc(m.name), esc(m.backbone or "–"),
              esc(getattr(m, "implementation", None) or "the paper's own"), esc(m.note or "")]
             for m in p.models]))
    if p.results:
        rows = []
        for r in p.results:
            board, row = data.row_of.get(id(r), (None, None))
            ds = DATASETS[r.dataset].name
            link = a(rel(page, D.board_page(board), row.id if row.id in data.shown else None), ds) if board else esc(ds)
            rows.append([
                link, esc(data.model_name(r.model)), esc(getattr(r, "protocol", r.split)), esc(r.metric),
                score_html(data, row, page) if row else (D.fmt_claim(r.value), r.value),
                setting_badges(r.setting, r.dataset), grade_badge(r.grade),
                sources_html(r.sources, page, paper=p), esc(r.note or "")])
        reps = [D.reproduction(data, p, r) for r in p.results]
        if all(x.verdict == D.NO_REPRODUCTION for x in reps):
            verdict_note = ("<p>Accuracy verdicts: no independent reproduction of these scores yet "
                            f"(see the {a(rel(page, 'accuracy-claims.md'), 'accuracy claims')}).</p>")
        else:
            verdict_note = ("<p>Accuracy verdicts, each with its reason: "
                            + "; ".join(f"{esc(data.model_name(r.model))} on {esc(D.split_words(r))}: "
                                        f"{verdict_badge(x.verdict)} {esc(x.reason)}"
                                        for r, x in zip(p.results, reps) if x.verdict != D.NO_REPRODUCTION)
                            + "</p>")
        md += "\n## Reported results\n" + block(verdict_note + table(
            [("Dataset", "text"), ("Model", "text"), ("Evaluated on", "text"), ("Metric", "text"),
             ("Value", "num"), ("Settings", "text"), ("Grade", "text"), ("Sources", "text"),
             ("Note", "text")], rows))
    claims = claims if claims is not None else [c for c in D.claim_rows(data) if c["paper"] is p]
    if claims:
        md += "\n## Efficiency: claims and our measurements\n" + block(claims_table(claims, page, data=data))
    measured = [(m, D.measured(data, m.id)) for m in p.models if data.runs.get(m.id)]
    if measured:
        rows = []
        for m, meas in measured:
            run = meas["run"]
            size = D.size_text(run.input_size)
            lat = fmt_num(meas.get("latency_ms"), 1)
            if meas.get("latency_stable") is False:
                lat += " " + badge("unstable", "unknown", "the timings never settled within the protocol's bound")
            elif meas.get("latency_ci"):
                lo, hi = meas["latency_ci"]
                lat += f" <small>(95% CI {fmt_num(lo, 1)}-{fmt_num(hi, 1)}; p90 {meas['latency_spread']:.2f}x)</small>"
            elif meas.get("latency_spread"):
                lat += f" <small>(p90 {meas['latency_spread']:.2f}x)</small>"
            rows.append([esc(m.name), fmt_num(meas.get("params_m"), 3), fmt_num(meas.get("gmacs"), 2),
                         fmt_num(meas.get("gflops"), 2), lat,
                         esc(env_text(run)), esc(f"{size}, batch {run.batch}, {run.precision}")])
        md += "\n## Measured by the bench\n" + block(table(
            [("Model", "text"), ("Params (M)", "num"), ("GMACs", "num"), ("GFLOPs", "num"),
             ("Latency median (ms)", "num"), ("Environment", "text"), ("Input", "text")], rows))
    if p.errata:
        md += "\n## Errata\n" + block(errata_table([(p, e) for e in p.errata], page))
    if p.sources:
        md += "\n## Mentioned in\n" + block(f"<p>{sources_html(p.sources, page, paper=p)}</p>")
    md += "\n## Badges and data\n" + block(badges_html(data, p, page, site_url))
    # Plain <pre><code> (the theme still adds its copy button), kept out of the search index.
    bib = bibtex_entry(p).strip()
    md += "\n## BibTeX\n" + block(late(f'<pre><code class="language-bibtex">{esc(bib)}</code></pre>'))
    return md


def badges_html(data: D.SiteData, p: Paper, page: str, site_url: str | None) -> str:
    """The paper's badge and its benchmarked models', each with the Markdown to paste into a
    README (absolute urls: the site's url when configured, else the page's own address,
    filled in by javascripts/site.js), and the paper's JSON in the static API."""
    out = []
    for what, path in badges.items(data, p):
        img, here = rel(page, path), rel(page, page)
        if site_url:
            base = site_url.rstrip("/") + "/"
            snippet, attrs = badges.markdown(what, base + path, base + page_url(page)), ""
        else:
            snippet = badges.markdown(what, img, here)
            attrs = f' data-badge-img="{esc(img)}" data-badge-page="{esc(here)}" data-badge-what="{esc(what)}"'
        out.append(f'<li><img src="{esc(img)}" alt="SegAtlas badge: {esc(what)}"> {esc(what)}'
                   f"<pre><code{attrs}>{esc(snippet)}</code></pre></li>")
    api_link = a(rel(page, f"api/v1/papers/{p.id}.json"), f"api/v1/papers/{p.id}.json")
    return (f"<p>Badges for a README (static SVG, regenerated with the site): paste the Markdown. "
            f"This page as data: {api_link} (see {a(rel(page, 'api.md'), 'the API')}).</p>"
            + late(f'<ul class="sa-badges">{"".join(out)}</ul>'))


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
    reason = D.verdict_reason(c) if reason is None else reason
    return (verdict_badge(verdict) + (f'<br><small class="sa-reason">{esc(reason)}</small>' if reason else ""),
            verdict)


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
        measured = ((esc(D.with_unit(v.measured, v.measured_unit)), v.measured)
                    if v is not None and v.measured is not None else ("–", None))
        claimed = esc(claim_text(e, data)) if e else esc(f"{v.claimed} {v.claimed_unit or ''}" if v else "")
        src = (sources_html(e.sources, page, compact=True, paper=c["paper"]) if e
               else _run_sources(v, page, c["paper"]) if v else "–")
        quantity = e.quantity if e else (v.quantity if v else "?")
        cell, verdict = verdict_cell(c)
        row = []
        if with_paper:
            row.append(paper_link(page, c["paper"], short_name(c["paper"])) if c["paper"] else "–")
        row += [esc(data_model_name(c)), esc(QUANTITY_WORDS.get(quantity, quantity)), claimed, measured,
                (cell, verdict), src, esc(env_text(run)) if run else "–"]
        out.append(row)
        attrs.append(f'data-verdict="{esc(verdict)}"')
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Model", "text"), ("Quantity", "text"), ("Claimed", "text"), ("Measured", "num"),
        ("Verdict and why", "text"), ("Sources", "text"), ("Environment", "text")]
    return table(headers, out, ("data-filterable " if with_paper else "") + 'class="sa-claims"', attrs,
                 lead=2 if with_paper else 1)


def accuracy_table(rows: list[dict], page: str, data: D.SiteData, with_paper: bool = False) -> str:
    """Accuracy claims with their reproduction verdict: dataset and split, never an environment
    where nothing ran."""
    out, attrs = [], []
    for c in rows:
        r, rep, p = c["result"], c["reproduction"], c["paper"]
        row = [paper_link(page, p, short_name(p))] if with_paper else []
        row += [esc(data.model_name(r.model)), esc(D.split_words(r)), esc(D.metric_words(r.metric)),
                (D.fmt_claim(r.value), r.value),
                (verdict_badge(rep.verdict) + f'<br><small class="sa-reason">{esc(rep.reason)}</small>', rep.verdict),
                sources_html(r.sources, page, compact=True, paper=p),
                esc(rep.environment) if rep.environment else '<span class="sa-muted">nothing ran</span>']
        out.append(row)
        attrs.append(f'data-verdict="{esc(rep.verdict)}"')
    headers = ([("Paper", "text")] if with_paper else []) + [
        ("Model", "text"), ("Dataset and split", "text"), ("Metric", "text"), ("Claimed", "num"),
        ("Verdict and why", "text"), ("Sources", "text"), ("Environment", "text")]
    return table(headers, out, ("data-filterable " if with_paper else "") + 'class="sa-claims"', attrs,
                 lead=2 if with_paper else 1)


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
        row += [esc(e.field), esc(e.stated), esc(e.correct or "–"), sources_html(e.sources, page, paper=p),
                esc(e.note or "")]
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
            rows.append([paper_link(name, p, short_name(p)), esc(p.title), (str(p.year), p.year),
                         esc(p.venue or "–"),
                         " ".join(a(rel(name, "browse/tags.md", f"tag-{t}"), t) for t in p.tags),
                         (str(len(p.results)), len(p.results)), code_html(p.code, first_only=True)])
        pager = " ".join(f"<strong>{k}</strong>" if k == n else a(rel(name, names[k - 1]), str(k))
                         for k in range(1, len(names) + 1))
        nav = f'<nav class="sa-pager" aria-label="Pages of the papers index">Page {pager}</nav>' \
            if len(names) > 1 else ""
        first, last = (n - 1) * PER_PAGE + 1, (n - 1) * PER_PAGE + len(chunk)
        title = "Papers" if n == 1 else f"Papers, page {n}"
        out[name] = front(title, hide=["navigation"], search={"exclude": True}) + h1(title) + block(
            f"<p>{len(data.papers)} papers, newest first; this page lists {first}–{last}. "
            "Search the whole catalog with the search box at the top; the filter below narrows "
            "this page.</p>" + nav
            + '<p class="sa-filter"><label>Filter <input type="search" data-filter-text '
              'placeholder="name, title, tag, venue..."></label> '
              '<span data-filter-status aria-live="polite"></span></p>'
            + table([("Name", "text"), ("Title", "text"), ("Year", "num"), ("Venue", "text"),
                     ("Tags", "text"), ("Results", "num"), ("Code", "text")], rows,
                    "data-filterable") + nav)
    return out
