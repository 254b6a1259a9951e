"""Top-level URL configuration: each concern mounts its own URL module."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from factcheck import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="articles:list", permanent=False), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
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

admin.site.site_header = "Factdesk administration"
admin.site.site_title = "Factdesk admin"
admin.site.index_title = "Desk data"
