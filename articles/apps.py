from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        # Importing the policies registers them for user.has_perm() (the admin).
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from articles import permissions  # noqa: F401
        from articles.hygiene import clean_user_names

        pre_save.connect(clean_user_names, sender=get_user_model(), dispatch_uid="articles.clean_user_names")
