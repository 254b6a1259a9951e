"""Issue 18's benchmark functions keep working on tiny data (no timing asserted: numbers live in docs)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from annotations.models import Claim
from annotations.public_links import public_claim_path
from benchmarks import bench_web_out
from benchmarks.run import LoadRun
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_api_claim_list_measurement_counts_its_queries_and_claims(editor):
    article = factories.ArticleFactory()
    factories.ClaimFactory.create_batch(3, article=article)

    run = bench_web_out.measure_api_claim_list(editor, repeat=2)

    assert run.status == 200
    assert run.claims_on_page == run.total_claims == 3
    assert 0 < run.queries <= bench_web_out.API_LIST_MAX_QUERIES
    assert run.median_ms > 0


def test_the_public_page_measured_is_a_published_claims_page():
    factories.ClaimFactory()  # not published: never measured, never public
    assert bench_web_out.published_claim_path() is None

    published = factories.ClaimFactory(
        status=Claim.Status.PUBLISHED, verdict=factories.rating("false"), published_at=timezone.now()
    )

    assert bench_web_out.published_claim_path() == public_claim_path(published)


def test_the_share_compares_the_page_with_healthz_in_the_same_run():
    calls = []

    def fake_load(port, path, cookie, *, connections, seconds):
        calls.append((path, seconds))
        return LoadRun(1000.0 if path == "/healthz" else 250.0, 5.0, 20.0, 100, 1 if path != "/healthz" else 0, "fake")

    run = bench_web_out.public_page_share(1, "/fact-checks/1-x/", fake_load, connections=4, seconds=5)

    assert run.share == pytest.approx(0.25)
    assert run.errors == 1
    assert [path for path, _ in calls] == ["/healthz", "/healthz", "/fact-checks/1-x/", "/fact-checks/1-x/"]
    assert [seconds for _, seconds in calls] == [2.0, 5, 2.0, 5]
