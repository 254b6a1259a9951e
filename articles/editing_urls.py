"""Adding and correcting articles (namespace ``editing``), mounted at ``/articles/`` next to ``articles.urls``."""

from django.urls import path

from articles import editing_views

app_name = "editing"

urlpatterns = [
    path("new/", editing_views.article_new, name="new"),
    path("upload/", editing_views.article_upload, name="upload"),
    path("<int:pk>/edit/", editing_views.article_edit, name="edit"),
    path("<int:pk>/revisions/", editing_views.revision_list, name="revisions"),
    path("<int:pk>/revisions/<int:number>/", editing_views.revision_detail, name="revision"),
    path("<int:pk>/claims/<int:claim_id>/reattach/", editing_views.claim_reattach, name="reattach"),
    path("<int:pk>/claims/<int:claim_id>/checked/", editing_views.claim_checked, name="checked"),
]
