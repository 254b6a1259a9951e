"""Claim panel URLs, mounted at /claims/ (namespace ``annotations``).

A claim is created from its article's page (``articles:add_claim``); everything else is
addressed by claim id, and sources through their claim.
"""

from django.urls import path

from annotations import views

app_name = "annotations"

urlpatterns = [
    path("verdicts.css", views.verdict_styles, name="verdict_css"),
    path("<int:claim_id>/", views.claim_permalink, name="permalink"),
    path("<int:claim_id>/panel/", views.claim_panel, name="panel"),
    path("<int:claim_id>/edit/", views.claim_edit, name="edit"),
    path("<int:claim_id>/sources/", views.source_add, name="source_add"),
    path("<int:claim_id>/sources/<int:source_id>/edit/", views.source_edit, name="source_edit"),
    path("<int:claim_id>/sources/<int:source_id>/remove/", views.source_remove, name="source_remove"),
    path("<int:claim_id>/comments/", views.comment_add, name="comment_add"),
    path("<int:claim_id>/delete/", views.claim_delete, name="delete"),
]
