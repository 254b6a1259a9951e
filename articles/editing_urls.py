"""Adding and correcting articles (namespace ``editing``), mounted at ``/articles/`` beside the desk's article pages."""

from django.urls import path

from articles import editing_views

app_name = "editing"

urlpatterns = [
    path("new/", editing_views.article_new, name="new"),
    path("upload/", editing_views.article_upload, name="upload"),
    path("<int:pk>/edit/", editing_views.article_edit, name="edit"),
    path("<int:pk>/revisions/", editing_views.revision_list, name="revisions"),
    path("<int:pk>/revisions/<int:number>/", editing_views.revision_detail, name="revision"),
]
