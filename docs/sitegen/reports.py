"""Verification report, conflicts, sources, browse pages and the home page's generated parts."""

from __future__ import annotations

from collections import defaultdict

from catalog.datasets import DATASETS
from catalog.sources import SOURCES
from catalog.vocab import ENGINES, TAGS

from . import data as D
from catalog.schema import SourceRef

from .common import front, h1, paper_link, short_name, source_html, sources_html
from .html import a, block, esc, ext_link, fmt_num, rel, table
from .papers import accuracy_table, claims_table, errata_table

VERDICT_ORDER = ("mismatch", "unit", "verified", "not-comparable", "unmeasured", "not checked", "no run")
PER_PAGE = 500


def verification_pages(data: D.SiteData) -> dict[str, str]:
    """The verification report: every claim with its verdict, the telling verdicts first
    (mismatch, unit, verified, ...), in pages of PER_PAGE rows: verification.md, then
    verification/2.md, 3.md ..."""
    rows = D.claim_rows(data)
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    rows = sorted(rows, key=lambda r: order.get(D.verdict_name(r), len(order)))  # stable
    counts = D.verdict_counts(rows)
    verdicts = sorted({D.verdict_name(r) for r in rows})
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in verdicts)
    n_claims = sum(1 for r in rows if r["claim"] is not None)
    extra = len(rows) - n_claims
    chunks = [rows[i:i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)] or [[]]
    names = ["verification.md"] + [f"verification/{n}.md" for n in range(2, len(chunks) + 1)]
    out = {}
    for n, (page, chunk) in enumerate(zip(names, chunks), 1):
        pager = " ".join(f"<strong>{k}</strong>" if k == n else a(rel(page, names[k - 1]), str(k))
                         for k in range(1, len(names) + 1))
        nav = (f'<nav class="sa-pager" aria-label="Pages of the verification report">Page {pager} '
               f"(rows {(n - 1) * PER_PAGE + 1}–{(n - 1) * PER_PAGE + len(chunk)})</nav>"
               if len(names) > 1 else "")
        n_acc = len(D.accuracy_rows(data))
        intro = (
            f"<p>Efficiency claims (parameters, FLOPs, latency, speed, memory): {n_claims} from the catalog"
            + (f", and {extra} verdicts of bench runs on claims the catalog does not hold" if extra else "")
            + f". Verified: {counts['verified']}; matches at 2x or 1/2x (MAC/FLOP unit): {counts['unit']}; "
            f"mismatch: {counts['mismatch']}; unverified (not comparable, unmeasured, not checked by the "
            f"latest run, or no run yet): {counts['unverified']}. Mismatches first, then unit, verified and "
            "the rest.</p>"
            "<p>Each claim is compared with the latest run of the bench for that model "
            "(<code>data/results/</code>); each verdict says why, under its badge: the measured and "
            "claimed values, the tolerance, and what was compared. The "
            + a(rel(page, "accuracy-claims.md"), f"{n_acc} accuracy claims")
            + " are judged apart, by independent reproductions.</p>"
            '<p class="sa-filter"><label>Filter this page <input type="search" data-filter-text '
            'placeholder="model, paper, quantity..."></label> <label>Verdict <select data-filter-verdict>'
            f'<option value="">all</option>{options}</select></label> '
            '<span data-filter-status aria-live="polite"></span></p>')
        title = "Verification report" + ("" if n == 1 else f", page {n}")
        out[page] = (front(title, hide=["navigation", "toc"], search={"exclude": True}) + h1(title)
                     + block(intro + nav + claims_table(chunk, page, with_paper=True, data=data) + nav))
    return out


