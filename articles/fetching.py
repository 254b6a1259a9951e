"""Fetching a page from the web safely: the one way Factdesk's server reads a URL.

An editor types a URL and the server fetches it, so the URL is untrusted input aimed at
our own network. :func:`fetch`:

* accepts only ``http`` and ``https`` URLs without a user name or password;
* resolves the host itself and checks **every** address it resolves to before connecting:
  loopback, private, link-local, multicast, reserved and other non-global addresses are
  refused (:func:`refused_address`), unless the host is listed in
  ``FACTDESK_FETCH_ALLOWED_HOSTS`` (an intranet, the tests' local server);
* connects to the address it checked, not to the name (so a DNS answer that changes
  between the check and the connection, "DNS rebinding", cannot redirect it), sending the
  real host name in the ``Host`` header and, for https, as the TLS server name (SNI) and
  the name the certificate must carry;
* follows at most :attr:`FetchPolicy.max_redirects` redirects itself, checking each hop
  again as above, and refuses a redirect loop;
* has a connect timeout, a read timeout and a total deadline, and a size cap enforced while
  streaming (the download stops at the cap, also for compressed bodies);
* takes only the content types asked for (HTML pages, or RSS/Atom feeds), and finds the
  character set from the header, the page's own declaration, a byte order mark, or by
  detection;
* says who it is: ``Factdesk/<version> (+<site URL>)``.

Every way a fetch can fail is a :class:`FetchError` subclass whose message is written for
the person who typed the URL. Conditional requests (``If-None-Match`` /
``If-Modified-Since``) are supported for polling feeds.

No models and no database; settings are read once into a :class:`FetchPolicy`.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from importlib import metadata
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

__all__ = [
    "FEED_TYPES",
    "HTML_TYPES",
    "FetchError",
    "FetchPolicy",
    "FetchedPage",
    "HostNotFound",
    "HttpStatusError",
    "InvalidUrl",
    "NotHtml",
    "RedirectLoop",
    "RefusedAddress",
    "TooLarge",
    "TooManyRedirects",
    "TooSlow",
    "Unreachable",
    "fetch",
    "policy_from_settings",
    "refused_address",
    "user_agent",
]

#: Content types of web pages.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Content types of RSS and Atom feeds (servers label them in many ways).
FEED_TYPES = frozenset(
    {
        "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
        "text/xml", "application/x-rss+xml", "text/rss+xml",
    }
)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


# --- errors --------------------------------------------------------------------------------------


class FetchError(Exception):
    """A fetch that failed; ``str(error)`` is the message for the person who asked for it.

    ``retry_after`` (seconds) is set when the site asked us to come back later (429, 503).
    """

    code = "fetch"
    retry_after: float | None = None

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class InvalidUrl(FetchError):
    code = "invalid_url"


class RefusedAddress(FetchError):
    code = "refused_address"


class HostNotFound(FetchError):
    code = "dns"


class Unreachable(FetchError):
    code = "unreachable"


class TooSlow(FetchError):
    code = "too_slow"


class TooLarge(FetchError):
    code = "too_large"


class NotHtml(FetchError):
    code = "not_html"


class TooManyRedirects(FetchError):
    code = "too_many_redirects"


class RedirectLoop(FetchError):
    code = "redirect_loop"


class HttpStatusError(FetchError):
    """The site answered with an error status (4xx, 5xx)."""

    code = "http_status"

    def __init__(self, message: str, *, url: str = "", status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


# --- policy --------------------------------------------------------------------------------------


def user_agent(site_url: str = "") -> str:
    """``Factdesk/<version> (+<site URL>)``: who is fetching, and where to find out more."""
    try:
        version = metadata.version("factdesk")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"Factdesk/{version} (+{site_url})" if site_url else f"Factdesk/{version}"


@dataclass(frozen=True)
class FetchPolicy:
    """How :func:`fetch` behaves; :func:`policy_from_settings` builds the configured one."""

    allowed_hosts: frozenset[str] = frozenset()
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 20.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = field(default_factory=user_agent)
    #: Resolves a host name to IP address strings; tests replace it.
    resolver: Callable[[str, int], list[str]] | None = None


def policy_from_settings() -> FetchPolicy:
    """The policy from Django settings (``FACTDESK_FETCH_*``; see README "Adding articles by URL")."""
    return FetchPolicy(
        allowed_hosts=frozenset(host.lower() for host in getattr(settings, "FACTDESK_FETCH_ALLOWED_HOSTS", [])),
        connect_timeout=float(getattr(settings, "FACTDESK_FETCH_CONNECT_TIMEOUT", 5)),
        read_timeout=float(getattr(settings, "FACTDESK_FETCH_READ_TIMEOUT", 10)),
        deadline=float(getattr(settings, "FACTDESK_FETCH_DEADLINE", 20)),
        max_bytes=int(getattr(settings, "FACTDESK_FETCH_MAX_BYTES", 5 * 1024 * 1024)),
        max_redirects=int(getattr(settings, "FACTDESK_FETCH_MAX_REDIRECTS", 5)),
        user_agent=user_agent(getattr(settings, "FACTDESK_SITE_URL", "")),
    )


# --- addresses ------------------------------------------------------------------------------------


def refused_address(address: str) -> str | None:
    """Why Factdesk will not connect to ``address`` (an IP), or None if it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return _("a loopback address (this server itself)")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_multicast:
        return _("a multicast address")
    if ip.is_unspecified or ip.is_reserved:
        return _("a reserved address")
    if ip.is_private:
        return _("a private network address")
    if not ip.is_global:
        return _("a reserved address")
    return None


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# --- the response -----------------------------------------------------------------------------------


