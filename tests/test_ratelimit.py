"""Rate limits (factcheck.ratelimit): 429 with Retry-After, per user and per address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from factcheck.ratelimit import Rate, hit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def limited(**limits):
    return override_settings(FACTDESK_RATE_LIMITS_ENABLED=True, FACTDESK_RATE_LIMITS=limits)


@pytest.mark.parametrize(
    ("text", "rate"), [("60/m", Rate(60, 60)), ("5/h", Rate(5, 3600)), ("100/10m", Rate(100, 600)), ("1/s", Rate(1, 1))]
)
def test_rates_are_read_from_count_and_period(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "sixty/m", "5/x", "0/m", "5/0m"])
def test_a_malformed_rate_says_what_is_wrong(text):
    with pytest.raises(ValueError, match=r"COUNT/PERIOD|at least one"):
        Rate.parse(text)


def test_the_window_resets_after_its_period():
    rate = Rate(2, 60)
    assert hit("t", ["ip:a"], rate, now=1000).allowed
    assert hit("t", ["ip:a"], rate, now=1001).allowed
    refused = hit("t", ["ip:a"], rate, now=1002)
    assert not refused.allowed and refused.retry_after == 18  # the window (960-1020) ends at 1020
    assert hit("t", ["ip:a"], rate, now=1021).allowed


def test_password_reset_is_throttled_with_retry_after(client, mailoutbox):
    user = factories.UserFactory(email="reset@example.org")
    with limited(password_reset="3/h"):
        statuses = [
            client.post(reverse("password_reset"), {"email": user.email}).status_code for _ in range(5)
        ]
        response = client.post(reverse("password_reset"), {"email": user.email})
    assert statuses == [302, 302, 302, 429, 429]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many requests" in response.content.decode()
    assert len(mailoutbox) == 3


def test_search_is_limited_per_user_and_per_address(fact_checker):
    from django.test import Client

    with limited(**{"search:search": ("2/m", ("GET",))}):
        first = Client(REMOTE_ADDR="203.0.113.1")
        first.force_login(fact_checker)
        assert [first.get(reverse("search:search"), {"q": "budget"}).status_code for _ in range(3)] == [200, 200, 429]
        # The same user from another address is still over their own limit...
        moved = Client(REMOTE_ADDR="203.0.113.2")
        moved.force_login(fact_checker)
        assert moved.get(reverse("search:search"), {"q": "budget"}).status_code == 429
        # ...and another user from a fresh address is not.
        other = Client(REMOTE_ADDR="203.0.113.3")
        other.force_login(factories.FactCheckerFactory())
        assert other.get(reverse("search:search"), {"q": "budget"}).status_code == 200


def test_only_the_configured_methods_count(fact_checker, client):
    client.force_login(fact_checker)
    article = factories.ArticleFactory()
    with limited(**{"articles:add_claim": "1/m"}):
        # GET is not limited (and not allowed either: the view answers 405 itself).
        assert client.get(reverse("articles:add_claim", args=[article.pk])).status_code == 405
        assert client.get(reverse("articles:add_claim", args=[article.pk])).status_code == 405
        client.post(reverse("articles:add_claim", args=[article.pk]), {})
        assert client.post(reverse("articles:add_claim", args=[article.pk]), {}).status_code == 429


def test_a_cache_outage_lets_requests_through(monkeypatch, fact_checker, client):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", broken)
    client.force_login(fact_checker)
    with limited(**{"search:search": ("1/m", ("GET",))}):
        assert [client.get(reverse("search:search")).status_code for _ in range(3)] == [200, 200, 200]
