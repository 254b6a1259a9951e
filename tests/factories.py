"""factory-boy factories for every model, used across the suite."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from annotations.models import (
    Claim,
    ClaimEvent,
    ClaimGroup,
    ClaimStatus,
    Comment,
    Notification,
    RatingLabel,
    Source,
    SuggestionDismissal,
)
from articles.models import Article, ArticleRevision
from articles.text import canonicalize_body
from factcheck import permissions as roles
from factcheck.models import Job

PASSWORD = "correct-horse-battery"

ARTICLE_BODY = (
    "The city council approved a budget of 4.2 million euros on Tuesday, the mayor said.\n\n"
    "Officials claimed that unemployment fell to 6 percent, the lowest level since 2009.\n\n"
    "Residents gathered outside the town hall to watch the vote."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        """``UserFactory(role="Editor")`` puts the user in that role's group."""
        if not create:
            return
        self.save()
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


class FactCheckerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"checker{n}")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.groups.add(Group.objects.get(name=roles.FACT_CHECKER))


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.groups.add(Group.objects.get(name=roles.EDITOR))


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Council approves budget, part {n}")
    body = ARTICLE_BODY
    outlet = "The Daily Example"
    byline = "Alex Writer"
    url = factory.Sequence(lambda n: f"https://news.example.org/articles/{n}")
    language = "en"


class ArticleRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleRevision

    article = factory.SubFactory(ArticleFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda r: r.article.title)
    body = factory.LazyAttribute(lambda r: r.article.body)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = Job.Kind.IMPORT
    title = "Import of articles.jsonl"
    params = factory.LazyFunction(lambda: {"filename": "articles.jsonl"})
    status = Job.Status.PENDING
    started_at = factory.LazyAttribute(lambda job: timezone.now() if job.status in ("running", "done") else None)
    finished_at = factory.LazyAttribute(lambda job: timezone.now() if job.status in Job.FINISHED else None)


#: The role a test names -> the factory of a user with it ("anonymous" is no user at all).
ROLE_FACTORIES = {
    "reader": UserFactory,
    "fact_checker": FactCheckerFactory,
    "other_fact_checker": FactCheckerFactory,
    "editor": EditorFactory,
    "admin": AdminFactory,
}


def users_by_role(roles: tuple[str, ...]) -> dict[str, User | None]:
    """One new user per role name (None for "anonymous"): the cast of the role-matrix tests."""
    return {role: None if role == "anonymous" else ROLE_FACTORIES[role]() for role in roles}


def rating(slug: str) -> RatingLabel:
    """A label of the default scale installed by the data migration."""
    return RatingLabel.objects.get(slug=slug)


class RatingLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatingLabel

    name = factory.Sequence(lambda n: f"Label {n}")
    slug = factory.Sequence(lambda n: f"label-{n}")
    value = 3
    colour = "#123456"
    order = factory.Sequence(lambda n: 100 + n)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A claim on the given (or a new) article; ``phrase`` picks the anchored words."""

    class Meta:
        model = Claim
        exclude = ("phrase",)

    article = factory.SubFactory(ArticleFactory)
    phrase = "unemployment fell to 6 percent"
    start = factory.LazyAttribute(lambda c: canonicalize_body(c.article.body).index(c.phrase))
    end = factory.LazyAttribute(lambda c: c.start + len(c.phrase))
    exact = factory.LazyAttribute(lambda c: c.phrase)
    prefix = factory.LazyAttribute(lambda c: c.article.body[max(0, c.start - 32):c.start])
    suffix = factory.LazyAttribute(lambda c: c.article.body[c.end:c.end + 32])
    statement = factory.LazyAttribute(lambda c: f"Unemployment fell to 6% ({c.phrase})")
    claimant = "City officials"
    created_by = factory.SubFactory(FactCheckerFactory)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    claim = factory.SubFactory(ClaimFactory)
    url = factory.Sequence(lambda n: f"https://stats.example.org/report/{n}")
    title = "Labour market report"
    publisher = "Statistics Office"
    stance = Source.Stance.REFUTES


class ClaimEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimEvent

    claim = factory.SubFactory(ClaimFactory)
    article = factory.LazyAttribute(lambda e: e.claim.article)
    claim_ref = factory.LazyAttribute(lambda e: e.claim.pk)
    kind = ClaimEvent.Kind.EDITED


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    claim = factory.SubFactory(ClaimFactory)
    author = factory.SubFactory(FactCheckerFactory)
    body = "Checked the ministry's table; the figure is for Q2 only."


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(FactCheckerFactory)
    claim = factory.SubFactory(ClaimFactory)
    kind = Notification.Kind.ASSIGNED
    message = "A claim was assigned to you."


class ClaimGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimGroup


class SuggestionDismissalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuggestionDismissal

    article = factory.SubFactory(ArticleFactory)
    start = 0
    end = 10
    sentence = factory.LazyAttribute(lambda d: d.article.body[d.start:d.end])


def article_with_two_claims() -> Article:
    """An article with a new claim and a published one (a verdict): the pages' cache and sign-in tests' desk."""
    article = ArticleFactory()
    ClaimFactory(article=article, phrase="approved a budget of 4.2 million euros", statement="Budget")
    ClaimFactory(
        article=article, phrase="Residents gathered", statement="Crowd size", status=ClaimStatus.PUBLISHED,
        verdict=rating("false"),
    )
    return article
