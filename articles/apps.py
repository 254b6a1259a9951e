from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        # Importing the policies registers them for user.has_perm() (the admin).
        from articles import permissions  # noqa: F401
