from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("articles/<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path("articles/<int:pk>/suggestions/accept/", views.accept_suggestion, name="accept_suggestion"),
    path("articles/<int:pk>/suggestions/dismiss/", views.dismiss_suggestion, name="dismiss_suggestion"),
    path("claims/<int:pk>/similar/", views.similar, name="similar"),
    path("claims/<int:pk>/link/", views.link, name="link"),
    path("claims/<int:pk>/unlink/", views.unlink, name="unlink"),
    path("claims/<int:pk>/copy-sources/", views.copy_sources, name="copy_sources"),
]
