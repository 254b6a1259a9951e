"""The safe fetcher (``articles.fetching``) against a local HTTP server; no test touches the internet.

pytest-httpserver serves on 127.0.0.1, which the fetcher refuses (loopback) unless the host is
allowed, as ``FACTDESK_FETCH_ALLOWED_HOSTS`` does for an intranet: each test builds the
policy it needs. Addresses that must never be reached (10.0.0.1, 169.254.169.254) are
refused before any connection is made, which is what the tests check.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from articles.fetching import (
    FEED_TYPES,
    FetchPolicy,
    HostNotFound,
    HttpStatusError,
    InvalidUrl,
    NotHtml,
    RedirectLoop,
    RefusedAddress,
    TooLarge,
    TooManyRedirects,
    TooSlow,
    Unreachable,
    detect_charset,
    fetch,
    policy_from_settings,
    refused_address,
    user_agent,
)

PAGE = "<!doctype html><html><head><title>T</title></head><body><p>Café crème</p></body></html>"


def local(**overrides: object) -> FetchPolicy:
    """A policy that lets the local test server through, with short timeouts."""
    options: dict[str, object] = {
        "allowed_hosts": frozenset({"127.0.0.1", "localhost"}),
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "deadline": 5.0,
        "max_bytes": 256 * 1024,
        "user_agent": "Factdesk/test (+https://desk.example)",
    }
    options.update(overrides)
    return FetchPolicy(**options)  # type: ignore[arg-type]


def test_fetches_a_page_with_an_honest_user_agent_and_the_declared_charset(httpserver: HTTPServer):
    httpserver.expect_request("/story").respond_with_data(
        PAGE.encode("utf-8"), content_type="text/html; charset=utf-8", headers={"ETag": '"v1"'}
    )

    page = fetch(httpserver.url_for("/story"), local())

    assert page.status == 200
    assert page.final_url == httpserver.url_for("/story")
    assert page.content_type == "text/html"
    assert page.charset == "utf-8"
    assert "Café crème" in page.text
    assert page.header("etag") == '"v1"'
    request, _response = httpserver.log[-1]
    assert request.headers["User-Agent"] == "Factdesk/test (+https://desk.example)"


def test_user_agent_names_factdesk_its_version_and_the_site():
    assert user_agent("https://desk.example").startswith("Factdesk/")
    assert user_agent("https://desk.example").endswith("(+https://desk.example)")


def test_policy_from_settings_reads_the_allowed_hosts(settings):
    settings.FACTDESK_FETCH_ALLOWED_HOSTS = ["Intranet.Example", "127.0.0.1"]
    settings.FACTDESK_SITE_URL = "https://desk.example"

    policy = policy_from_settings()

    assert policy.allowed_hosts == {"intranet.example", "127.0.0.1"}
    assert policy.user_agent.endswith("(+https://desk.example)")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "reserved"),  # noqa: S104 - an address under test, nothing binds to it
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert reason in (refused_address(address) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert refused_address(address) is None


def test_loopback_is_refused_unless_the_host_is_allowed(httpserver: HTTPServer):
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html")

    with pytest.raises(RefusedAddress, match=r"loopback"):
        fetch(httpserver.url_for("/story"), local(allowed_hosts=frozenset()))

    assert httpserver.log == []


def test_a_redirect_to_a_private_address_is_refused_before_connecting(httpserver: HTTPServer):
    httpserver.expect_request("/go").respond_with_data("", status=302, headers={"Location": "http://10.0.0.1/admin"})

    with pytest.raises(RefusedAddress, match=r"private network address \(10\.0\.0\.1\)"):
        fetch(httpserver.url_for("/go"), local())


def test_a_redirect_to_the_cloud_metadata_address_is_refused(httpserver: HTTPServer):
    httpserver.expect_request("/go").respond_with_data(
        "", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )

    with pytest.raises(RefusedAddress, match=r"link-local"):
        fetch(httpserver.url_for("/go"), local())


def test_every_resolved_address_is_checked_not_just_the_first():
    # A name that resolves to a public and a private address (a rebinding attempt) is refused whole.
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    with pytest.raises(RefusedAddress, match=r"loopback"):
        fetch("http://news.example.test/story", local(allowed_hosts=frozenset(), resolver=resolver))


def test_connects_to_the_checked_address_with_the_real_host_name(httpserver: HTTPServer):
    # The name is resolved once, by us; the connection goes to that address with the name as Host.
    httpserver.expect_request("/story").respond_with_data(PAGE, content_type="text/html")
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    url = f"http://news.example.test:{httpserver.port}/story"
    page = fetch(url, local(allowed_hosts=frozenset({"news.example.test"}), resolver=resolver))

    assert page.address == "127.0.0.1"
    assert calls == ["news.example.test"]
    request, _ = httpserver.log[-1]
    assert request.headers["Host"] == f"news.example.test:{httpserver.port}"


def test_a_host_that_does_not_resolve_is_a_dns_failure():
    with pytest.raises(HostNotFound, match=r"could not be found"):
        fetch("http://no-such-outlet.invalid/story", local())


def test_a_closed_port_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unreachable, match=r"down or refuses connections"):
        fetch(f"http://127.0.0.1:{port}/", local())


def test_a_slow_answer_is_too_slow(httpserver: HTTPServer):
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)

    with pytest.raises(TooSlow, match=r"did not answer within 0\.3 seconds"):
        fetch(httpserver.url_for("/slow"), local(read_timeout=0.3))


@pytest.fixture
def trickling_server():
    """A raw server that sends headers at once, then a byte of body every 0.1 s (each read is quick)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<html>")
            while not stop.is_set():
                try:
                    connection.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    listener.close()
    thread.join(timeout=2)