def accuracy_pages(data: D.SiteData) -> dict[str, str]:
    """Accuracy claims with their reproduction verdicts, in pages of PER_PAGE rows:
    accuracy-claims.md, then accuracy-claims/2.md ..."""
    rows = D.accuracy_rows(data)
    counts = D.accuracy_counts(rows)
    verdicts = sorted(counts)
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in verdicts)
    chunks = [rows[i:i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)] or [[]]
    names = ["accuracy-claims.md"] + [f"accuracy-claims/{n}.md" for n in range(2, len(chunks) + 1)]
    tally = "; ".join(f"{esc(v)}: {n}" for v, n in sorted(counts.items()))
    out = {}
    for n, (page, chunk) in enumerate(zip(names, chunks), 1):
        pager = " ".join(f"<strong>{k}</strong>" if k == n else a(rel(page, names[k - 1]), str(k))
                         for k in range(1, len(names) + 1))
        nav = (f'<nav class="sa-pager" aria-label="Pages of the accuracy claims">Page {pager}</nav>'
               if len(names) > 1 else "")
        intro = (f"<p>{len(rows)} accuracy claims (mIoU and other scores), each with the dataset and "
                 f"split it was scored on. {tally}. An accuracy claim is true when someone re-measures "
                 "the released model under the stated protocol and finds the same score: that is an "
                 "independent reproduction, not a cost run of the bench, so none of these is counted "
                 "with the " + a(rel(page, "verification.md"), "efficiency claims") + ". Where nothing "
                 "ran, no environment is named.</p>"
                 '<p class="sa-filter"><label>Filter this page <input type="search" data-filter-text '
                 'placeholder="model, paper, dataset..."></label> <label>Verdict <select data-filter-verdict>'
                 f'<option value="">all</option>{options}</select></label> '
                 '<span data-filter-status aria-live="polite"></span></p>')
        title = "Accuracy claims" + ("" if n == 1 else f", page {n}")
        out[page] = (front(title, hide=["navigation", "toc"], search={"exclude": True}) + h1(title)
                     + block(intro + nav + accuracy_table(chunk, page, data, with_paper=True) + nav))
    return out


def _side_sources(side, page: str, paper) -> str:
    """Side.sources are 'ref' or 'ref (where)' strings: shown by the source's title, linked."""
    out = []
    for text in side.sources:
        ref, _, where = text.partition(" (")
        if ref not in SOURCES:
            out.append(esc(text))
            continue
        where = where[:-1] if where.endswith(")") else where
        out.append(source_html(SourceRef.model_construct(ref=ref, where=where or None, url=None, note=None),
                               page, paper=paper))
    return "; ".join(out)


def disagreements(data: D.SiteData) -> list:
    return [c for c in data.conflicts if c.kind != "erratum"]


def conflicts_page(data: D.SiteData) -> str:
    page = "conflicts.md"
    md = front("Conflicts and errata", hide=["navigation"], search={"exclude": True}) + h1("Conflicts and errata")
    found = disagreements(data)
    strict = sum(1 for c in found if c.status == "conflict")
    md += block("<p>Two numbers are compared only when they could be one experiment: the same model "
                "(or a model whose source names no variant and a named variant of its paper), the same "
                "benchmark (or one whose variant is not stated), the same metric, and no setting that "
                "both sources state differently. They <strong>conflict</strong> when every setting either "
                "states, both state alike; the conflict is <strong>possible</strong> when one source "
                "leaves a setting unstated (the reason names it). Both numbers are kept, each with its "
                "source (rule: <code>catalog.compare.conflicts</code>, also printed by "
                f"<code>catalog conflicts</code>). {strict} conflicts, {len(found) - strict} possible.</p>")
    md += "\n## Disagreeing numbers\n"
    rows, attrs = [], []
    for c in found:
        n = data.conflicts.index(c)
        owner = data.owner(c.model, None) if c.model else None
        attrs.append(f'id="{esc(D.conflict_anchor(data, n))}" data-status="{esc(c.status)}"')
        sides = "<br>".join(
            f"{'' if s.bound == '=' else esc(s.bound)}{D.fmt_claim(s.value)}"
            f"{' ' + esc(s.unit) if s.unit else ''}"
            f"{' [' + esc(s.detail) + ']' if s.detail else ''} – {_side_sources(s, page, owner)}"
            for s in c.sides)
        status = ("conflict" if c.status == "conflict" else "possible conflict")
        rows.append([paper_link(page, owner, short_name(owner)) if owner else "–",
                     f"{esc(status)}<br><small>{esc(c.kind)}</small>",
                     esc(c.subject) + f"<br><small>{esc(c.reason)}</small>", sides])
    md += block(table([("Paper", "text"), ("Status", "text"), ("Claim and why it is compared", "text"),
                       ("Values and sources", "text")], rows, "", attrs)
                if rows else "<p>No conflicts.</p>")
    errata = [(p, e) for p in data.papers for e in p.errata]
    md += "\n## Errata\n" + block(
        "<p>Facts a source states wrongly (titles, years, code links), kept visible.</p>"
        + (errata_table(errata, page, with_paper=True) if errata else "<p>No errata.</p>"))
    return md


