"""TEMPORARY (searchbounds helper): the measurement against search/index.py of commit fad99c0."""
import importlib.util, os, sys, time
from django.db import connection
from django.urls import reverse
from annotations.models import Claim
from articles.models import Article
import search.index
from tests.test_search_bounds import MEASURED_QUERIES, _long_article_bodies

def test_before(checker_client, settings, monkeypatch):
    spec = importlib.util.spec_from_file_location("index_before", "/tmp/searchbounds/index_before.py")
    before = importlib.util.module_from_spec(spec); sys.modules["index_before"] = before; spec.loader.exec_module(before)
    monkeypatch.setattr(search.index, "backend", before.backend)
    settings.FACTDESK_SEARCH_TIMEOUT_MS = 0
    Article.objects.bulk_create(Article(title=f"Long report {n}", body=b, outlet="Bench Outlet", content_hash=str(n)) for n, b in enumerate(_long_article_bodies()))
    Claim.objects.bulk_create(Claim(article=a, start=0, end=400_000, exact=a.body[:400_000], statement="A very long quote about the budget", rationale=a.body[:200_000]) for a in Article.objects.order_by("id")[:3])
    checker_client.get(reverse("search:search"), {"q": "warm up"})
    print(f"\nBEFORE {connection.vendor}, load average {os.getloadavg()[0]:.1f}")
    for text in MEASURED_QUERIES:
        s, c = time.perf_counter(), time.process_time()
        r = checker_client.get(reverse("search:search"), {"q": text})
        print(f"{text!r}: {(time.perf_counter()-s)*1000:.0f} ms (process CPU {(time.process_time()-c)*1000:.0f} ms) status {r.status_code}", flush=True)
