"""Load that looks like a newsroom (issue 19): fact-checkers, editors and readers over HTTP.

Run by ``benchmarks/bench_newsroom.py`` (``benchmarks/run.py --only newsroom``), which prepares
the users and data and passes them in two environment variables:

* ``FACTDESK_HOSTS``: the app servers, comma-separated (``http://127.0.0.1:p1,http://127.0.0.1:p2``);
  each simulated person picks one, in turn, and stays on it;
* ``FACTDESK_NEWSROOM_DATA``: a JSON file with the usernames, the shared password, the
  articles (with sentences to select), the claims in review and the public pages.

Every person goes through the endpoints the browser uses: the login form with its CSRF token,
the article page, the claim panel's htmx forms (``X-CSRFToken`` and ``HX-Request`` headers,
and the claim's ``version`` on every write, as tests/test_two_servers.py does). A 409 (someone
saved first) is a normal outcome: it is counted as a success of its own row and the write is
retried once with the version the server answers with. Any other unexpected status is an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from typing import Any

from locust import HttpUser, between, task

VERSION = re.compile(r'data-claim-version="(\d+)"')
CLAIM_ID = re.compile(r'data-claim-id="(\d+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

HOSTS = [host.strip().rstrip("/") for host in os.environ.get("FACTDESK_HOSTS", "").split(",") if host.strip()]
_DATA_PATH = os.environ.get("FACTDESK_NEWSROOM_DATA", "")
DATA: dict[str, Any] = json.loads(open(_DATA_PATH, encoding="utf-8").read()) if _DATA_PATH else {}  # noqa: SIM115

_lock = threading.Lock()
_host_turn = itertools.count()
_accounts: dict[str, itertools.count] = {"checkers": itertools.count(), "editors": itertools.count()}
_review_queue: list[int] = list(DATA.get("review_claims", []))


def next_host(fallback: str) -> str:
    """The servers in turn: half the people on each."""
    if not HOSTS:
        return fallback.rstrip("/")
    with _lock:
        return HOSTS[next(_host_turn) % len(HOSTS)]


def next_account(kind: str) -> str:
    names = DATA.get(kind) or [""]
    with _lock:
        return names[next(_accounts[kind]) % len(names)]


def next_review_claim() -> int | None:
    """A claim a fact-checker submitted: each editor publishes different ones (none researched by them)."""
    with _lock:
        return _review_queue.pop(0) if _review_queue else None


class Desk(HttpUser):
    """A logged-in member of the desk on one of the servers."""

    abstract = True
    kind = "checkers"
    role = "fact-checker"
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.server = next_host(self.host or "")
        self.form_token = ""
        self.username = next_account(self.kind)
        login = f"{self.server}/accounts/login/"
        page = self.client.get(login, name="login form")
        self.remember_token(page.text)
        self.client.post(
            login,
            data={"csrfmiddlewaretoken": self.form_token, "username": self.username, "password": DATA.get("password")},
            name="log in",
            allow_redirects=False,
        )

    def remember_token(self, text: str) -> None:
        match = CSRF_FIELD.search(text or "")
        if match:
            self.form_token = match.group(1)

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken") or self.form_token

    def post(self, path: str, data: dict[str, str], name: str, ok: tuple[int, ...] = (200,)) -> Any:
        """An htmx form post; 409 is a conflict, not an error (the caller retries once)."""
        with self.client.post(
            f"{self.server}{path}",
            data=data,
            headers={"X-CSRFToken": self.csrf(), "HX-Request": "true"},
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code in ok:
                response.success()
            elif response.status_code == 409:
                response.success()
                response.request_meta["name"] = f"{name} (409, retried)"
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            return response

    def versioned_post(self, path: str, claim_id: int, version: int, data: dict[str, str], name: str,
                       ok: tuple[int, ...] = (200,)) -> int | None:
        """Post with the claim's version; on 409 once more with the fresh one. The version after it, if shown."""
        response = self.post(path, {**data, "version": str(version)}, name, ok)
        if response.status_code == 409:
            fresh = VERSION.search(response.text or "")
            version = int(fresh.group(1)) if fresh else self.panel_version(claim_id) or version
            response = self.post(path, {**data, "version": str(version)}, name, ok)
        found = VERSION.search(response.text or "")
        return int(found.group(1)) if found and response.status_code in ok else None

    def panel_version(self, claim_id: int) -> int | None:
        """The version the claim's panel shows (what the person's next form is rendered at)."""
        panel = self.client.get(f"{self.server}/claims/{claim_id}/panel/", name=f"{self.role}: open claim panel")
        found = VERSION.search(panel.text or "")
        return int(found.group(1)) if found else None


