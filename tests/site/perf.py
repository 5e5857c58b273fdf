"""Transfer size and first paint of a page on a throttled link, in Debian's chromium.

Shared by the browser test and by hand measurements:
    .venv/bin/python tests/site/perf.py SITE_DIR leaderboards/cityscapes.html
Throttling is Chrome DevTools' network emulation: 10 Mbit/s down, 5 Mbit/s up, 20 ms latency,
cache disabled, so every byte of the page's subresources crosses the emulated link.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitetools as T  # noqa: E402

MBIT = 1_000_000 / 8  # bytes per second in one Mbit/s


def measure(browser, url: str, mbit: float = 10.0, latency_ms: float = 20.0) -> dict:
    """{'first_paint_ms', 'fcp_ms', 'transfer_bytes', 'requests', 'load_ms'} for one cold load."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": latency_ms,
        "downloadThroughput": mbit * MBIT, "uploadThroughput": mbit / 2 * MBIT})
    sizes: dict[str, float] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_timeout(300)
    timing = page.evaluate("""() => {
        const p = {}; for (const e of performance.getEntriesByType('paint')) p[e.name] = e.startTime;
        const n = performance.getEntriesByType('navigation')[0];
        return {fp: p['first-paint'], fcp: p['first-contentful-paint'], load: n ? n.loadEventEnd : null};
    }""")
    ctx.close()
    return {"first_paint_ms": timing["fp"], "fcp_ms": timing["fcp"], "load_ms": timing["load"],
            "transfer_bytes": int(sum(sizes.values())), "requests": len(sizes)}


def main() -> None:
    site, path = Path(sys.argv[1]), sys.argv[2]
    with T.serve(site) as base, T.browser() as b:
        for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 1):
            print(measure(b, f"{base}/{path}"))


if __name__ == "__main__":
    main()