@dataclass
class FetchedPage:
    """What a fetch brought back; ``body`` is the (decompressed) content as sent."""

    requested_url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    content_type: str = ""
    charset: str = ""
    address: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), "")

    @property
    def text(self) -> str:
        """The body decoded with the detected character set (bad bytes replaced)."""
        return self.body.decode(self.charset or "utf-8", "replace")


# --- character sets --------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def _known(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return ""


def detect_charset(body: bytes, declared: str = "") -> str:
    """The body's character set: HTTP header, byte order mark, the page's own declaration, detection."""
    if declared and _known(declared):
        return _known(declared)
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = body[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match and _known(match.group(1).decode("ascii")):
        return _known(match.group(1).decode("ascii"))
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(body[:200_000]).best()
        if best is not None and _known(best.encoding) and _known(best.encoding) not in _LATIN_GUESSES:
            return _known(best.encoding)
        return "cp1252"  # what browsers assume for an undeclared page in the Latin alphabet (WHATWG)
    return "utf-8"


#: Single-byte Latin code pages a detector cannot tell apart on short texts: for these the
#: browsers' default, windows-1252, is the better guess.
_LATIN_GUESSES = frozenset(
    {"cp1250", "cp1252", "latin_1", "iso8859_2", "iso8859_15", "mac_roman", "mac_latin2", "cp850", "cp437"}
)


def _media_type(value: str) -> tuple[str, str]:
    message = Message()
    message["content-type"] = value
    return message.get_content_type().lower() if value else "", message.get_param("charset") or ""


def _sniff(body: bytes) -> str:
    head = body[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed")):
        return "application/xml"
    return ""


# --- fetching --------------------------------------------------------------------------------------


def split_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, request target)`` of an acceptable URL, else :class:`InvalidUrl`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidUrl(f"{url!r} is not a valid web address.", url=url) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidUrl(_("Only http:// and https:// addresses can be fetched."), url=url)
    if not parts.hostname:
        raise InvalidUrl(f"{url!r} has no host name.", url=url)
    if parts.username or parts.password:
        raise InvalidUrl(_("Addresses with a user name or password are not fetched."), url=url)
    scheme = parts.scheme.lower()
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80), target


def host_header(host: str, port: int, scheme: str) -> str:
    """The ``Host`` header for ``host``: an IPv6 literal in brackets, the port unless it is the default."""
    default_port = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host
    return name if port == default_port else f"{name}:{port}"


