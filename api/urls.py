"""/api/: the REST API (token or session), its OpenAPI schema and docs, and the user's tokens page."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
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
    # The user's tokens: a login-only page of the desk (session and CSRF), not an API endpoint.
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.revoke, name="token-revoke"),
]