class FactChecker(Desk):
    """Opens an article, selects a sentence, writes the claim, adds a source, saves a verdict."""

    weight = 30
    kind = "checkers"

    @task
    def check_a_claim(self) -> None:
        articles = DATA.get("articles") or []
        if not articles:
            return
        article = random.choice(articles)
        page = self.client.get(f"{self.server}/articles/{article['id']}/", name="fact-checker: open article")
        self.remember_token(page.text)
        if not article["selections"]:
            return
        start, end, exact = random.choice(article["selections"])
        created = self.post(
            f"/articles/{article['id']}/claims/", {"start": str(start), "end": str(end), "exact": exact},
            "fact-checker: create claim", ok=(201,),
        )
        claim = CLAIM_ID.search(created.text or "")
        version = VERSION.search(created.text or "")
        if created.status_code != 201 or not claim or not version:
            return
        claim_id, current = int(claim.group(1)), int(version.group(1))
        edit = f"/claims/{claim_id}/edit/"
        current = self.versioned_post(
            edit, claim_id, current,
            {"statement": f"{self.username} says: {exact[:200]}", "claimant": "A spokesperson"},
            "fact-checker: save statement",
        )
        if current is None:
            return
        current = self.versioned_post(
            f"/claims/{claim_id}/sources/", claim_id, current,
            {"new-source-url": f"https://load.example.org/newsroom/evidence/{claim_id}",
             "new-source-title": "Official statistics", "new-source-stance": "supports"},
            "fact-checker: add source",
        )
        if current is None:
            return
        verdicts = DATA.get("verdicts") or []
        if verdicts:
            self.versioned_post(
                edit, claim_id, current,
                {"verdict": str(random.choice(verdicts)), "rationale": "The figures match the official source."},
                "fact-checker: save verdict",
            )

    @task
    def my_claims(self) -> None:
        self.client.get(f"{self.server}/review/my-claims/", name="fact-checker: my claims")


class Editor(Desk):
    """Works the review queue and publishes what fact-checkers submitted."""

    weight = 10
    kind = "editors"
    role = "editor"

    @task(2)
    def review_queue(self) -> None:
        self.client.get(f"{self.server}/review/queue/", name="editor: review queue")

    @task(3)
    def publish(self) -> None:
        claim_id = next_review_claim()
        if claim_id is None:  # everything prepared is published: keep reading the queue
            self.review_queue()
            return
        version = self.panel_version(claim_id)
        if version is None:
            return
        self.versioned_post(
            f"/review/claims/{claim_id}/transition/publish/", claim_id, version, {"note": ""}, "editor: publish"
        )


class Reader(HttpUser):
    """Reads the public fact-check pages, without logging in."""

    weight = 10
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.server = next_host(self.host or "")

    @task(1)
    def index(self) -> None:
        self.client.get(f"{self.server}/fact-checks/", name="reader: fact-checks index")

    @task(3)
    def page(self) -> None:
        paths = [path for path in DATA.get("public_paths", []) if path != "/fact-checks/"]
        if not paths:
            return
        path = random.choice(paths)
        kind = "article" if "/fact-checks/articles/" in path else "claim"
        self.client.get(f"{self.server}{path}", name=f"reader: public {kind} page")