def test_a_page_that_trickles_in_hits_the_total_deadline(trickling_server):
    started = time.monotonic()
    with pytest.raises(TooSlow, match=r"longer than 0\.6 seconds"):
        fetch(trickling_server, local(read_timeout=1.0, deadline=0.6))
    assert time.monotonic() - started < 2


def test_a_server_that_holds_back_its_answer_is_too_slow(httpserver: HTTPServer):
    def hold(request: Request) -> Response:
        time.sleep(1.0)
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/hold").respond_with_handler(hold)

    with pytest.raises(TooSlow, match=r"within 0\.4 seconds"):
        fetch(httpserver.url_for("/hold"), local(read_timeout=2.0, deadline=0.4))


def test_a_declared_huge_body_is_refused_without_reading_it(httpserver: HTTPServer):
    httpserver.expect_request("/huge").respond_with_data(b"x" * (300 * 1024), content_type="text/html")

    with pytest.raises(TooLarge, match=r"limit is 0\.2 MB"):
        fetch(httpserver.url_for("/huge"), local(max_bytes=200 * 1024))


def test_a_huge_streamed_body_is_cut_off_at_the_cap(httpserver: HTTPServer):
    def endless(request: Request) -> Response:
        def body():
            yield b"<html><body>"
            for _ in range(100):
                yield b"<p>" + b"y" * 10_000 + b"</p>"

        return Response(body(), content_type="text/html")  # chunked: no Content-Length

    httpserver.expect_request("/stream").respond_with_handler(endless)

    with pytest.raises(TooLarge, match=r"larger than the limit"):
        fetch(httpserver.url_for("/stream"), local(max_bytes=100 * 1024))


def test_a_compressed_body_is_measured_after_decompression(httpserver: HTTPServer):
    bomb = gzip.compress(b"<html><body>" + b"z" * 2_000_000 + b"</body></html>")
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )

    with pytest.raises(TooLarge):
        fetch(httpserver.url_for("/bomb"), local(max_bytes=500 * 1024))


def test_a_compressed_page_is_decompressed(httpserver: HTTPServer):
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(PAGE.encode()), content_type="text/html; charset=utf-8", headers={"Content-Encoding": "gzip"}
    )

    assert "Café crème" in fetch(httpserver.url_for("/gz"), local()).text


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json"])
def test_a_page_that_is_not_html_is_refused(httpserver: HTTPServer, content_type):
    httpserver.expect_request("/file").respond_with_data(b"%PDF-1.7", content_type=content_type)

    with pytest.raises(NotHtml, match=rf"not a web page \(HTML\): the site sent {content_type}"):
        fetch(httpserver.url_for("/file"), local())


