"""Top-level URL configuration: each concern mounts its own URL module."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from factcheck import i18n, views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="articles:list", permanent=False), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The interface language: the switcher (Django's set_language, also saved per user) and
    # the JavaScript catalogue; both open to everyone (login and public pages translate too).
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    path("jsi18n/", i18n.javascript_catalog, name="javascript-catalog"),
    path("", include("search.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("articles/", include("annotations.article_urls")),
    path("articles/", include("articles.editing_urls")),
    path("claims/", include("annotations.urls")),
    path("review/", include("annotations.review_urls")),
    path("exports/", include("annotations.export_urls")),
    # The public fact-check pages (/fact-checks/, /oembed, /sitemap.xml): no login; FACTDESK_PUBLIC_PAGES.
    path("", include("annotations.public_urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "factcheck.views.server_error"

admin.site.site_header = _("Factdesk administration")
admin.site.site_title = _("Factdesk admin")
admin.site.index_title = _("Desk data")
