"""Claim panel URLs, mounted at /claims/ (namespace ``annotations``).

A claim is created from its article's page (``articles:add_claim``); everything else is
addressed by claim id, and sources through their claim.
"""

from django.urls import path

from annotations import correction_views, history_views, views

app_name = "annotations"

urlpatterns = [
    path("verdicts.css", views.verdict_styles, name="verdict_css"),
    path("<int:claim_id>/", views.claim_permalink, name="permalink"),
    path("<int:claim_id>/panel/", views.claim_panel, name="panel"),
    path("<int:claim_id>/edit/", views.claim_edit, name="edit"),
    path("<int:claim_id>/changes/", views.claim_changes, name="changes"),
    path("<int:claim_id>/history/", history_views.claim_history, name="history"),
    path("<int:claim_id>/history.csv", history_views.claim_history_csv, name="history_csv"),
    path("<int:claim_id>/corrections/", correction_views.correction_propose, name="correction_propose"),
    path(
        "<int:claim_id>/corrections/<int:correction_id>/publish/",
        correction_views.correction_publish, name="correction_publish",
    ),
    path(
        "<int:claim_id>/corrections/<int:correction_id>/reject/",
        correction_views.correction_reject, name="correction_reject",
    ),
    path(
        "<int:claim_id>/corrections/<int:correction_id>/withdraw/",
        correction_views.correction_withdraw, name="correction_withdraw",
    ),
    path("<int:claim_id>/sources/", views.source_add, name="source_add"),
    path("<int:claim_id>/sources/<int:source_id>/edit/", views.source_edit, name="source_edit"),
    path("<int:claim_id>/sources/<int:source_id>/remove/", views.source_remove, name="source_remove"),
    path("<int:claim_id>/sources/<int:source_id>/archive/", views.source_archive, name="source_archive"),
    path("<int:claim_id>/comments/", views.comment_add, name="comment_add"),
    path("<int:claim_id>/delete/", views.claim_delete, name="delete"),
]
