"""The public fact-check pages (namespace ``public``), mounted at the site root by factcheck/urls.py.

Addresses are built by :mod:`annotations.public_links` (the exports use it too); the views
are :mod:`annotations.public_views`. Every one of them answers without a login and 404s
while ``FACTDESK_PUBLIC_PAGES`` is off.
"""

from django.urls import path

from annotations import public_views

app_name = "public"

urlpatterns = [
    path("fact-checks/", public_views.index, name="index"),
    path("fact-checks/search/", public_views.search, name="search"),
    path("fact-checks/feed/", public_views.feed, name="feed"),
    path("fact-checks/<int:claim_id>/", public_views.claim_short, name="claim_short"),
    path("fact-checks/<int:claim_id>-<slug:slug>/", public_views.claim_page, name="claim"),
    path("fact-checks/<int:claim_id>/embed/", public_views.embed, name="embed"),
    path("fact-checks/articles/<int:article_id>-<slug:slug>/", public_views.article_page, name="article"),
    path("oembed", public_views.oembed, name="oembed"),
    path("sitemap.xml", public_views.sitemap, name="sitemap"),
    path("sitemap-<slug:section>.xml", public_views.sitemap_section, name="sitemap_section"),
]
