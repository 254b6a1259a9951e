"""``manage.py load_demo``: demo accounts and articles with claims in several review states.

Safe to run again: accounts are updated in place, articles are imported with the normal
importer (duplicates are skipped) and a claim is only added where the article has none at
that place. Claims are written like any other: created, given sources and moved through
the review workflow by the demo fact-checker and editor, through the claim services.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from annotations import workflow
from annotations.models import Claim, ClaimStatus, RatingLabel
from annotations.services import add_comment, add_source, create_claim, update_claim
from articles.importing.service import import_files
from articles.models import Article
from factcheck import permissions as roles
from factcheck.entry_points import COMMAND, entry_point

DEMO_DIR = Path(__file__).resolve().parents[3] / "demo"

ACCOUNTS = [
    # username, password, role group (None = admin), display name
    ("editor", "demo-editor-pass", roles.EDITOR, "Erin Editor"),
    ("editor2", "demo-editor2-pass", roles.EDITOR, "Eli Second-Editor"),
    ("checker", "demo-checker-pass", roles.FACT_CHECKER, "Chris Checker"),
    ("admin", "demo-admin-pass", None, "Ada Admin"),
]

#: The role each demo account needs (by its group; None = admin) for the demo's workflow steps.
DEMO_ROLES = {None: roles.Role.ADMIN, roles.EDITOR: roles.Role.EDITOR, roles.FACT_CHECKER: roles.Role.FACT_CHECKER}

#: Where each demo article "appeared" (by title prefix): made-up addresses on example.org
#: (reserved for examples, never fetched), outlets, bylines and dates, so the article page,
#: the exports and ClaimReview show what a real article would. Filled in only where empty.
DEMO_ARTICLES: dict[str, dict[str, Any]] = {
    "Harbour bridge repairs": {
        "url": "https://coastal-ledger.example.org/portvale/2026/03/harbour-bridge-repairs-38-million",
        "outlet": "Coastal Ledger",
        "byline": "Marta Quinn",
        "published_on": datetime.date(2026, 3, 18),
    },
    "Waiting times at city clinics": {
        "url": "https://northbridge-post.example.org/health/2026/03/clinic-waiting-times-halved",
        "outlet": "Northbridge Post",
        "byline": "Samir Haddad",
        "published_on": datetime.date(2026, 3, 13),
    },
    "Ferry operator adds night crossings": {
        "url": "https://coastal-ledger.example.org/portvale/2026/03/ferry-night-crossings",
        "outlet": "Coastal Ledger",
        "published_on": datetime.date(2026, 3, 17),
    },
    "Pharmacies to open on Sundays": {
        "url": "https://northbridge-post.example.org/city/2026/03/pharmacies-sunday-opening",
        "outlet": "Northbridge Post",
        "published_on": datetime.date(2026, 3, 12),
    },
    "Unemployment in the region fell": {
        "url": "https://valley-courier.example.org/economy/2026/03/regional-unemployment-6-percent",
        "outlet": "Valley Courier",
        "published_on": datetime.date(2026, 3, 16),
    },
}

# (article title prefix, phrase, state, verdict slug, rationale, sources, claimant)
DEMO_CLAIMS: list[dict[str, Any]] = [
    {
        "article": "Harbour bridge repairs",
        "phrase": "repairs to the Portvale harbour bridge would cost 38 million euros",
        "claimant": "Ines Marlow, transport minister",
        "state": ClaimStatus.PUBLISHED,
        "verdict": "mostly-true",
        "rationale": "The tender documents put the cost at 36.4 million euros plus a 5% contingency.",
        "sources": [("https://procurement.example.org/tenders/pv-bridge-2026", "supports", "Bridge repair tender")],
    },
    {
        "article": "Harbour bridge repairs",
        "phrase": "traffic delays caused by the closure had cost local businesses more than 5 million euros a month",
        "claimant": "Tomas Reyes, opposition leader",
        "state": ClaimStatus.IN_REVIEW,
        "verdict": "unverifiable",
        "rationale": "No survey of business losses has been published; the chamber of commerce has no estimate.",
        "sources": [("https://chamber.example.org/statements/bridge-closure", "context", "Chamber statement")],
    },
    {
        "article": "Harbour bridge repairs",
        "phrase": "carries about 41,000 vehicles a day",
        "claimant": "Coastal Ledger",
        "state": ClaimStatus.RESEARCHING,
    },
    {
        "article": "Harbour bridge repairs",
        "phrase": "the largest single investment in Portvale's transport network since the tunnel opened in 1998",
        "claimant": "Ines Marlow, transport minister",
        "state": ClaimStatus.NEW,
    },
    {
        "article": "Waiting times at city clinics",
        "phrase": "patients now wait an average of 9 days for a routine appointment, compared with 18 days a year ago",
        "claimant": "Northbridge health board",
        "state": ClaimStatus.RESEARCHING,
        "sources": [("https://health.example.org/board/waiting-times-q3", "supports", "Board waiting-time figures")],
    },
    {
        "article": "Waiting times at city clinics",
        "phrase": "unemployment in the region fell to 6 percent",
        "claimant": "Paul Lindqvist, nurses' union",
        "state": ClaimStatus.NEW,
    },
    {
        "article": "Waiting times at city clinics",
        "phrase": "Nobody should wait three weeks to see a doctor, and now almost nobody does",
        "claimant": "Dr. Amira Osei",
        "state": ClaimStatus.DISMISSED,
        "dismissal": "Opinion and rhetoric; the checkable part is covered by the waiting-time claim.",
    },
    {
        "article": "Unemployment in the region fell",
        "phrase": "unemployment fell to 6 percent in the third quarter",
        "claimant": "Regional statistics office",
        "state": ClaimStatus.PUBLISHED,
        "verdict": "true",
        "rationale": "The office's quarterly labour-force survey shows 6.0%, down from 6.8%.",
        "sources": [("https://stats.example.org/labour/q3", "supports", "Labour force survey, Q3")],
    },
]


class Command(BaseCommand):
    help = (
        "Create demo accounts and load demo articles with claims (idempotent). Refuses to run with "
        "DEBUG off unless given --force; never changes the password of an account that exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true",
            help="Load the demo even with DEBUG off (it adds demo accounts with published passwords).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a production database. The demo adds accounts whose passwords "
                "are printed here; run it with DEBUG=1 on a laptop, or pass --force if you really mean it."
            )
        users = self.ensure_accounts()
        report = import_files([DEMO_DIR], users["editor"])
        self.stdout.write(f"Demo articles: {report.summary()}.")
        self.ensure_article_details()
        # The workflow notifies the demo users in the app; no email leaves for made-up addresses.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            entry_point(COMMAND),
            transaction.atomic(),
        ):
            self.ensure_claims(users)
        self.stdout.write(self.style.SUCCESS(f"\nFactdesk demo is ready at {settings.FACTDESK_SITE_URL.rstrip('/')}/"))
        self.stdout.write("Log in with one of these accounts:")
        for username, password, group, _name in ACCOUNTS:
            role = group or "Admin (Django admin at /admin/)"
            shown = password if users[username].check_password(password) else "(kept: this account already had one)"
            self.stdout.write(f"  {role:<34} username: {username:<8} password: {shown}")

    def ensure_accounts(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for username, password, group_name, display in ACCOUNTS:
            first, last = display.split(" ", 1)
            user = User.objects.filter(username=username).first()
            if user is None:
                # Only accounts the demo creates get its published passwords and roles; an existing
                # account (a real person's, or an earlier demo run's) is used as it is.
                user = User(username=username, first_name=first, last_name=last, email=f"{username}@factdesk.example")
                user.is_staff = user.is_superuser = group_name is None
                user.set_password(password)
                user.save()
                if group_name:
                    user.groups.add(Group.objects.get(name=group_name))
            needed = DEMO_ROLES[group_name]
            if roles.role_of(user) < needed:
                raise CommandError(
                    f"An account named {username!r} exists but is not a {needed.label.lower()}: the demo would act "
                    "through it. Rename that account or load the demo into an empty database."
                )
            users[username] = user
        return users

    def ensure_article_details(self) -> None:
        """Give the demo articles their original address, outlet, byline and date (empty fields only).

        The demo pages are plain text, which carries none of these; a field someone has
        already filled in (or an earlier run) is left alone, and an address another article
        already has is not taken.
        """
        for prefix, details in DEMO_ARTICLES.items():
            article = Article.objects.filter(title__startswith=prefix).order_by("pk").first()
            if article is None:
                continue
            changed = [name for name, value in details.items() if not getattr(article, name) and value]
            if "url" in changed and Article.objects.filter(url=details["url"]).exclude(pk=article.pk).exists():
                changed.remove("url")
            for name in changed:
                setattr(article, name, details[name])
            if changed:
                article.full_clean(exclude=["added_by", "content_hash"])
                article.save(update_fields=[*changed, "updated_at"])

    def ensure_claims(self, users: dict[str, User]) -> None:
        checker, editor = users["checker"], users["editor"]
        labels = {label.slug: label for label in RatingLabel.objects.all()}
        for spec in DEMO_CLAIMS:
            article = Article.objects.filter(title__startswith=spec["article"]).first()
            if article is None or spec["phrase"] not in article.body:
                continue
            start = article.body.index(spec["phrase"])
            if article.claims.filter(start=start, end=start + len(spec["phrase"])).exists():
                continue
            claim = create_claim(
                article, start, start + len(spec["phrase"]), spec["phrase"],
                user=checker, claimant=spec["claimant"],
            )
            for url, stance, title in spec.get("sources", []):
                add_source(claim, user=checker, url=url, stance=stance, title=title, accessed_on=timezone.localdate())
            self.move_to(claim, spec, checker, editor, labels)

    def move_to(
        self, claim: Claim, spec: dict[str, Any], checker: User, editor: User, labels: dict[str, RatingLabel]
    ) -> None:
        """Walk the claim along the workflow to its demo state, as the desk would.

        The checker takes the claim, sets the verdict and submits it; the editor publishes
        it (two people, as the two-person rule wants) or dismisses it. Every step is a
        workflow transition, so the history, versions and notifications are the real ones.
        """
        target = spec["state"]
        if target == ClaimStatus.DISMISSED:
            workflow.apply(claim, editor, "dismiss", note=spec["dismissal"])
            return
        if target == ClaimStatus.NEW:
            return
        claim = workflow.apply(claim, checker, "take")
        if target == ClaimStatus.RESEARCHING:
            return
        claim = update_claim(
            claim, user=checker, expected_version=claim.version,
            changes={"verdict": labels[spec["verdict"]], "rationale": spec["rationale"]},
        )
        claim = workflow.apply(claim, checker, "submit", expected_version=claim.version)
        if target == ClaimStatus.IN_REVIEW:
            add_comment(claim, user=checker, body="Could not find any published estimate of the losses.")
            return
        workflow.apply(claim, editor, "publish", expected_version=claim.version)
