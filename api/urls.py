"""/api/: the REST API (token or session), its OpenAPI schema and docs, and the user's tokens page."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import token_views, views

app_name = "api"


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """API views authenticate themselves (token or session): LoginRequiredMiddleware must not redirect them."""
    return login_not_required(view)


urlpatterns = [
    path("schema/", api_view(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", api_view(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("articles/", api_view(views.ArticleList.as_view()), name="article-list"),
    path("articles/<int:pk>/", api_view(views.ArticleDetail.as_view()), name="article-detail"),
    path("claims/", api_view(views.ClaimList.as_view()), name="claim-list"),
    path("claims/<int:pk>/", api_view(views.ClaimDetail.as_view()), name="claim-detail"),
    path("claims/<int:pk>/transitions/<str:name>/", api_view(views.ClaimTransition.as_view()),
         name="claim-transition"),
    path("claims/<int:pk>/sources/", api_view(views.ClaimSources.as_view()), name="claim-sources"),
    path("claims/<int:pk>/sources/<int:source_pk>/", api_view(views.ClaimSourceDetail.as_view()),
         name="claim-source"),
    path("claims/<int:pk>/comments/", api_view(views.ClaimComments.as_view()), name="claim-comments"),
    path("claims/<int:pk>/assignment/", api_view(views.ClaimAssignment.as_view()), name="claim-assignment"),
    path("articles/by-url/", api_view(views.ArticleByUrl.as_view()), name="article-by-url"),
    path("search/", api_view(views.Search.as_view()), name="search"),
    path("notifications/", api_view(views.NotificationList.as_view()), name="notification-list"),
    path("notifications/read/", api_view(views.NotificationsMarkRead.as_view()), name="notifications-read"),
    path("notifications/<int:pk>/", api_view(views.NotificationDetail.as_view()), name="notification-detail"),
    path("notifications/<int:pk>/read/", api_view(views.NotificationRead.as_view()), name="notification-read"),
    path("jobs/", api_view(views.JobList.as_view()), name="job-list"),
    path("jobs/<int:pk>/", api_view(views.JobDetail.as_view()), name="job-detail"),
    path("w3c/", include("api.protocol_urls")),  # the W3C Web Annotation Protocol (api/protocol.py)
    # The user's tokens: a login-only page of the desk (session and CSRF), not an API endpoint.
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.revoke, name="token-revoke"),
]