def test_a_feed_is_accepted_when_feeds_are_asked_for(httpserver: HTTPServer):
    httpserver.expect_request("/rss").respond_with_data(b"<rss version='2.0'/>", content_type="application/rss+xml")

    with pytest.raises(NotHtml, match=r"not a web page"):
        fetch(httpserver.url_for("/rss"), local())
    assert fetch(httpserver.url_for("/rss"), local(), accept=FEED_TYPES).content_type == "application/rss+xml"


def test_too_many_redirects_stop_after_the_limit(httpserver: HTTPServer):
    for hop in range(7):
        httpserver.expect_request(f"/hop{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/hop{hop + 1}"}
        )

    with pytest.raises(TooManyRedirects, match=r"more than 5 times"):
        fetch(httpserver.url_for("/hop0"), local())
    assert len(httpserver.log) == 6  # the first request and five redirects, no more


def test_a_redirect_loop_is_named(httpserver: HTTPServer):
    httpserver.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/a"})

    with pytest.raises(RedirectLoop, match=r"redirects in a loop"):
        fetch(httpserver.url_for("/a"), local())


def test_redirects_within_the_limit_are_followed_and_recorded(httpserver: HTTPServer):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(PAGE, content_type="text/html")

    page = fetch(httpserver.url_for("/old"), local())

    assert page.final_url == httpserver.url_for("/new")
    assert page.redirects == [(301, httpserver.url_for("/new"))]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, r"The page was not found \(404 NOT FOUND\)"),
        (403, r"The site refused access \(403 FORBIDDEN\)"),
        (500, r"The site had an error \(500 INTERNAL SERVER ERROR\)"),
    ],
)
def test_error_statuses_are_explained(httpserver: HTTPServer, status, message):
    httpserver.expect_request("/x").respond_with_data("no", status=status, content_type="text/html")

    with pytest.raises(HttpStatusError, match=message) as caught:
        fetch(httpserver.url_for("/x"), local())
    assert caught.value.status == status


def test_retry_after_is_kept_for_the_back_off(httpserver: HTTPServer):
    httpserver.expect_request("/busy").respond_with_data("", status=503, headers={"Retry-After": "120"})

    with pytest.raises(HttpStatusError) as caught:
        fetch(httpserver.url_for("/busy"), local())
    assert caught.value.retry_after == 120


def test_a_conditional_get_gives_not_modified(httpserver: HTTPServer):
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)

    page = fetch(httpserver.url_for("/feed"), local(), accept=FEED_TYPES, etag='"v1"')

    assert page.not_modified
    assert page.body == b""


@pytest.mark.parametrize(
    "url", ["ftp://news.example/story", "javascript:alert(1)", "http://user:secret@news.example/", "http:///x"]
)
def test_only_plain_http_and_https_addresses_are_fetched(url):
    with pytest.raises(InvalidUrl):
        fetch(url, local())


def test_charset_from_the_page_declaration_when_the_header_has_none(httpserver: HTTPServer):
    body = '<html><head><meta charset="windows-1252"></head><body><p>Caf\u00e9 \u201cquoted\u201d</p></body></html>'
    httpserver.expect_request("/cp").respond_with_data(body.encode("cp1252"), content_type="text/html")

    page = fetch(httpserver.url_for("/cp"), local())

    assert page.charset == "cp1252"
    assert "Caf\u00e9 \u201cquoted\u201d" in page.text


def test_charset_is_detected_when_nothing_declares_it():
    text = "<html><body><p>" + "Le café était très apprécié à Genève. " * 20 + "</p></body></html>"

    assert detect_charset(text.encode("latin-1")) == "cp1252"  # the browsers' default for Latin text
    assert detect_charset("<p>Привет, как дела? Всё хорошо.</p>".encode("koi8-r") * 20) != "cp1252"
    assert detect_charset(text.encode("utf-8")) == "utf-8"
