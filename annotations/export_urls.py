"""URLs for downloads and imports of fact-check exports (mounted at ``/exports/``)."""

from django.urls import path

from annotations import export_views

app_name = "exports"

urlpatterns = [
    path("articles/<int:pk>/w3c/import/", export_views.w3c_import, name="w3c_import"),
    path("articles/<int:pk>/<str:fmt>/", export_views.article_export, name="article"),
    path("jobs/<int:job_id>/", export_views.export_job, name="job"),
    path("jobs/<int:job_id>/download/", export_views.export_job_download, name="job_download"),
]
