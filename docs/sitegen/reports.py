"""Verification report, accuracy claims, conflicts, sources, browse pages and the home page's
generated parts. Pages are templates (templates/*.md, *.html); this module prepares their data."""

from __future__ import annotations

from collections import defaultdict

from markupsafe import Markup

from catalog.datasets import DATASETS
from catalog.schema import SourceRef
from catalog.sources import SOURCES
from catalog.vocab import ENGINES, TAGS

from . import data as D
from .common import front, paper_link, piece, short_name, source_html, sources_html
from .html import attr, esc, rel, table
from .papers import accuracy_table, claims_table, errata_table
from .render import ENV, render

VERDICT_ORDER = ("mismatch", "unit", "verified", "not-comparable", "unmeasured", "not checked", "no run")
PER_PAGE = 500


def _paginate(rows: list, first: str, rest: str) -> list[tuple[str, list, list[tuple[str, str | None]] | None]]:
    """(page, rows, pager items or None) for rows in pages of PER_PAGE: `first`, then `rest`/2 ..."""
    chunks = [rows[i:i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)] or [[]]
    names = [first] + [f"{rest}/{n}.md" for n in range(2, len(chunks) + 1)]
    out = []
    for n, (page, chunk) in enumerate(zip(names, chunks), 1):
        pages = [(str(k), None if k == n else rel(page, names[k - 1])) for k in range(1, len(names) + 1)]
        out.append((page, chunk, pages if len(names) > 1 else None))
    return out


def verification_pages(data: D.SiteData) -> dict[str, str]:
    """The verification report: every efficiency claim with its verdict and the reason, the
    telling verdicts first (mismatch, unit, verified, ...), in pages of PER_PAGE rows:
    verification.md, then verification/2.md, 3.md ..."""
    rows = D.claim_rows(data)
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    rows = sorted(rows, key=lambda r: order.get(D.verdict_name(r), len(order)))  # stable
    counts = D.verdict_counts(rows)
    verdicts = sorted({D.verdict_name(r) for r in rows})
    n_claims = sum(1 for r in rows if r["claim"] is not None)
    n_acc = len(D.accuracy_rows(data))
    out = {}
    for n, (page, chunk, pages) in enumerate(_paginate(rows, "verification.md", "verification"), 1):
        title = "Verification report" + ("" if n == 1 else f", page {n}")
        first = (n - 1) * PER_PAGE + 1
        intro = render("verification_intro.html", n_claims=n_claims, extra=len(rows) - n_claims, counts=counts,
                       n_acc=n_acc, accuracy_href=rel(page, "accuracy-claims.md"))
        out[page] = str(render(
            "report_pages.md", front=front(title, hide=["navigation", "toc"], search={"exclude": True}), title=title,
            intro=intro, placeholder="model, paper, quantity...", verdicts=verdicts, pages=pages,
            pager_label="Pages of the verification report", rows_words=f"(rows {first}–{first + len(chunk) - 1})",
            table=claims_table(chunk, page, with_paper=True, data=data)))
    return out


def accuracy_pages(data: D.SiteData) -> dict[str, str]:
    """Accuracy claims with their reproduction verdicts, in pages of PER_PAGE rows:
    accuracy-claims.md, then accuracy-claims/2.md ..."""
    rows = D.accuracy_rows(data)
    counts = D.accuracy_counts(rows)
    out = {}
    for n, (page, chunk, pages) in enumerate(_paginate(rows, "accuracy-claims.md", "accuracy-claims"), 1):
        title = "Accuracy claims" + ("" if n == 1 else f", page {n}")
        intro = render("accuracy_intro.html", n=len(rows), counts=sorted(counts.items()),
                       efficiency_href=rel(page, "verification.md"))
        out[page] = str(render(
            "report_pages.md", front=front(title, hide=["navigation", "toc"], search={"exclude": True}), title=title,
            intro=intro, placeholder="model, paper, dataset...", verdicts=sorted(counts), pages=pages,
            pager_label="Pages of the accuracy claims", rows_words="",
            table=accuracy_table(chunk, page, data, with_paper=True)))
    return out


def _side_sources(side, page: str, paper) -> Markup:
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
    return Markup("; ").join(out)


def disagreements(data: D.SiteData) -> list:
    return [c for c in data.conflicts if c.kind != "erratum"]


def conflicts_page(data: D.SiteData) -> str:
    page = "conflicts.md"
    found = disagreements(data)
    rows, attrs = [], []
    for c in found:
        n = data.conflicts.index(c)
        owner = data.owner(c.model, None) if c.model else None
        attrs.append(attr(id=D.conflict_anchor(data, n), status=c.status))
        sides = [Markup("{}{}{}{} – {}").format("" if s.bound == "=" else s.bound, D.fmt_claim(s.value),
                                                 f" {s.unit}" if s.unit else "", f" [{s.detail}]" if s.detail else "",
                                                 _side_sources(s, page, owner)) for s in c.sides]
        rows.append([paper_link(page, owner, short_name(owner)) if owner else "–",
                     piece("lines")(["conflict" if c.status == "conflict" else "possible conflict", piece("small")(c.kind)]),
                     piece("lines")([c.subject, piece("small")(c.reason)]), piece("lines")(sides)])
    errata = [(p, e) for p in data.papers for e in p.errata]
    strict = sum(1 for c in found if c.status == "conflict")
    return str(render(
        "conflicts.md", front=front("Conflicts and errata", hide=["navigation", "toc"], search={"exclude": True}),
        strict=strict, possible=len(found) - strict,
        table=table([("Paper", "text"), ("Status", "text"), ("Claim and why it is compared", "text"),
                     ("Values and sources", "text")], rows, "", attrs) if rows else None,
        errata=errata_table(errata, page, with_paper=True) if errata else None))


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
        rows.append([s.title, s.kind, getattr(s, "grade", "primary"),
                     piece("ext")(s.url, "open") if s.url else "–", piece("code")(s.id), (str(uses[s.id]), uses[s.id])])
        attrs.append(attr(id=s.id))
    return str(render("sources.md", front=front("Sources"), table=table(
        [("Source", "text"), ("Kind", "text"), ("Grade", "text"), ("Link", "text"),
         ("Id in the catalog", "text"), ("Citations", "num")], rows, "", attrs)))


