"""``manage.py load_demo``: demo accounts and articles with claims in several review states.

Safe to run again: accounts are updated in place, articles are imported with the normal
importer (duplicates are skipped) and claims are only added to articles that have none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from annotations import roles
from annotations.models import Claim, ClaimEvent, ClaimStatus, RatingLabel
from annotations.services import add_comment, add_source, create_claim, record_event
from articles.importing.service import import_files
from articles.models import Article

DEMO_DIR = Path(__file__).resolve().parents[3] / "demo"

ACCOUNTS = [
    # username, password, role group (None = admin), display name
    ("editor", "demo-editor-pass", roles.EDITOR, "Erin Editor"),
    ("checker", "demo-checker-pass", roles.FACT_CHECKER, "Chris Checker"),
    ("admin", "demo-admin-pass", None, "Ada Admin"),
]

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
    help = "Create demo accounts and load demo articles with claims (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = self.ensure_accounts()
        report = import_files([DEMO_DIR], users["editor"])
        self.stdout.write(f"Demo articles: {report.summary()}.")
        with transaction.atomic():
            self.ensure_claims(users)
        self.stdout.write(self.style.SUCCESS("\nFactdesk demo is ready at http://127.0.0.1:8000/"))
        self.stdout.write("Log in with one of these accounts:")
        for username, password, group, _name in ACCOUNTS:
            role = group or "Admin (Django admin at /admin/)"
            self.stdout.write(f"  {role:<34} username: {username:<8} password: {password}")

    def ensure_accounts(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for username, password, group_name, display in ACCOUNTS:
            first, last = display.split(" ", 1)
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@factdesk.example"
            user.is_staff = group_name is None
            user.is_superuser = group_name is None
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            users[username] = user
        return users

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

    def move_to(self, claim: Claim, spec: dict[str, Any], checker: User, editor: User, labels: dict) -> None:
        """Walk the claim along the workflow to its demo state, recording each step."""
        claim.refresh_from_db()
        target = spec["state"]
        steps: list[str] = []
        if target in (ClaimStatus.RESEARCHING, ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED):
            steps.append(ClaimStatus.RESEARCHING)
            claim.assignee = checker
        if target in (ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED):
            claim.verdict = labels[spec["verdict"]]
            claim.verdict_by = checker
            claim.rationale = spec["rationale"]
            claim.submitted_at = timezone.now()
            steps.append(ClaimStatus.IN_REVIEW)
        if target == ClaimStatus.PUBLISHED:
            claim.reviewed_by = editor
            claim.published_at = timezone.now()
            steps.append(ClaimStatus.PUBLISHED)
        if target == ClaimStatus.DISMISSED:
            claim.dismissal_reason = spec["dismissal"]
            steps.append(ClaimStatus.DISMISSED)
        previous = claim.status
        for step in steps:
            actor = editor if step in (ClaimStatus.PUBLISHED, ClaimStatus.DISMISSED) else checker
            note = spec.get("dismissal", "") if step == ClaimStatus.DISMISSED else ""
            record_event(claim, ClaimEvent.Kind.TRANSITION, actor, from_status=previous, to_status=step, note=note)
            previous = step
        claim.status = target
        claim.version += len(steps)
        claim.save()
        if target == ClaimStatus.IN_REVIEW:
            add_comment(claim, user=checker, body="Could not find any published estimate of the losses.")