def sources_page(data: D.SiteData) -> str:
    uses: dict[str, int] = defaultdict(int)
    for p in data.papers:
        for ref in p.sources:
            uses[ref.ref] += 1
        for item in [*p.results, *p.efficiency, *p.errata]:
            for ref in item.sources:
                uses[ref.ref] += 1
    rows, attrs = [], []
    for s in SOURCES.values():
        rows.append([esc(s.title), esc(s.kind), esc(getattr(s, "grade", "primary")),
                     ext_link(s.url, "open") if s.url else "–", f"<code>{esc(s.id)}</code>",
                     (str(uses[s.id]), uses[s.id])])
        attrs.append(f'id="{esc(s.id)}"')
    return front("Sources") + h1("Sources") + block(
        "<p>Every number cites one of these. The seed surveys are the five documents the catalog "
        "was first transcribed from (secondary sources); <em>the paper</em> and <em>official "
        "code</em> are the authors' own (primary). A number's grade is primary when any of its "
        "sources is.</p>"
        + table([("Source", "text"), ("Kind", "text"), ("Grade", "text"), ("Link", "text"),
                 ("Id in the catalog", "text"), ("Citations", "num")], rows, "", attrs))


def _paper_list(page: str, papers) -> str:
    items = "".join(f"<li>{paper_link(page, p)} ({p.year}{', ' + esc(p.venue) if p.venue else ''})</li>"
                    for p in sorted(papers, key=lambda p: (-p.year, p.title.lower())))
    return f"<ul>{items}</ul>" if items else "<p>None in the catalog yet.</p>"


def years_page(data: D.SiteData) -> str:
    page = "browse/years.md"
    md = front("Papers by year") + h1("Papers by year")
    by_year = defaultdict(list)
    for p in data.papers:
        by_year[p.year].append(p)
    for y in sorted(by_year, reverse=True):
        md += f"\n## {y}\n" + block(_paper_list(page, by_year[y]))
    return md


def tags_page(data: D.SiteData) -> str:
    page = "browse/tags.md"
    md = front("Papers by tag") + h1("Papers by tag")
    used = [t for t in TAGS if any(t in p.tags for p in data.papers)]
    md += block("<p>" + " · ".join(f'<a href="#tag-{t}">{esc(t)}</a>' for t in used) + "</p>")
    for t in used:
        md += f"\n## {t} {{#tag-{t}}}\n" + block(
            f"<p>{esc(TAGS[t])}</p>" + _paper_list(page, [p for p in data.papers if t in p.tags]))
    return md


def tag_page(data: D.SiteData, slug: str, title: str, tags: set[str], intro: str) -> str:
    page = f"browse/{slug}.md"
    papers = [p for p in data.papers if tags & set(p.tags)]
    md = front(title) + h1(title) + block(f"<p>{esc(intro)}</p>")
    if slug != "real-time":
        return md + block(_paper_list(page, papers))
    return md + block(realtime_table(data, page))


