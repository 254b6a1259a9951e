"""The desk's article pages (namespace ``articles``), mounted at ``/articles/``.

They show claims on an article (highlights, the claim list and panel, re-attaching claims
a correction displaced), so they belong to ``annotations``; adding and correcting the text
itself is ``articles.editing_urls`` (namespace ``editing``).
"""

from django.urls import path

from annotations import article_views, reattach_views
from annotations import views as claim_views

app_name = "articles"

urlpatterns = [
    path("", article_views.article_list, name="list"),
    path("<int:pk>/", article_views.article_detail, name="detail"),
    path("<int:pk>/highlights/", article_views.article_highlights, name="highlights"),
    path("<int:pk>/claims/", claim_views.claim_create, name="add_claim"),
    path("<int:pk>/claims/<int:claim_id>/reattach/", reattach_views.claim_reattach, name="reattach"),
    path("<int:pk>/claims/<int:claim_id>/checked/", reattach_views.claim_checked, name="checked"),
]
