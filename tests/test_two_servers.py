"""More than one app server (issue 19): two gunicorn servers and a worker share PostgreSQL, Redis and media.

The test starts, as separate processes, two gunicorn servers on free loopback ports
(``factcheck.gunicorn_conf``, two threaded workers each) and one ``manage.py db_worker``,
all on the pytest test database (``transactional_db``: the rows it creates are committed,
so the servers see them), the suite's Redis database (a per-run key prefix keeps other
runs' keys apart) and one shared ``MEDIA_ROOT`` (``FileSystemStorage``). Settings:
``tests.two_server_settings`` (production settings over plain loopback HTTP). It shows:

* an edit through server A is seen at once through server B, although B had the article's
  fragments cached in Redis (their keys are fingerprints of what they show);
* 20 editors, each its own HTTP session, alternating between the servers, make 500 edits of
  ten claims, each claim shared by four of them: every acknowledged edit is in the history
  in an unbroken chain (each entry's old value is the previous entry's new value), versions
  count the edits, and no answer is a 5xx; a 409 is the expected answer to a stale version
  and is retried with the version the 409 panel shows;
* a PDF export started on A is made by the worker and downloaded from B.

Only on PostgreSQL with ``REDIS_URL`` set (``.ci/run``'s second pass); skipped otherwise.
Every process is started in its own process group and stopped in ``finally``. Nothing here
touches the internet.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection

from annotations.models import ClaimEvent
from factcheck.models import Job
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two app servers share one database only on PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="two app servers share the cache and sessions only through Redis (set REDIS_URL=redis://...)",
    ),
]

REPO_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 60  # seconds for a server to answer /healthz
REQUEST_TIMEOUT = 30
EDITORS = 20
EDITS = 500
CLAIMS = 10  # on two articles; each claim is shared by four editors, each editor works on two claims
MAX_TRIES = 100  # attempts at one edit before it counts as an error (409s are retried)
EXPORT_TIMEOUT = 60
EDIT_TIMEOUT = 600  # a guard against a hung editor, not a speed target (timings are printed, never asserted)

#: Phrases of factories.ARTICLE_BODY the editors' claims anchor on.
PHRASES = (
    "approved a budget of 4.2 million euros",
    "unemployment fell to 6 percent",
    "the lowest level since 2009",
    "Residents gathered outside the town hall",
    "watch the vote",
)
VERSION = re.compile(r'data-claim-version="(\d+)"')


# --- HTTP: a browser-like session per person ---------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as responses (the test reads the ``Location`` of a 302/303 itself)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Session:
    """One person's cookies (session and CSRF) across both servers: cookies do not depend on the port."""

    def __init__(self) -> None:
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects())

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def request(self, method: str, url: str, data: dict[str, str] | None = None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback http
        if method == "POST":
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            request.add_header("X-CSRFToken", self.cookie("csrftoken"))
            request.add_header("HX-Request", "true")  # as the panel's htmx forms post
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as answer:
                return Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                return Response(error.code, dict(error.headers), error.read())

    def get(self, url: str) -> Response:
        return self.request("GET", url)

    def post(self, url: str, data: dict[str, str]) -> Response:
        return self.request("POST", url, data)

    def log_in(self, server: str, user: object) -> None:
        """Through the real login form, with its CSRF token, as a person would."""
        page = self.get(f"{server}/accounts/login/")
        assert page.status == 200, page.status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "the login page has no CSRF token"
        answer = self.post(
            f"{server}/accounts/login/",
            {"csrfmiddlewaretoken": token.group(1), "username": user.username, "password": factories.PASSWORD},
        )
        assert answer.status == 302, f"login as {user.username} answered {answer.status}: {answer.text[:300]}"


# --- the processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The pytest test database (its name is only known once the test database exists)."""
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "", safe="")
    password = urllib.parse.quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


@dataclass
class Processes:
    """The started processes (each in its own process group) and where their output goes."""

    started: list[tuple[str, subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
        log = log_dir / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((name, process, log))
        return process

    def logs(self) -> str:
        parts = []
        for name, _, log in self.started:
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"--- {name} (last lines) ---\n" + "\n".join(text.splitlines()[-25:]))
        return "\n".join(parts)

    def check_running(self) -> None:
        for name, process, _ in self.started:
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}\n{self.logs()}")

    def stop(self) -> None:
        """SIGTERM to each process group (graceful), then SIGKILL to what is still there."""
        for _, process, _ in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process, _ in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):  # the group too: a worker left behind by its master
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_serving(url: str, processes: Processes) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        processes.check_running()
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer /healthz within {STARTUP_TIMEOUT} s\n{processes.logs()}")
        time.sleep(0.2)