def pinned_pool(
    scheme: str, address: str, port: int, host: str, timeout: urllib3.Timeout
) -> urllib3.HTTPConnectionPool:
    """A pool that connects to the checked ``address`` (no DNS rebinding between check and
    connect) while https still names ``host`` for SNI and the certificate check."""
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, server_hostname=host, assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def checked_address(host: str, port: int, policy: FetchPolicy, url: str) -> str:
    """Resolve ``host`` and return one address to connect to, every address having been checked."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = (policy.resolver or _resolve)(host, port)
        except (socket.gaierror, UnicodeError):
            raise HostNotFound(_not_found(host), url=url) from None
        except OSError as error:
            raise HostNotFound(
                _("The host %(host)s could not be looked up: %(error)s.") % {"host": host, "error": error}, url=url
            ) from None
    if not addresses:
        raise HostNotFound(_not_found(host), url=url)
    if host not in policy.allowed_hosts:
        for address in addresses:
            reason = refused_address(address)
            if reason:
                raise RefusedAddress(
                    _(
                        "Refused to fetch %(host)s: it points to %(reason)s (%(address)s). Factdesk only fetches "
                        "public web sites; an administrator can allow an intranet host with "
                        "FACTDESK_FETCH_ALLOWED_HOSTS."
                    ) % {"host": host, "reason": reason, "address": address},
                    url=url,
                )
    return addresses[0]


def _not_found(host: str) -> str:
    return _("The host %(host)s could not be found (DNS lookup failed). Check the address.") % {"host": host}


def _stopped_sending(policy: FetchPolicy) -> str:
    seconds = f"{policy.read_timeout:.2g}"
    return _("The site stopped sending for more than %(seconds)s seconds.") % {"seconds": seconds}


def _retry_after(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _status_error(status: int, reason: str, url: str, retry_after: str) -> HttpStatusError:
    if status in (404, 410):
        kind = _("The page was not found (%(answer)s).")
    elif status in (401, 403, 451):
        kind = _("The site refused access (%(answer)s).")
    elif status == 429:
        kind = _("The site asks us to slow down (%(answer)s).")
    elif status >= 500:
        kind = _("The site had an error (%(answer)s).")
    else:
        kind = _("The site did not send the page (%(answer)s).")
    answer = f"{status} {reason}".strip()
    return HttpStatusError(kind % {"answer": answer}, url=url, status=status, retry_after=_retry_after(retry_after))


def _one_request(
    url: str, policy: FetchPolicy, started: float, extra_headers: dict[str, str]
) -> tuple[urllib3.BaseHTTPResponse, str]:
    scheme, host, port, target = split_url(url)
    address = checked_address(host, port, policy, url)
    remaining = policy.deadline - (time.monotonic() - started)
    if remaining <= 0:
        raise TooSlow(
            _("The site took longer than %(seconds)s seconds to answer.") % {"seconds": f"{policy.deadline:.2g}"},
            url=url,
        )
    timeout = urllib3.Timeout(connect=min(policy.connect_timeout, remaining), read=min(policy.read_timeout, remaining))
    headers = {
        "Host": host_header(host, port, scheme),
        "User-Agent": policy.user_agent,
        "Accept-Encoding": "gzip, deflate",
        **extra_headers,
    }
    pool = pinned_pool(scheme, address, port, host, timeout)
    try:
        response = pool.urlopen(
            "GET", target, headers=headers, redirect=False, preload_content=False, decode_content=True,
            assert_same_host=False,
        )
    except NewConnectionError as error:  # before ConnectTimeoutError: urllib3 makes it a subclass
        raise Unreachable(
            _("Could not connect to %(host)s: the server is down or refuses connections.") % {"host": host}, url=url
        ) from error
    except ConnectTimeoutError as error:
        seconds = timeout.connect_timeout
        raise TooSlow(f"{host} did not accept a connection within {seconds:.2g} seconds.", url=url) from error
    except ReadTimeoutError as error:
        raise TooSlow(f"{host} did not answer within {timeout.read_timeout:.2g} seconds.", url=url) from error
    except SSLError as error:
        raise Unreachable(
            _("The secure connection to %(host)s failed: %(error)s") % {"host": host, "error": error}, url=url
        ) from error
    except (ProtocolError, HTTPError) as error:
        if "timed out" in str(error).lower():
            raise TooSlow(f"{host} did not answer within {timeout.read_timeout:.2g} seconds.", url=url) from error
        raise Unreachable(
            _("The connection to %(host)s failed: %(error)s") % {"host": host, "error": error}, url=url
        ) from error
    return response, address


def _read_body(response: urllib3.BaseHTTPResponse, policy: FetchPolicy, started: float, url: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes and not response.headers.get("Content-Encoding"):
        raise TooLarge(
            _("The page is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{int(declared) / 1_048_576:.1f}", "limit": f"{policy.max_bytes / 1_048_576:.1f}"},
            url=url,
        )
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() - started > policy.deadline:
                raise TooSlow(
                    _("The page took longer than %(seconds)s seconds to download.")
                    % {"seconds": f"{policy.deadline:.2g}"},
                    url=url
                )
            chunk = response.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > policy.max_bytes:
                raise TooLarge(
                    _("The page is larger than the limit of %(limit)s MB.")
                    % {"limit": f"{policy.max_bytes / 1_048_576:.1f}"},
                    url=url
                )
            chunks.append(chunk)
    except ReadTimeoutError as error:
        raise TooSlow(_stopped_sending(policy), url=url) from error
    except (ProtocolError, HTTPError) as error:
        if "timed out" in str(error).lower():
            raise TooSlow(
                _stopped_sending(policy), url=url
            ) from error
        raise Unreachable(_("The download broke off: %(error)s") % {"error": error}, url=url) from error
    finally:
        response.release_conn()
    return b"".join(chunks)


def fetch(
    url: str,
    policy: FetchPolicy | None = None,
    *,
    accept: Iterable[str] = HTML_TYPES,
    etag: str = "",
    last_modified: str = "",
    wanted: str = "",
) -> FetchedPage:
    """Fetch ``url`` under ``policy`` (see the module docstring); raise a :class:`FetchError` on any failure.

    ``accept`` is the set of content types wanted (:data:`HTML_TYPES` or :data:`FEED_TYPES`),
    ``wanted`` says what they are in the message for anything else ("a web page (HTML)").
    With ``etag``/``last_modified`` the request is conditional: a ``304 Not Modified`` comes
    back as a page with :attr:`FetchedPage.not_modified` set and an empty body.
    """
    policy = policy or policy_from_settings()
    accepted = frozenset(accept)
    wanted = wanted or (_("a web page (HTML)") if accepted <= HTML_TYPES else _("an RSS or Atom feed"))
    started = time.monotonic()
    headers = {"Accept": ", ".join(sorted(accepted)) + ", */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url.strip()
    seen = {current}
    redirects: list[tuple[int, str]] = []
    while True:
        response, address = _one_request(current, policy, started, headers)
        if response.status in _REDIRECTS:
            location = response.headers.get("Location", "")
            response.drain_conn()
            response.release_conn()
            if not location:
                raise Unreachable(
                    _("The site answered %(status)s (a redirect) without saying where to.")
                    % {"status": response.status},
                    url=url,
                )
            target = urljoin(current, location)
            redirects.append((response.status, target))
            if target in seen:
                raise RedirectLoop(
                    _("The address redirects in a loop (%(from)s → %(to)s).") % {"from": current, "to": target}, url=url
                )
            if len(redirects) > policy.max_redirects:
                raise TooManyRedirects(
                    _("The address redirected more than %(count)s times; stopped at %(target)s.")
                    % {"count": policy.max_redirects, "target": target},
                    url=url
                )
            seen.add(target)
            current = target
            continue
        break
    fetched_at = datetime.now(UTC)
    response_headers = [(str(key), str(value)) for key, value in response.headers.items()]
    if response.status == 304 and (etag or last_modified):
        response.release_conn()
        return FetchedPage(
            requested_url=url, final_url=current, status=304, headers=response_headers, body=b"",
            fetched_at=fetched_at, address=address, redirects=redirects, elapsed=time.monotonic() - started,
        )
    if not 200 <= response.status < 300:
        retry = response.headers.get("Retry-After", "")
        response.release_conn()
        raise _status_error(response.status, response.reason or "", url, retry)
    media_type, declared_charset = _media_type(response.headers.get("Content-Type", ""))
    if media_type and media_type not in accepted:
        response.release_conn()
        raise NotHtml(
            _("The address is not %(wanted)s: the site sent %(type)s.") % {"wanted": wanted, "type": media_type},
            url=url,
        )
    body = _read_body(response, policy, started, url)
    if not media_type:
        media_type = _sniff(body)
        if media_type not in accepted:
            raise NotHtml(
                _("The address is not %(wanted)s: the site did not say what it sent.") % {"wanted": wanted}, url=url
            )
    return FetchedPage(
        requested_url=url,
        final_url=current,
        status=response.status,
        headers=response_headers,
        body=body,
        fetched_at=fetched_at,
        content_type=media_type,
        charset=detect_charset(body, declared_charset),
        address=address,
        redirects=redirects,
        elapsed=time.monotonic() - started,
    )