def _paper_items(page: str, papers) -> list[tuple]:
    return [(rel(page, f"papers/{p.id}.md"), p.title, p.year, p.venue)
            for p in sorted(papers, key=lambda p: (-p.year, p.title.lower()))]


def years_page(data: D.SiteData) -> str:
    page = "browse/years.md"
    by_year = defaultdict(list)
    for p in data.papers:
        by_year[p.year].append(p)
    groups = [(str(y), None, None, _paper_items(page, by_year[y])) for y in sorted(by_year, reverse=True)]
    return str(render("paper_lists.md", front=front("Papers by year"), title="Papers by year", intro=None,
                      index=None, groups=groups, extra=None))


def tags_page(data: D.SiteData) -> str:
    page = "browse/tags.md"
    used = [t for t in TAGS if any(t in p.tags for p in data.papers)]
    groups = [(t, f"tag-{t}", TAGS[t], _paper_items(page, [p for p in data.papers if t in p.tags])) for t in used]
    return str(render("paper_lists.md", front=front("Papers by tag"), title="Papers by tag", intro=None,
                      index=[(f"tag-{t}", t) for t in used], groups=groups, extra=None))


def tag_page(data: D.SiteData, slug: str, title: str, tags: set[str], intro: str) -> str:
    page = f"browse/{slug}.md"
    papers = [p for p in data.papers if tags & set(p.tags)]
    if slug == "real-time":
        return str(render("paper_lists.md", front=front(title, hide=["navigation", "toc"]), title=title,
                          intro=intro, index=None, groups=[], extra=realtime_table(data, page)))
    return str(render("paper_lists.md", front=front(title), title=title, intro=intro, index=None,
                      groups=[(None, None, None, _paper_items(page, papers))], extra=None))


def realtime_table(data: D.SiteData, page: str) -> Markup:
    """One row per speed claim, beside the score of its own experiment (catalog.compare.speed);
    a speed whose source ties it to no score is listed without one."""
    rows, attrs = [], []
    for s in data.speed:
        e, r = s.claim, s.result
        fps = s.fps
        fps_text = ("–" if fps is None else
                    piece("lines")([D.sig(fps), piece("small")("1000 / latency")]) if s.fps_derived else D.sig(fps))
        score = ((D.fmt_claim(r.value), r.value) if r is not None else
                 (piece("muted")("no score of this experiment", "its source ties this speed to no score"), None))
        where = f"{DATASETS[r.dataset].name}, {s.row.placement.words if s.row else r.split}" if r is not None else ""
        engine = ENGINES.get(e.engine, "–").split(" (")[0] if e.engine else (e.framework or "–")
        rows.append([data.model_name(e.model), paper_link(page, s.paper, short_name(s.paper)), score, where,
                     s.resolution or "–", (fps_text, fps), e.hardware or "–", engine, e.precision or "–",
                     str(e.batch_size) if e.batch_size else "–", sources_html(e.sources, page, compact=True, paper=s.paper)])
        attrs.append(attr(device=s.device or "not stated", engine=e.engine or "not stated",
                          paired="yes" if r is not None else "no"))
    return render("realtime.html", devices=sorted({s.device or "not stated" for s in data.speed}),
                  engines=sorted({s.claim.engine or "not stated" for s in data.speed}),
                  table=table([("Model", "text"), ("Paper", "text"), ("mIoU of this experiment", "num"),
                               ("Scored on", "text"), ("Resolution", "text"), ("FPS", "num"), ("Hardware", "text"),
                               ("Engine", "text"), ("Precision", "text"), ("Batch", "num"), ("Sources", "text")],
                              rows, "data-filterable", attrs) if rows else None)


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

def _home(name: str):
    return getattr(ENV.get_template("home.html").module, name)


def home_stats(data: D.SiteData) -> Markup:
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
    return block_of(_home("stats")([(label, n, rel("index.md", target)) for label, n, target in items]))


def home_latest(data: D.SiteData, n: int = 8) -> Markup:
    """The papers first made public most recently (arXiv month, else venue year)."""
    latest = sorted(data.papers, key=lambda p: (-p.first_public[0], -(p.first_public[1] or 0), p.title.lower()))[:n]
    return block_of(piece("paper_list")(_paper_items("index.md", latest)))


def home_boards(data: D.SiteData) -> Markup:
    return block_of(_home("boards")([(rel("index.md", D.board_page(b)), b.name,
                                      f"{_count(len(b.rows), 'number')}, {_count(len(b.rankings), 'ranking')}")
                                     for b in data.boards]))


def block_of(html_text: Markup) -> Markup:
    from .html import block

    return block(html_text)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


ACCURACY_STUB = "---\ntitle: Accuracy\n---\n\n# Accuracy\n\nThe accuracy report (mIoU re-measured by the bench) is not written yet.\n"