@dataclass
class Cluster:
    server_a: str
    server_b: str
    media_root: Path
    key_prefix: str
    processes: Processes


@pytest.fixture
def cluster(transactional_db, tmp_path) -> Iterator[Cluster]:
    """Two app servers and a worker on the test database, the suite's Redis and one media folder."""
    media_root = tmp_path / "media"
    media_root.mkdir()
    key_prefix = f"two-servers-{uuid.uuid4().hex[:8]}"
    hidden = {"FACTDESK_STORAGE", "STORAGE_BACKEND", "TASKS_BACKEND", "DJANGO_SETTINGS_MODULE", "GUNICORN_BIND"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in hidden and not k.startswith("AWS_")},
        "DJANGO_SETTINGS_MODULE": "tests.two_server_settings",
        "DEBUG": "0",
        "SECRET_KEY": "two-servers-test-key-" + "x" * 40,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "FACTDESK_TEST_KEY_PREFIX": key_prefix,
        "MEDIA_ROOT": str(media_root),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    }
    ports = [free_port(), free_port()]
    processes = Processes()
    try:
        for name, port in zip(("server-a", "server-b"), ports, strict=True):
            processes.start(
                name,
                [sys.executable, "-m", "gunicorn", "-c", "python:factcheck.gunicorn_conf", "factcheck.wsgi"],
                {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                tmp_path,
            )
        processes.start(
            "worker",
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "*", "--interval", "0.3",
             "--no-startup-delay"],
            env,
            tmp_path,
        )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        launched = time.monotonic()
        for url in urls:
            wait_until_serving(url, processes)
        print(f"\ntwo servers: serving {time.monotonic() - launched:.1f} s after launch")
        yield Cluster(urls[0], urls[1], media_root, key_prefix, processes)
    finally:
        processes.stop()


# --- helpers -----------------------------------------------------------------------------------


def fragment_keys(prefix: str) -> set[bytes]:
    """The article-page fragments the servers keep in Redis (this run's keys only)."""
    return set(get_redis_connection("fragments").scan_iter(match=f"{prefix}-*article-fragment:*", count=1000))


def claim_version(session: Session, server: str, claim_id: int) -> int:
    """The version the claim's panel shows (what a person's edit form is rendered at)."""
    panel = session.get(f"{server}/claims/{claim_id}/panel/")
    assert panel.status == 200, f"the panel answered {panel.status}"
    return int(VERSION.search(panel.text).group(1))


