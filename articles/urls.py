from django.urls import path

from annotations import views as claim_views
from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/highlights/", views.article_highlights, name="highlights"),
    path("<int:pk>/claims/", claim_views.claim_create, name="add_claim"),
]
