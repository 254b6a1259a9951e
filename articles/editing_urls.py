"""Adding and correcting articles (namespace ``editing``), mounted at ``/articles/`` beside the desk's article pages.

The web-in pages (by URL, inbox, feeds, watches, snapshots) are in ``articles.web_views``.
"""

from django.urls import path

from articles import editing_views, web_views

app_name = "editing"

urlpatterns = [
    path("new/", editing_views.article_new, name="new"),
    path("upload/", editing_views.article_upload, name="upload"),
    path("<int:pk>/edit/", editing_views.article_edit, name="edit"),
    path("<int:pk>/revisions/", editing_views.revision_list, name="revisions"),
    path("<int:pk>/revisions/<int:number>/", editing_views.revision_detail, name="revision"),
    # Web in: articles by URL, watched outlets, evidence kept.
    path("new/url/", web_views.add_by_url, name="add_url"),
    path("imports/<int:job_id>/", web_views.import_job, name="import_job"),
    path("inbox/", web_views.inbox_list, name="inbox"),
    path("inbox/<int:pk>/done/", web_views.inbox_done, name="inbox_done"),
    path("feeds/", web_views.feed_list, name="feeds"),
    path("feeds/<int:pk>/", web_views.feed_detail, name="feed"),
    path("feeds/<int:pk>/poll/", web_views.feed_poll, name="feed_poll"),
    path("feeds/<int:pk>/toggle/", web_views.feed_toggle, name="feed_toggle"),
    path("watches/", web_views.watch_list, name="watches"),
    path("<int:pk>/evidence/", web_views.article_evidence, name="article_evidence"),
    path("<int:pk>/watch/", web_views.watch_start, name="watch_start"),
    path("<int:pk>/watch/check/", web_views.watch_check, name="watch_check"),
    path("snapshots/<int:pk>/", web_views.snapshot_detail, name="snapshot"),
    path("snapshots/<int:pk>/content/", web_views.snapshot_content, name="snapshot_content"),
    path("snapshots/<int:pk>/download/", web_views.snapshot_download, name="snapshot_download"),
]