@dataclass
class EditLog:
    """What the editors saw: every status, each acknowledged statement per claim, and any error."""

    statuses: Counter[int] = field(default_factory=Counter)
    saved: dict[int, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def edit_many(
    session: Session, servers: list[str], index: int, claim_ids: list[int], count: int, log: EditLog
) -> None:
    """``count`` edits of the claims' statements: read the version, post; a 409 is retried with its version."""
    try:
        for number in range(count):
            server = servers[(index + number) % 2]  # alternate between the servers...
            claim_id = claim_ids[number % len(claim_ids)]  # ...and between the editor's claims
            statement = f"Statement of claim {claim_id} by editor {index}, edit {number}"
            version = claim_version(session, server, claim_id)
            for _ in range(MAX_TRIES):
                answer = session.post(
                    f"{server}/claims/{claim_id}/edit/", {"version": str(version), "statement": statement}
                )
                with log.lock:
                    log.statuses[answer.status] += 1
                if answer.status == 409:  # someone saved first: the 409 panel shows the current version
                    version = int(VERSION.search(answer.text).group(1))
                    continue
                if answer.status != 200:
                    with log.lock:
                        log.errors.append(f"editor {index}, edit {number}: {answer.status} {answer.text[:200]}")
                    break
                with log.lock:
                    log.saved.setdefault(claim_id, []).append(statement)
                break
            else:
                with log.lock:
                    log.errors.append(f"editor {index}, edit {number}: still conflicting after {MAX_TRIES} tries")
    except Exception as error:  # a broken connection, a missing version in a panel...
        with log.lock:
            log.errors.append(f"editor {index}: {type(error).__name__}: {error}")


# --- the test ----------------------------------------------------------------------------------


def test_two_app_servers_and_a_worker_share_data_cache_sessions_and_media(cluster):
    started = time.monotonic()
    server_a, server_b = cluster.server_a, cluster.server_b

    article = factories.ArticleFactory(title="Budget vote")
    claim = factories.ClaimFactory(article=article, statement="The unemployment rate fell to 6 percent")
    desk_articles = [factories.ArticleFactory(title=f"Shared claims {n}") for n in range(CLAIMS // len(PHRASES))]
    claims = [
        factories.ClaimFactory(article=desk_articles[i // len(PHRASES)], phrase=PHRASES[i % len(PHRASES)],
                               statement=f"Claim {i}")
        for i in range(CLAIMS)
    ]
    checker = factories.FactCheckerFactory()
    editors = [
        factories.EditorFactory() if i % 4 == 0 else factories.FactCheckerFactory() for i in range(EDITORS)
    ]
    # transactional_db: every row above is committed already, so the servers see it.

    # One login, on A, is a session on B too: sessions are in the shared database and Redis.
    person = Session()
    person.log_in(server_a, checker)
    assert person.get(f"{server_b}/articles/").status == 200

    # --- an edit through A is seen at once through B, although B's fragments are cached ---
    page_url = f"/articles/{article.pk}/"
    before = fragment_keys(cluster.key_prefix)
    first = person.get(server_b + page_url)
    assert first.status == 200 and "The unemployment rate fell to 6 percent" in first.text
    cached = fragment_keys(cluster.key_prefix) - before
    assert cached, "server B rendered the article's fragments but none is in Redis"
    assert person.get(server_a + page_url).status == 200
    assert fragment_keys(cluster.key_prefix) - before == cached, "A rendered again what B had cached"

    edited = person.post(
        f"{server_a}/claims/{claim.pk}/edit/",
        {"version": str(claim_version(person, server_a, claim.pk)), "statement": "Joblessness fell to 6 percent"},
    )
    assert edited.status == 200, edited.text[:300]
    after = person.get(server_b + page_url)
    assert after.status == 200
    assert "Joblessness fell to 6 percent" in after.text
    assert "The unemployment rate fell to 6 percent" not in after.text

    # --- an export started on A (the worker makes it) ---
    started_export = person.get(f"{server_a}/exports/articles/{article.pk}/pdf/")
    assert started_export.status == 303, started_export.text[:300]
    job_path = urllib.parse.urlsplit(started_export.headers["Location"]).path
    assert re.fullmatch(r"/exports/jobs/\d+/", job_path), job_path

    # --- 20 editors, 500 edits over both servers; four editors share each claim ---
    sessions = [Session() for _ in editors]
    for index, (session, editor) in enumerate(zip(sessions, editors, strict=True)):
        session.log_in((server_a, server_b)[index % 2], editor)
    log = EditLog()
    threads = [
        threading.Thread(
            target=edit_many,
            args=(
                session, [server_a, server_b], index,
                [claims[index % CLAIMS].pk, claims[(index + CLAIMS // 2) % CLAIMS].pk], EDITS // EDITORS, log,
            ),
            daemon=True,
        )
        for index, session in enumerate(sessions)
    ]
    edits_started = time.monotonic()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + EDIT_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "an editor did not finish"
    edit_seconds = time.monotonic() - edits_started

    assert log.errors == []
    assert not [status for status in log.statuses if status >= 500], log.statuses
    assert sum(len(saved) for saved in log.saved.values()) == EDITS
    for shared in claims:
        shared.refresh_from_db()
        saved = log.saved[shared.pk]
        events = list(
            ClaimEvent.objects.filter(claim_ref=shared.pk, kind=ClaimEvent.Kind.EDITED, field="statement")
            .order_by("pk")
            .values_list("old_value", "new_value")
        )
        # No lost update: each acknowledged edit is in the history exactly once, each one
        # written on top of the one before it, and the version counts them.
        assert sorted(new for _, new in events) == sorted(saved)
        assert events[0][0] == f"Claim {claims.index(shared)}"
        assert all(old == previous_new for (old, _), (_, previous_new) in zip(events[1:], events, strict=False))
        assert shared.statement == events[-1][1]
        assert shared.version == 1 + len(saved)

    # --- ... and the export is downloadable from B ---
    export_wait = time.monotonic()
    deadline = time.monotonic() + EXPORT_TIMEOUT
    while True:
        job_page = person.get(server_b + job_path)
        assert job_page.status == 200
        if "The PDF is ready" in job_page.text or "export failed" in job_page.text:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish the export in {EXPORT_TIMEOUT} s\n{cluster.processes.logs()}")
        time.sleep(0.3)
    job = Job.objects.get(pk=int(job_path.strip("/").split("/")[-1]))
    assert job.status == Job.Status.DONE, job.error
    download = person.get(f"{server_b}{job_path}download/")
    assert download.status == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.body.startswith(b"%PDF")
    # The worker wrote it into the shared media folder; B read it from there.
    assert (cluster.media_root / job.result_file.name).read_bytes() == download.body

    print(  # measured, never asserted (-s shows it)
        f"\ntwo servers: {EDITS} edits by {EDITORS} editors in {edit_seconds:.1f} s "
        f"({dict(sorted(log.statuses.items()))}); export waited {time.monotonic() - export_wait:.1f} s more; "
        f"test body {time.monotonic() - started:.1f} s"
    )
