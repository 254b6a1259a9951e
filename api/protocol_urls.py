"""/api/w3c/: the W3C Web Annotation Protocol, one annotation container per article (see :mod:`api.protocol`).

Included by ``api/urls.py`` under the ``api`` namespace. A container's IRI ends in "/" and an
annotation's IRI is the container's with the claim's id added, as the protocol requires.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from api import protocol

urlpatterns = [
    # API views authenticate themselves (token or session): LoginRequiredMiddleware must not redirect them.
    path("articles/<int:article_id>/", login_not_required(protocol.Container.as_view()), name="w3c-container"),
    path(
        "articles/<int:article_id>/<int:claim_id>",
        login_not_required(protocol.AnnotationDetail.as_view()),
        name="w3c-annotation",
    ),
]
