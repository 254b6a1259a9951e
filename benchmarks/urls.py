"""The app's URLs plus ``/bench/trivial``, the floor for the load test (never in production URLs)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from factcheck import urls as app_urls


@login_not_required
def trivial(request: HttpRequest) -> HttpResponse:
    """The cheapest Django response: full middleware stack, no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial, name="bench_trivial"), *app_urls.urlpatterns]

handler500 = getattr(app_urls, "handler500", None) or "django.views.defaults.server_error"
