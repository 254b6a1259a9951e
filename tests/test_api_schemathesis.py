"""Property-based tests generated from the OpenAPI schema (schemathesis): no operation answers 5xx.

Schemathesis reads ``/api/schema/`` from the WSGI app and, for every operation, generates
requests from the schema (valid and invalid bodies, query strings, headers, path ids) and
sends them with an editor's token. The only check is ``not_a_server_error``: whatever comes
in, the API answers with a 2xx/3xx/4xx (a 503 busy/time-out answer would also fail it, and
none is expected here). Path ids are mostly mapped onto objects that exist, so the
operations reach their services instead of stopping at a 404; the rest stay random (huge
ids included: a 404, never an overflow).

Kept fast: a few examples per operation, no deadline (the first request of an operation
pays for the policy caches).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from annotations import workflow
from annotations.models import Claim, ClaimStatus
from api.models import ApiToken
from articles.models import Article
from factcheck.models import Job
from factcheck.wsgi import application
from tests import factories
from tests.factories import rating

EXAMPLES = 8


@pytest.fixture
def in_test_transaction(db):
    """Keep the test's database connection across WSGI calls, as Django's own test client does.

    Django closes "old" connections when a request starts and finishes; inside a test that
    would close the connection holding the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def load_schema() -> Any:
    """The schema ``/api/schema/`` serves, generated at collection (no request, no database), run on the WSGI app.

    Not ``schemathesis.pytest.from_fixture``: its lazy loading relies on a pytest internal
    (``Node._nodeid``) that pytest 9 removed.
    """
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    document = json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    loaded.location = "/api/schema/"
    return loaded


schema = load_schema()


@pytest.fixture
def desk(db) -> dict[str, Any]:
    """An editor with a token and a few of every object the API names by id."""
    editor = factories.EditorFactory()
    checker = factories.FactCheckerFactory()
    articles = [factories.ArticleFactory(title=f"Harbour story {n}", outlet="Daily Example") for n in range(2)]
    claims = [
        factories.ClaimFactory(article=articles[0], created_by=checker),
        factories.ClaimFactory(article=articles[0], status=ClaimStatus.RESEARCHING, assignee=editor),
        factories.ClaimFactory(article=articles[1], status=ClaimStatus.PUBLISHED, verdict=rating("true"),
                               rationale="Checked."),
    ]
    sources = [factories.SourceFactory(claim=claim) for claim in claims]
    for claim in claims:
        factories.CommentFactory(claim=claim, author=checker)
    notifications = [factories.NotificationFactory(recipient=editor, claim=claim) for claim in claims]
    jobs = [factories.JobFactory(owner=editor, status=status) for status in (Job.Status.DONE, Job.Status.FAILED)]
    _token, key = ApiToken.issue(editor, "schemathesis")
    return {
        "key": key,
        "ids": {
            "articles": [a.pk for a in articles], "claims": [c.pk for c in claims],
            "notifications": [n.pk for n in notifications], "jobs": [j.pk for j in jobs],
        },
        "sources": {claim.pk: source.pk for claim, source in zip(claims, sources, strict=True)},
    }


def _collection(path: str) -> str:
    return path.removeprefix("/api/").split("/", 1)[0]


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10 else None


def existing_objects(case: Any, desk: dict[str, Any]) -> None:
    """Point most generated ids at real objects and most If-Match headers at their ETag; leave the rest.

    Three in four generated ids become the id of an object of the right kind (so the
    operation reaches its policy and service), the fourth stays as generated (a 404, a huge
    number, a string); likewise a random workflow step name and a random If-Match.
    """
    params = case.path_parameters or {}
    number = _as_int(params.get("id"))
    ids = desk["ids"].get(_collection(case.operation.path))
    if number is None or not ids or number % 4 == 3:
        return
    params["id"] = ids[number % len(ids)]
    if "source_pk" in params:
        params["source_pk"] = desk["sources"].get(params["id"], params["source_pk"])
    if "name" in params and params["name"] not in workflow.TRANSITIONS and number % 2 == 0:
        params["name"] = list(workflow.TRANSITIONS)[number % len(workflow.TRANSITIONS)]
    if case.headers and "If-Match" in case.headers and number % 3 != 2:
        model = Article if case.operation.path.startswith("/api/articles/") else Claim
        version = model.objects.filter(pk=params["id"]).values_list("version", flat=True).first()
        if version is not None:
            case.headers["If-Match"] = f'W/"{version}"'


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, desk, in_test_transaction):
    existing_objects(case, desk)
    response = case.call(headers={"Authorization": f"Token {desk['key']}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    case.validate_response(response, checks=[not_a_server_error])
