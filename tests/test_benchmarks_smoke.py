"""The benchmark runner keeps working: its measurement functions run on tiny data (no timing asserts)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from articles.importing.parsers import parse_file
from benchmarks import run
from benchmarks.management.commands import generate_load_data as gen

WRK_OUTPUT = """\
Running 30s test @ http://127.0.0.1:8000/articles/1/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    41.20ms   12.01ms 180.33ms   80.12%
    Req/Sec   390.10     40.22   480.00     71.00%
  Latency Distribution
     50%   39.87ms
     75%   46.02ms
     90%   55.10ms
     99%    1.02s
  23412 requests in 30.02s, 1.20GB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:    779.88
Transfer/sec:     40.95MB
"""


def test_parse_wrk_reads_throughput_latency_and_counts_every_kind_of_error():
    parsed = run.parse_wrk(WRK_OUTPUT)
    assert parsed.requests_per_second == pytest.approx(779.88)
    assert parsed.p50_ms == pytest.approx(39.87)
    assert parsed.p99_ms == pytest.approx(1020.0)
    assert parsed.requests == 23412
    assert parsed.errors == 7


def test_percentiles_and_summary_in_milliseconds():
    assert run.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert run.percentile([1.0, 2.0], 0.95) == pytest.approx(1.95)
    result = run.summarize(run.Result("x", "pages"), [0.010, 0.020, 0.030], [0.005, 0.005, 0.006])
    assert result.median_ms == pytest.approx(20.0)
    assert result.cpu_ms == pytest.approx(5.0)
    assert run.check(result, max_ms=25, max_queries=3).passed is False  # no query count measured
    result.queries = 3
    assert run.check(result, max_ms=25, max_queries=3).passed is True
    assert run.check(result, max_ms=15).passed is False


def test_quick_mode_shrinks_every_knob_and_groups_can_be_chosen():
    quick = run.parse_args(["--quick", "--db", "postgres", "--only", "pages,export"])
    assert (quick.articles, quick.repeat, quick.duration, quick.import_articles) == (1_000, 5, 5.0, 1_000)
    assert quick.groups == ("pages", "export")
    assert quick.label == "postgres-quick"
    assert run.database_url(quick).endswith("/factdesk_bench_quick")
    full = run.parse_args(["--skip", "load"])
    assert full.export_claims == 100_000 and "load" not in full.groups
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "nonsense"])


@pytest.mark.django_db
def test_measure_page_times_a_real_page_and_counts_its_queries(client):
    article = gen.create_article_with_claims(url=f"{gen.LOAD_URL_PREFIX}bench/smoke", claims=3)
    client.force_login(gen.ensure_users().editors[0])
    result = run.measure_page(client, f"/articles/{article.pk}/", name="article", repeat=2, max_queries=100)
    assert result.status == ""
    assert len(result.samples) == 2
    assert result.queries and result.queries > 0
    assert result.passed is True
    assert "| article |" in run.markdown_table([result])


@pytest.mark.django_db
def test_a_page_that_does_not_exist_yet_is_reported_not_implemented(client):
    result = run.measure_page(client, "/no-such-feature/", name="future page", repeat=2)
    assert result.status == run.NOT_IMPLEMENTED
    assert result.verdict == run.NOT_IMPLEMENTED


@pytest.mark.django_db
def test_import_files_written_for_the_benchmark_stay_under_the_upload_limit_and_import(tmp_path: Path, settings):
    settings.FACTDESK_MAX_UPLOAD_BYTES = 20_000  # forces several files
    written = run.write_import_files(tmp_path, 30, run_id="smoke")
    files = sorted(tmp_path.glob("*.jsonl"))
    assert written == 30 and len(files) > 1
    assert all(path.stat().st_size <= 20_000 for path in files)
    parsed = [record for path in files for record in parse_file(path.name, path.read_bytes()).articles]
    assert len(parsed) == 30
    assert all(record.url.startswith(f"{gen.LOAD_URL_PREFIX}import/smoke/") for record in parsed)


@pytest.mark.django_db
def test_export_measurement_runs_on_a_tiny_desk():
    gen.generate_load_data(articles=20, claims_per_article=2, seed=5)
    settings = run.Settings(articles=20, claims_per_article=2, seed=5, repeat=2, quick=True)
    (_, small_count), (_, total) = run.export_claim_sets(settings)
    assert total == 40 and 0 < small_count < total
    speed, memory = run.export_results(settings, desk=None)
    assert speed.status == "" and memory.status == ""
    assert speed.queries and speed.extra["rate"] > 0
    assert memory.extra["peak_large"] > 0


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 500 if self.path == "/broken" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def test_python_load_client_is_bounded_in_time_and_counts_failed_responses():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        good = run.run_python_load(port, "/", "", connections=2, seconds=0.3)
        bad = run.run_python_load(port, "/broken", "", connections=2, seconds=0.3)
    finally:
        server.shutdown()
    assert good.requests > 0 and good.errors == 0
    assert bad.requests > 0 and bad.errors == bad.requests


def test_saved_results_render_back_into_the_docs_table(tmp_path: Path):
    from benchmarks import report

    settings = run.Settings(json_path=tmp_path / "sqlite.json")
    result = run.check(run.summarize(run.Result("article view, 200 claims", "pages"), [0.03, 0.05]), max_ms=40)
    info = {"database": "SQLite 3", "cpus": 2, "wall_seconds": 1.0, "load_tool": "wrk"}
    path = run.write_json(settings, None, [result], info)
    text = report.render(path)
    assert text.startswith("### SQLite 3")
    assert "| article view, 200 claims | 40.0 |" in text
    assert "| median < 40 ms | FAIL |" in text


def test_bounded_work_text_is_deterministic_and_about_the_asked_length():
    from benchmarks import bench_bounded

    body = bench_bounded.big_body(3, chars=20_000)
    assert body == bench_bounded.big_body(3, chars=20_000)
    assert 19_000 < len(body) <= 20_000
    assert "\n\n" in body
    assert body != bench_bounded.big_body(4, chars=20_000)


def test_bounded_work_counts_a_search_503_as_bounded_but_any_500_as_a_failure():
    from collections import Counter

    from benchmarks.bench_bounded import BoundedRun

    fine = BoundedRun(20, 90, 150, 100, 0, {"pdf": Counter({303: 3, 429: 7}), "search": Counter({200: 8, 503: 2})})
    assert fine.server_errors == 0 and fine.passed
    broken = BoundedRun(20, 90, 150, 100, 0, {"pdf": Counter({500: 1, 303: 9}), "search": Counter({200: 10})})
    assert broken.server_errors == 1 and not broken.passed
    dropped = BoundedRun(20, 90, 150, 100, 0, {"pdf": Counter({0: 1}), "search": Counter()})
    assert not dropped.passed
    slow = BoundedRun(20, 250, 900, 100, 0, {"pdf": Counter({303: 10}), "search": Counter({200: 10})})
    assert not slow.passed


def test_bounded_work_runs_against_a_live_server_and_polls_healthz(live_server, admin_user):
    from urllib.parse import urlparse

    from django.test import Client

    from benchmarks import bench_bounded

    client = Client()
    client.force_login(admin_user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    port = urlparse(live_server.url).port
    run = bench_bounded.run(port, cookie, pdf_article_id=999_999, log=lambda line: None)
    assert run.healthz_polls > 0
    assert sum(run.statuses["pdf"].values()) == bench_bounded.CONCURRENT_PDFS
    assert sum(run.statuses["search"].values()) == bench_bounded.CONCURRENT_SEARCHES
    assert set(run.statuses["pdf"]) == {404}


LOCUST_STATS_CSV = """\
Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,\
Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
POST,editor: publish,21,0,540,812.3,120.1,3300.2,5120.0,1.05,0.0,540,700,900,1100,1900,2600,3100,3200,3300,3300,3300
GET,fact-checker: open article,39,2,270,511,80,2010,90210,1.95,0.1,270,400,500,600,1200,1900,2000,2000,2000,2000,2000
POST,"fact-checker: save verdict (409, retried)",0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A
,Aggregated,60,2,470,610.2,80.4,3300.2,60000.0,3.0,0.1,470,600,800,900,1500,2400,3100,3200,3300,3300,3300
"""


def test_newsroom_locust_stats_become_rows_with_percentiles_and_error_counts():
    from benchmarks import bench_newsroom

    rows = {row.name: row for row in bench_newsroom.parse_stats_csv(LOCUST_STATS_CSV)}
    publish = rows["editor: publish"]
    assert (publish.requests, publish.failures) == (21, 0)
    assert (publish.p50_ms, publish.p95_ms, publish.p99_ms) == (540.0, 2600.0, 3200.0)
    article = rows["fact-checker: open article"]
    assert (article.failures, article.p50_ms, article.p95_ms, article.p99_ms) == (2, 270.0, 1900.0, 2000.0)
    assert rows["fact-checker: save verdict (409, retried)"].p99_ms is None  # no conflict happened: "N/A"
    assert rows["Aggregated"].requests == 60 and rows["Aggregated"].failures == 2
    assert list(rows)[-1] == "Aggregated"  # the total comes last in the table


def test_newsroom_stats_without_requests_have_no_percentiles():
    from benchmarks import bench_newsroom

    empty = "Type,Name,Request Count,Failure Count,50%,95%,99%,Requests/s\nGET,reader: index,0,0,N/A,N/A,N/A,0.0\n"
    (row,) = bench_newsroom.parse_stats_csv(empty)
    assert (row.requests, row.failures, row.p50_ms, row.p95_ms, row.p99_ms) == (0, 0, None, None, None)
