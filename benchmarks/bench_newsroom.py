"""Load that looks like a newsroom (issue 19): a locust scenario against two app servers.

``benchmarks/run.py --only newsroom`` (group ``newsroom``) prepares a small dedicated data set,
starts two gunicorn servers (``run.gunicorn``, production config, called twice) on the
benchmark database, and runs ``benchmarks/locustfile.py`` headless with 50 users: 30
fact-checkers (open an article, create a claim, write it, add a source, save a verdict), 10
editors (the review queue, then publish a claim a fact-checker prepared) and 10 readers (the
public fact-check pages). Each user sticks to one of the two servers (``FACTDESK_HOSTS``).
Locust's CSV statistics are parsed into one row per action: p50/p95/p99 and the error count.

Why a dedicated data set: the scenario writes (claims, sources, verdicts, publications), and
the other benchmark groups must keep measuring the same desk. Everything it creates lives
under ``https://load.example.org/newsroom/`` (articles) and ``load-newsroom-*`` (users), so
``generate_load_data --clear`` removes it too, and it is deleted before and after each run.
The generated desk's users have unusable passwords; these have a known one, because every
simulated person logs in through the real login form.

Only :func:`parse_stats_csv` and :class:`ActionStats` are used without Django (the smoke test).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = REPO_ROOT / "benchmarks" / "locustfile.py"

USER_PREFIX = "load-newsroom-"
#: A loopback benchmark's password (these accounts exist only in the benchmark databases).
PASSWORD = "newsroom-bench-password"  # noqa: S105
CHECKERS, EDITORS, READERS = 30, 10, 10
USERS = CHECKERS + EDITORS + READERS
SPAWN_RATE = 10


@dataclass
class ActionStats:
    """One action of the scenario as locust measured it (times in ms)."""

    name: str
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    requests_per_second: float


def _number(value: str) -> float | None:
    value = (value or "").strip()
    if value in ("", "N/A"):
        return None
    return float(value)


def parse_stats_csv(text: str) -> list[ActionStats]:
    """Locust's ``<prefix>_stats.csv`` as one row per action; the "Aggregated" row comes last.

    Locust names its percentile columns ``50%``, ``95%``, ``99%`` and counts failures per
    request name: those are the p50/p95/p99 and the error count of each action.
    """
    rows = []
    for record in csv.DictReader(io.StringIO(text)):
        rows.append(
            ActionStats(
                name=record.get("Name", ""),
                requests=int(_number(record.get("Request Count", "0")) or 0),
                failures=int(_number(record.get("Failure Count", "0")) or 0),
                p50_ms=_number(record.get("50%", "")),
                p95_ms=_number(record.get("95%", "")),
                p99_ms=_number(record.get("99%", "")),
                requests_per_second=_number(record.get("Requests/s", "")) or 0.0,
            )
        )
    rows.sort(key=lambda row: (row.name == "Aggregated", row.name))
    return rows


# --------------------------------------------------------------------------- data (Django)


def _utf16(text: str) -> int:
    """A code-point offset as the browser's selection reports it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _spans(body: str, limit: int = 40) -> list[tuple[int, int, str]]:
    """Whole sentences of the body (code-point offsets and text) for the fact-checkers to select."""
    found: list[tuple[int, int, str]] = []
    position = 0
    while len(found) < limit:
        end = body.find(". ", position)
        if end < 0:
            break
        start = position
        sentence = body[start : end + 1]
        stripped = sentence.strip()
        offset = start + sentence.index(stripped) if stripped else start
        if 20 <= len(stripped) <= 300 and "\n" not in stripped:
            found.append((offset, offset + len(stripped), stripped))
        position = end + 2
    return found


def _selections(body: str) -> list[list[Any]]:
    """The spans as the browser posts a selection: [UTF-16 start, UTF-16 end, exact text]."""
    return [[_utf16(body[:start]), _utf16(body[:end]), exact] for start, end, exact in _spans(body)]


def _users(role_group: str, kind: str, count: int, encoded: str) -> list[Any]:
    from django.contrib.auth.models import Group, User

    names = [f"{USER_PREFIX}{kind}-{n:02d}" for n in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=name, email=f"{name}@load.example.org", password=encoded) for name in names
         if name not in existing]
    )
    User.objects.filter(username__in=names).update(password=encoded)
    users = list(User.objects.filter(username__in=names).order_by("username"))
    if role_group:
        Group.objects.get(name=role_group).user_set.add(*users)
    return users


def clear() -> int:
    """Delete the scenario's articles (with their claims and history); the users are kept."""
    from articles.models import Article
    from benchmarks.management.commands import generate_load_data as gen

    deleted, _ = Article.objects.filter(url__startswith=f"{gen.LOAD_URL_PREFIX}newsroom/").delete()
    return deleted


