"""Benchmark: web in -- fetching and reading pages, and a round of watching outlets.

Three measurements (issue 17), all against a local HTTP server in this process (loopback only,
bounded in count and time; nothing leaves the machine):

* ``fetch+extract 200 KB``: pages of about 200 KB fetched (``articles.fetching.fetch``, every
  safety check on) and read (``articles.extraction.extract_article``) one after another:
  pages per second, and the time per page;
* ``extract per page``: ``extract_article`` alone, median and p95 per page, on the 91 real news
  pages of ``../shared/conformance/article-extraction/`` when present (else on the fixture
  pages of ``tests/fixtures/web``);
* ``watch cycle 500 feeds x 20 items``: one round of ``articles.watching.run_cycle`` over 500
  feeds of 20 items on 50 host names (all resolved to 127.0.0.1), steady state: every item is
  known from earlier rounds, the feeds answer conditional GETs with 304 except 10% that
  changed and carry one new item each (fetched, read, saved, snapshotted). Requests to one host
  are spaced by ``FACTDESK_FETCH_HOST_INTERVAL`` (1 s) as in production. Target: under 60 s on
  two cores. The rows the round creates are removed afterwards.

Run alone (SQLite scratch database unless ``DATABASE_URL`` is set)::

    .venv/bin/python benchmarks/bench_fetch.py [--quick]

or as the ``fetch`` group of ``benchmarks/run.py`` (``make bench``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "web"
CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance" / "article-extraction"
BENCH_DOMAIN = "bench.test"
CYCLE_TARGET_SECONDS = 60.0


@dataclass
class Measurement:
    """One row for the results table (``benchmarks/run.py`` turns it into its ``Result``)."""

    name: str
    samples: list[float] = field(default_factory=list)  # seconds
    value: str = ""
    target: str = ""
    passed: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.samples) * 1000 if self.samples else None

    @property
    def p95_ms(self) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


# --- the local server -----------------------------------------------------------------------------


def big_page(number: int, size: int = 200 * 1024) -> bytes:
    """The newsroom fixture grown to about ``size`` bytes with more paragraphs (and page furniture)."""
    base = (FIXTURES / "newsroom_article.html").read_text(encoding="utf-8")
    base = base.replace("harbour-dredging-cost", f"bench-story-{number}")
    paragraph = (
        f"<p>Paragraph for story {number}: the council's finance committee met again on Thursday to discuss "
        "the dredging contract, the ferry timetable and the cost of the new berth, and heard from residents.</p>\n"
    )
    sidebar = '<div class="related-stories"><a href="/x">Another story about the harbour and its works</a></div>\n'
    filler = []
    while len(base) + sum(map(len, filler)) < size:
        filler.append(paragraph if len(filler) % 5 else sidebar)
    return base.replace("<p>Dredging is expected", "".join(filler) + "<p>Dredging is expected").encode()


def feed_xml(port: int, feed: int, items: int, version: int) -> bytes:
    host = f"feed{feed % 50}.{BENCH_DOMAIN}:{port}"
    entries = "".join(
        f"<item><title>Item {feed}-{item}</title><link>http://{host}/item/{feed}/{item}</link>"
        f"<guid>bench-{feed}-{item}</guid></item>"
        for item in range(version, version + items)
    )
    channel = f"<channel><title>Feed {feed}</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


class _State:
    """What the server serves: page bodies, and each feed's current version (its ETag)."""

    def __init__(self) -> None:
        self.pages: dict[int, bytes] = {}
        self.feed_versions: dict[int, int] = {}
        self.items_per_feed = 20
        self.requests = 0
        self.lock = threading.Lock()


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes = b"", content_type: str = "text/html", etag: str = "") -> None:
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self) -> None:
            with state.lock:
                state.requests += 1
            parts = self.path.strip("/").split("/")
            if parts[0] == "page":
                self._send(200, state.pages[int(parts[1])], "text/html; charset=utf-8")
            elif parts[0] == "feed":
                feed = int(parts[1])
                version = state.feed_versions.get(feed, 0)
                etag = f'"{feed}-{version}"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, etag=etag)
                else:
                    port = self.server.server_address[1]
                    body = feed_xml(port, feed, state.items_per_feed, version)
                    self._send(200, body, "application/rss+xml", etag)
            elif parts[0] == "item":
                number = int(parts[1]) * 1000 + int(parts[2])
                self._send(200, big_page(number, size=30 * 1024), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found")

    return Handler


@contextmanager
def local_server(state: _State) -> Iterator[int]:
    """A threaded HTTP server on 127.0.0.1 for the duration of the block; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def bench_policy() -> Any:
    from articles.fetching import FetchPolicy

    hosts = frozenset({"127.0.0.1", "localhost"} | {f"feed{n}.{BENCH_DOMAIN}" for n in range(50)})
    return FetchPolicy(allowed_hosts=hosts, resolver=lambda host, port: ["127.0.0.1"])


# --- the measurements -------------------------------------------------------------------------------


def fetch_and_extract(pages: int) -> Measurement:
    from articles.extraction import extract_article
    from articles.fetching import fetch

    state = _State()
    for number in range(pages):
        state.pages[number] = big_page(number)
    policy = bench_policy()
    samples = []
    with local_server(state) as port:
        fetch(f"http://127.0.0.1:{port}/page/0", policy)  # warm up (imports, first connection)
        started = time.perf_counter()
        for number in range(pages):
            begun = time.perf_counter()
            page = fetch(f"http://127.0.0.1:{port}/page/{number}", policy)
            extracted = extract_article(page.text, url=page.final_url)
            assert extracted.paragraphs, "the benchmark page must have article text"
            samples.append(time.perf_counter() - begun)
        elapsed = time.perf_counter() - started
    size = sum(len(body) for body in state.pages.values()) / pages / 1024
    return Measurement(
        name=f"fetch+extract {size:.0f} KB pages", samples=samples, value=f"{pages / elapsed:.1f} pages/s",
        extra={"pages": pages, "seconds": round(elapsed, 2)},
    )


def extraction_pages() -> tuple[str, list[tuple[bytes, str]]]:
    truth = CONFORMANCE / "ground-truth.json"
    if truth.exists():
        items = json.loads(truth.read_text(encoding="utf-8"))
        pages = [
            (gzip.decompress((CONFORMANCE / "html" / f"{key}.html.gz").read_bytes()), item.get("url", ""))
            for key, item in sorted(items.items())
        ]
        return "conformance pages", pages
    return "fixture pages", [(path.read_bytes(), "") for path in sorted(FIXTURES.glob("*.html"))]


def extraction_time() -> Measurement:
    from articles.extraction import extract_article

    label, pages = extraction_pages()
    extract_article(pages[0][0], url=pages[0][1])  # warm up
    samples = []
    for html, url in pages:
        begun = time.perf_counter()
        extract_article(html, url=url)
        samples.append(time.perf_counter() - begun)
    return Measurement(name=f"extract per page ({len(pages)} {label})", samples=samples, value=f"{len(pages)} pages")


def watch_cycle(feeds: int = 500, items: int = 20, changed_share: float = 0.1) -> Measurement:
    """One steady-state round over ``feeds`` feeds (see the module docstring); the rows it makes are removed."""
    from django.db import transaction
    from django.utils import timezone

    from articles import watching
    from articles.models import Article, Feed, FeedItem, Snapshot, Watch

    state = _State()
    state.items_per_feed = items
    policy = bench_policy()
    with local_server(state) as port:
        with transaction.atomic():
            Feed.objects.filter(url__contains=f".{BENCH_DOMAIN}:").delete()
            created = Feed.objects.bulk_create(
                Feed(url=f"http://feed{n % 50}.{BENCH_DOMAIN}:{port}/feed/{n}", title=f"Feed {n}",
                     etag=f'"{n}-0"', watch_items=False, last_outcome="ok")
                for n in range(feeds)
            )
            FeedItem.objects.bulk_create(
                FeedItem(feed=feed, guid=f"bench-{n}-{item}", url="", title="")
                for n, feed in enumerate(created) for item in range(items)
            )
        changed = range(0, feeds, max(1, round(1 / changed_share))) if changed_share else range(0)
        for feed in changed:
            state.feed_versions[feed] = 1  # a new ETag, and one new item at the top
        started = time.perf_counter()
        report = watching.run_cycle(policy=policy, now=timezone.now())
        elapsed = time.perf_counter() - started
        requests = state.requests
        new_articles = len(report.created)
        Article.objects.filter(url__contains=f".{BENCH_DOMAIN}:").delete()
        Snapshot.objects.filter(url__contains=f".{BENCH_DOMAIN}:").delete()
        Watch.objects.filter(url__contains=f".{BENCH_DOMAIN}:").delete()
        Feed.objects.filter(url__contains=f".{BENCH_DOMAIN}:").delete()
    return Measurement(
        name=f"watch cycle {feeds} feeds x {items} items",
        samples=[elapsed],
        value=f"{elapsed:.1f} s, {requests} requests, {new_articles} new articles",
        target=f"< {CYCLE_TARGET_SECONDS:g} s",
        passed=elapsed < CYCLE_TARGET_SECONDS and report.feeds_failed == 0,
        extra={
            "feeds_checked": report.feeds_checked,
            "feeds_unchanged": report.feeds_unchanged,
            "feeds_failed": report.feeds_failed,
            "failed": report.failed[:5],
        },
    )


def run_all(quick: bool = False) -> list[Measurement]:
    """Every measurement of this module (``quick``: fewer pages, 100 feeds)."""
    return [
        fetch_and_extract(10 if quick else 50),
        extraction_time(),
        watch_cycle(100 if quick else 500),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 pages and 100 feeds instead of 50 and 500.")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/factdesk-bench-fetch.sqlite3")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    print("| measurement | median ms | p95 ms | value | target | result |\n|---|---|---|---|---|---|")
    for row in run_all(args.quick):
        median = f"{row.median_ms:.0f}" if row.median_ms is not None else ""
        p95 = f"{row.p95_ms:.0f}" if row.p95_ms is not None else ""
        verdict = "—" if row.passed is None else ("pass" if row.passed else "FAIL")
        print(f"| {row.name} | {median} | {p95} | {row.value} | {row.target} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
