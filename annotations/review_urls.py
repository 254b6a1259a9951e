"""URLs of the review workflow, mounted at /review/ (namespace ``review``)."""

from django.urls import path

from annotations import review_views

app_name = "review"

urlpatterns = [
    path("my-claims/", review_views.my_claims, name="my_claims"),
    path("queue/", review_views.review_queue, name="queue"),
    path("desk/", review_views.desk, name="desk"),
    path("notifications/", review_views.notification_list, name="notifications"),
    path("notifications/read-all/", review_views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", review_views.notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", review_views.notification_open, name="notification_open"),
    path("notifications/settings/", review_views.notification_settings, name="notification_settings"),
    path("claims/<int:pk>/transition/<slug:name>/", review_views.transition, name="transition"),
]