def prepare(*, quick: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Users with a known password, fresh articles, and claims in review for the editors to publish."""
    from django.contrib.auth.hashers import make_password

    from annotations import services, workflow
    from annotations.models import Claim, ClaimStatus, RatingLabel
    from annotations.public_links import public_article_path, public_claim_path
    from benchmarks.management.commands import generate_load_data as gen
    from factcheck import permissions as roles

    clear()
    encoded = make_password(PASSWORD)  # hashed once: hashing is deliberately slow
    checkers = _users(roles.FACT_CHECKER, "checker", CHECKERS, encoded)
    editors = _users(roles.EDITOR, "editor", EDITORS, encoded)
    labels = list(RatingLabel.objects.filter(is_active=True).values_list("pk", flat=True))
    article_count = 10 if quick else 20
    in_review = 40 if quick else 200
    articles = [
        gen.create_article_with_claims(url=f"{gen.LOAD_URL_PREFIX}newsroom/article-{n:03d}", claims=0, seed=900 + n)
        for n in range(article_count)
    ]
    log(f"  {article_count} newsroom articles; preparing {in_review} claims in review...")
    review_ids: list[int] = []
    for n in range(in_review):
        article = articles[n % article_count]
        article.refresh_from_db()
        spans = _spans(article.body)
        start, end, exact = spans[n // article_count % len(spans)]
        checker = checkers[n % CHECKERS]
        claim = services.create_claim(article, start, end, exact, user=checker)
        claim = services.update_claim(
            claim, user=checker, expected_version=claim.version,
            changes={"statement": f"Prepared claim {n}", "rationale": "Checked against the sources.",
                     "verdict": RatingLabel.objects.get(pk=labels[n % len(labels)])},
        )
        services.add_source(claim, user=checker, expected_version=claim.version,
                            url=f"https://load.example.org/newsroom/source-{n}", title=f"Source {n}", stance="supports")
        claim = Claim.objects.get(pk=claim.pk)
        claim = workflow.apply(claim, checker, "take", expected_version=claim.version)
        claim = workflow.apply(claim, checker, "submit", expected_version=claim.version)
        review_ids.append(claim.pk)
    published = list(
        Claim.objects.filter(status=ClaimStatus.PUBLISHED).select_related("article").order_by("pk")[:60]
    )
    data = {
        "password": PASSWORD,
        "checkers": [user.username for user in checkers],
        "editors": [user.username for user in editors],
        "verdicts": labels,
        "articles": [{"id": a.pk, "selections": _selections(a.body)} for a in articles],
        "review_claims": review_ids,
        "public_paths": ["/fact-checks/"]
        + [public_claim_path(claim) for claim in published]
        + sorted({public_article_path(claim.article) for claim in published}),
    }
    return data


# --------------------------------------------------------------------------- the run


@dataclass
class NewsroomRun:
    rows: list[ActionStats]
    seconds: float
    hosts: list[str]
    users: int
    returncode: int
    output_tail: str


#: Notification e-mails stay in memory (the console backend would print hundreds into the report).
QUIET_MAIL = "django.core.mail.backends.locmem.EmailBackend"


def run(
    env: dict[str, str],
    servers: Callable[[dict[str, str]], AbstractContextManager[int]],
    *,
    seconds: float,
    quick: bool,
    log: Callable[[str], None],
) -> NewsroomRun:
    """Prepare the data, start two servers (``servers(env)`` twice), run locust, parse its CSV."""
    from django.test.utils import override_settings

    with override_settings(EMAIL_BACKEND=QUIET_MAIL):
        data = prepare(quick=quick, log=log)
    server_env = {**env, "EMAIL_BACKEND": QUIET_MAIL}
    try:
        with tempfile.TemporaryDirectory(prefix="newsroom-") as folder, ExitStack() as stack:
            data_path = Path(folder) / "data.json"
            data_path.write_text(json.dumps(data))
            ports = [stack.enter_context(servers(server_env)) for _ in range(2)]
            hosts = [f"http://127.0.0.1:{port}" for port in ports]
            log(f"  two servers on {', '.join(hosts)}; locust, {USERS} users for {seconds:g} s...")
            locust = Path(sys.executable).with_name("locust")
            command = [
                str(locust) if locust.exists() else "locust", "-f", str(LOCUSTFILE), "--headless",
                "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{int(seconds)}s", "--host", hosts[0],
                "--csv", str(Path(folder) / "newsroom"), "--only-summary", "--stop-timeout", "10",
            ]
            locust_env = {**env, "FACTDESK_HOSTS": ",".join(hosts), "FACTDESK_NEWSROOM_DATA": str(data_path)}
            started = time.monotonic()
            done = subprocess.run(  # noqa: S603 - our own locust, loopback only
                command, env=locust_env, cwd=REPO_ROOT, capture_output=True, text=True,
                timeout=seconds + 180, check=False,
            )
            elapsed = time.monotonic() - started
            stats = Path(folder) / "newsroom_stats.csv"
            rows = parse_stats_csv(stats.read_text()) if stats.exists() else []
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            return NewsroomRun(rows, elapsed, hosts, USERS, done.returncode, tail)
    finally:
        clear()