def realtime_table(data: D.SiteData, page: str) -> str:
    """One row per speed claim, beside the score of its own experiment (catalog.compare.speed);
    a speed whose source ties it to no score is listed without one."""
    rows, attrs = [], []
    for s in data.speed:
        e, r = s.claim, s.result
        fps = s.fps
        fps_text = ("–" if fps is None else fmt_num(fps, 1) + (" <small>(1000 / latency)</small>" if s.fps_derived else ""))
        score = ((D.fmt_claim(r.value), r.value) if r is not None else
                 ('<span class="sa-muted" title="its source ties this speed to no score">no score of this '
                  "experiment</span>", None))
        where = ""
        if r is not None:
            where = f"{esc(DATASETS[r.dataset].name)}, {esc(s.row.placement.words if s.row else r.split)}"
        rows.append([
            esc(data.model_name(e.model)), paper_link(page, s.paper, short_name(s.paper)), score, where,
            esc(s.resolution or "–"), (fps_text, fps),
            esc(e.hardware or "–"), esc(ENGINES.get(e.engine, "–").split(" (")[0] if e.engine else (e.framework or "–")),
            esc(e.precision or "–"), esc(str(e.batch_size) if e.batch_size else "–"),
            sources_html(e.sources, page, compact=True, paper=s.paper)])
        attrs.append(f'data-device="{esc(s.device or "not stated")}" data-engine="{esc(e.engine or "not stated")}" '
                     f'data-paired="{"yes" if r is not None else "no"}"')
    if not rows:
        return "<p>No speed claims in the catalog yet.</p>"
    devices = sorted({s.device or "not stated" for s in data.speed})
    engines = sorted({s.claim.engine or "not stated" for s in data.speed})
    opts = lambda vals: "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in vals)  # noqa: E731
    form = ('<p class="sa-filter"><label>Filter <input type="search" data-filter-text placeholder="model, paper...">'
            f'</label> <label>Hardware <select data-filter-attr="device"><option value="">all</option>{opts(devices)}'
            f'</select></label> <label>Engine <select data-filter-attr="engine"><option value="">all</option>{opts(engines)}'
            '</select></label> <label><input type="checkbox" data-filter-paired> only speeds with the score of '
            'their own experiment</label> <span data-filter-status aria-live="polite"></span></p>')
    return form + table(
        [("Model", "text"), ("Paper", "text"), ("mIoU of this experiment", "num"), ("Scored on", "text"),
         ("Resolution", "text"), ("FPS", "num"), ("Hardware", "text"), ("Engine", "text"),
         ("Precision", "text"), ("Batch", "num"), ("Sources", "text")], rows, "data-filterable", attrs)


BROWSE = [
    ("real-time", "Speed and accuracy", {"real-time", "lightweight"},
     "Every speed claim of the catalog, one row per claim, beside the score of the same experiment "
     "(the same trained model at the same resolution, as its source ties them). A speed is never "
     "paired with a score from another row of its paper. Speeds come from different hardware, "
     "engines and precisions: filter by them before comparing. Sort by FPS within one device."),
    ("loss-functions", "Loss functions", {"loss-function"},
     "Papers that propose or study a loss function for segmentation."),
    ("surveys", "Surveys", {"survey"}, "Reviews and surveys of semantic segmentation."),
]


# --- home page pieces (replace markers in docs/index.md) ------------------------------------

def home_stats(data: D.SiteData) -> str:
    """Counts for the home page; efficiency claims and accuracy claims are counted apart (they
    are judged by different things: a cost run, a reproduction)."""
    rows = D.claim_rows(data)
    c = D.verdict_counts(rows)
    acc = D.accuracy_rows(data)
    reproduced = sum(n for v, n in D.accuracy_counts(acc).items() if v != D.NO_REPRODUCTION)
    items = [("papers", len(data.papers), "papers/index.md"),
             ("accuracy claims", len(acc), "accuracy-claims.md"),
             ("independently reproduced", reproduced, "accuracy-claims.md"),
             ("efficiency claims and verdicts", len(rows), "verification.md"),
             ("verified", c["verified"], "verification.md"),
             ("unit (MAC/FLOP)", c["unit"], "verification.md"), ("mismatched", c["mismatch"], "verification.md"),
             ("efficiency unverified", c["unverified"], "verification.md"),
             ("conflicts", len(disagreements(data)), "conflicts.md")]
    cells = "".join(f'<a class="sa-stat" href="{esc(rel("index.md", target))}"><strong>{n}</strong>'
                    f"<span>{esc(label)}</span></a>" for label, n, target in items)
    return block(f'<div class="sa-stats">{cells}</div>')


def home_latest(data: D.SiteData, n: int = 8) -> str:
    """The papers first made public most recently (arXiv month, else venue year)."""
    latest = sorted(data.papers, key=lambda p: (-p.first_public[0], -(p.first_public[1] or 0),
                                                p.title.lower()))[:n]
    return block(_paper_list("index.md", latest))


def home_boards(data: D.SiteData) -> str:
    items = "".join(f"<li>{a(rel('index.md', D.board_page(b)), b.name)} ({_count(len(b.rows), 'number')}, "
                    f"{_count(len(b.rankings), 'ranking')})</li>" for b in data.boards)
    return block(f"<ul>{items}</ul>" if items else "<p>No results yet.</p>")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


ACCURACY_STUB = (front("Accuracy") + h1("Accuracy")
                 + "The accuracy report (mIoU re-measured by the bench) is not written yet.\n")
