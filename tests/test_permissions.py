"""The permission module (factcheck.permissions): every policy and action, for every role.

Each policy answers three questions, and each is checked here for anonymous visitors,
inactive users, readers (logged in, no desk role), fact-checkers, editors and superusers:

* may this user do X (to this object)?   ``user_has_permission[_for_instance]``
* which objects may they do X to?         ``instances_user_has_permission_for`` (a queryset)
* which users may do X?                   ``users_with_permission[_for_instance]``

The tables below are the specification: a new action without a row makes
``test_the_table_covers_every_action`` fail. Django's ``user.has_perm()`` (the admin and
``{{ perms }}`` in templates) is answered by :class:`~factcheck.permissions.PolicyBackend`
from the same rules, so it is checked against the same roles.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from annotations import claim_corrections, notifications, workflow
from annotations.context_processors import navigation
from annotations.models import Claim, ClaimCorrection, ClaimEvent, ClaimStatus, Notification, RatingLabel
from annotations.notification_texts import notice
from annotations.permissions import claim_policy, correction_policy, notification_policy
from articles.models import Article, ArticleRevision
from articles.permissions import article_policy, revision_policy, snapshot_policy
from factcheck import permissions
from factcheck.jobs import job_policy
from factcheck.models import Job
from factcheck.permissions import (
    AdminOnlyPolicy,
    ArticlePolicy,
    ClaimPolicy,
    PermissionPolicy,
    PolicyBackend,
    Role,
    UserPolicy,
    role_of,
    users_with_role,
)
from tests import factories
from tests.factories import rating

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "inactive", "reader", "fact_checker", "editor", "admin")

#: Who may take an action: the role names allowed.
NOBODY: frozenset[str] = frozenset()
ADMINS = frozenset({"admin"})
EDITORS = ADMINS | {"editor"}
DESK = EDITORS | {"fact_checker"}
READERS = DESK | {"reader"}

ARTICLE_ACTIONS = {
    "view": READERS,
    "export": READERS,
    "add": EDITORS,
    "import": EDITORS,
    "correct": EDITORS,
    "change": EDITORS,
    "delete": EDITORS,
    "import_annotations": EDITORS,
}
REVISION_ACTIONS = {"view": DESK, "add": ADMINS, "change": ADMINS, "delete": ADMINS}
CLAIM_ACTIONS = {
    "view": READERS,
    "export": READERS,
    "view_unpublished": DESK,
    "export_unpublished": DESK,
    "add": DESK,
    "change": DESK,
    "comment": DESK,
    "take": DESK,
    "submit": DESK,
    "delete": DESK,
    "assign": EDITORS,
    "review": EDITORS,
    "link": EDITORS,
    "reanchor": EDITORS,
}
CORRECTION_ACTIONS = {
    "view": DESK, "add": DESK, "review": EDITORS, "withdraw": DESK, "change": ADMINS, "delete": ADMINS,
}
SNAPSHOT_ACTIONS = {"view": READERS, "add": DESK, "change": ADMINS, "delete": ADMINS}
OWNED_ACTIONS = {"view": READERS, "change": READERS, "delete": READERS}
USER_ACTIONS = {"view": ADMINS, "add": ADMINS, "change": ADMINS, "delete": ADMINS, "manage": ADMINS}
ADMIN_ONLY_ACTIONS = {"view": ADMINS, "add": ADMINS, "change": ADMINS, "delete": ADMINS}

EXPECTED_ROLE = {
    "anonymous": Role.ANONYMOUS,
    "inactive": Role.ANONYMOUS,
    "reader": Role.READER,
    "fact_checker": Role.FACT_CHECKER,
    "editor": Role.EDITOR,
    "admin": Role.ADMIN,
}


def make_users() -> dict[str, object]:
    return {
        "anonymous": AnonymousUser(),
        "inactive": factories.EditorFactory(is_active=False),
        "reader": factories.UserFactory(),
        "fact_checker": factories.FactCheckerFactory(),
        "editor": factories.EditorFactory(),
        "admin": factories.AdminFactory(),
    }


@pytest.fixture
def users() -> dict[str, object]:
    return make_users()


def published_claim(**fields: object) -> Claim:
    """A published claim (the database insists on a verdict)."""
    return factories.ClaimFactory(status=ClaimStatus.PUBLISHED, verdict=rating("false"), **fields)


def fresh(user: User) -> User:
    """The same account read again: a new object, so nothing is cached on it."""
    return User.objects.get(pk=user.pk)


def policies() -> list[tuple[str, PermissionPolicy, dict[str, frozenset[str]]]]:
    return [
        ("article", article_policy, ARTICLE_ACTIONS),
        ("revision", revision_policy, REVISION_ACTIONS),
        ("claim", claim_policy, CLAIM_ACTIONS),
        ("correction", correction_policy, CORRECTION_ACTIONS),
        ("snapshot", snapshot_policy, SNAPSHOT_ACTIONS),
        ("notification", notification_policy, OWNED_ACTIONS),
        ("job", job_policy, OWNED_ACTIONS),
        ("user", UserPolicy(User), USER_ACTIONS),
        ("rating label", AdminOnlyPolicy(RatingLabel), ADMIN_ONLY_ACTIONS),
    ]


ACTION_CASES = [
    pytest.param(index, action, role, id=f"{name}-{action}-{role}")
    for index, (name, _policy, table) in enumerate(policies())
    for action in table
    for role in ROLES
]


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_user_has_the_role_of_their_group(users, role):
    assert role_of(users[role]) == EXPECTED_ROLE[role]


def test_nobody_and_an_inactive_superuser_have_no_role():
    assert role_of(None) == Role.ANONYMOUS
    assert role_of(factories.AdminFactory(is_active=False)) == Role.ANONYMOUS


def test_an_editor_in_both_groups_is_an_editor():
    user = factories.EditorFactory()
    user.groups.add(Group.objects.get(name=permissions.FACT_CHECKER))
    assert role_of(fresh(user)) == Role.EDITOR


@pytest.mark.parametrize("role", ROLES)
def test_role_predicates_follow_the_role_order(users, role):
    user = users[role]
    assert permissions.is_reader(user) == (role in READERS)
    assert permissions.is_fact_checker(user) == (role in DESK)
    assert permissions.is_editor(user) == (role in EDITORS)
    assert permissions.is_admin(user) == (role in ADMINS)


def test_role_names_for_the_navigation(users):
    assert [permissions.role_name(users[r]) for r in ROLES] == [
        "Visitor", "Visitor", "Reader", "Fact-checker", "Editor", "Admin",
    ]


def test_a_users_role_costs_one_group_query_per_user_object(users, django_assert_num_queries):
    user = fresh(users["fact_checker"])
    with django_assert_num_queries(1):
        for _ in range(3):
            role_of(user)
            permissions.is_editor(user)
            claim_policy.user_has_permission(user, "review")
            article_policy.user_has_permission(user, "correct")
            user.has_perm("articles.change_article")
            user.has_module_perms("annotations")
    # Another object for the same account (the next request) asks again, once.
    again = fresh(users["fact_checker"])
    with django_assert_num_queries(1):
        assert permissions.is_fact_checker(again) and not permissions.is_editor(again)


def test_superusers_and_visitors_need_no_group_query(users, django_assert_num_queries):
    admin = fresh(users["admin"])
    with django_assert_num_queries(0):
        assert role_of(admin) == Role.ADMIN
        assert role_of(AnonymousUser()) == Role.ANONYMOUS
        assert role_of(users["inactive"]) == Role.ANONYMOUS


def test_a_role_change_is_seen_by_the_next_request(users):
    """The cache lives on the user object, and every request loads its user afresh."""
    reader = users["reader"]
    assert role_of(reader) == Role.READER
    reader.groups.add(Group.objects.get(name=permissions.EDITOR))
    assert role_of(reader) == Role.READER  # same object, same request
    assert role_of(fresh(reader)) == Role.EDITOR


def test_users_with_role_counts_superusers_and_skips_inactive_users(users):
    def names(minimum: Role) -> set[str]:
        ids = set(users_with_role(minimum).values_list("pk", flat=True))
        return {role for role, user in users.items() if getattr(user, "pk", None) in ids}

    assert names(Role.READER) == READERS
    assert names(Role.FACT_CHECKER) == DESK
    assert names(Role.EDITOR) == EDITORS
    assert names(Role.ADMIN) == ADMINS


def test_users_with_role_lists_a_user_in_both_groups_once():
    user = factories.EditorFactory()
    user.groups.add(Group.objects.get(name=permissions.FACT_CHECKER))
    assert list(users_with_role(Role.FACT_CHECKER).filter(pk=user.pk)) == [user]


# --- may this user do X? -------------------------------------------------------------------


def test_the_table_covers_every_action():
    for name, policy, table in policies():
        assert set(policy.roles) == set(table), f"{name}: the actions and this file's table differ"


def test_every_registered_policy_is_checked_here():
    """A policy registered for a model (and so for the admin) has its kind's table in this file."""
    checked = {type(policy): table for _name, policy, table in policies()}
    for label in permissions.registered_labels():
        policy = permissions.policy_for(apps.get_model(label))
        assert type(policy) in checked, f"{label}: add a table for {type(policy).__name__} to policies()"
        assert set(policy.roles) == set(checked[type(policy)]), label


@pytest.mark.parametrize(("index", "action", "role"), ACTION_CASES)
def test_each_role_may_take_exactly_the_actions_of_its_rank(users, index, action, role):
    _name, policy, table = policies()[index]
    assert policy.user_has_permission(users[role], action) == (role in table[action])


@pytest.mark.parametrize("policy", [claim_policy, article_policy, job_policy])
def test_an_unknown_action_is_a_programming_error_not_a_refusal(users, policy):
    with pytest.raises(ValueError, match="no action 'publsh'"):
        policy.user_has_permission(users["admin"], "publsh")


def test_require_raises_the_refusal_sentence(users):
    with pytest.raises(PermissionDenied, match=r"Only editors can review, publish, dismiss and correct claims\."):
        claim_policy.require(users["fact_checker"], "review")
    with pytest.raises(PermissionDenied, match=r"Only editors can correct article text\."):
        article_policy.require(users["fact_checker"], "correct")
    claim_policy.require(users["editor"], "review")  # no exception


def test_require_with_an_instance_asks_the_object_rule(users):
    claim = published_claim(created_by=users["fact_checker"])
    with pytest.raises(PermissionDenied, match="your own claims that are not published"):
        claim_policy.require(users["fact_checker"], "delete", claim)
    claim_policy.require(users["editor"], "delete", claim)


def test_an_action_without_a_sentence_has_a_generic_refusal():
    assert claim_policy.refusal("export") == "You do not have permission to do that."


# --- ... to this claim? --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["view", "export"])
def test_readers_see_and_export_published_claims_only(users, role, action):
    published = published_claim()
    researching = factories.ClaimFactory(status=ClaimStatus.RESEARCHING)
    user = users[role]
    assert claim_policy.user_has_permission_for_instance(user, action, published) == (role in READERS)
    assert claim_policy.user_has_permission_for_instance(user, action, researching) == (role in DESK)


@pytest.mark.parametrize("role", ROLES)
def test_fact_checkers_delete_only_their_own_unpublished_claims(users, role):
    user = users[role]
    author = user if isinstance(user, User) else None
    own_new = factories.ClaimFactory(created_by=author)
    own_published = published_claim(created_by=author)
    someone_elses = factories.ClaimFactory()
    allowed = {
        claim.pk for claim in (own_new, own_published, someone_elses)
        if claim_policy.user_has_permission_for_instance(user, "delete", claim)
    }
    expected = {
        "anonymous": set(),
        "inactive": set(),
        "reader": set(),  # even a claim they created before losing their desk role
        "fact_checker": {own_new.pk},
        "editor": {own_new.pk, own_published.pk, someone_elses.pk},
        "admin": {own_new.pk, own_published.pk, someone_elses.pk},
    }[role]
    assert allowed == expected


@pytest.mark.parametrize("role", ROLES)
def test_object_free_claim_actions_do_not_depend_on_the_claim(users, role):
    published = published_claim()
    for action in ("review", "change", "assign", "link", "view_unpublished"):
        expected = role in CLAIM_ACTIONS[action]
        assert claim_policy.user_has_permission_for_instance(users[role], action, published) == expected


# --- which claims may this user do X to? -----------------------------------------------------


@pytest.fixture
def claims(users) -> dict[str, Claim]:
    checker = users["fact_checker"]
    return {
        "published": published_claim(created_by=checker),
        "in_review": factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, created_by=checker),
        "new_own": factories.ClaimFactory(created_by=checker),
        "new_other": factories.ClaimFactory(),
        "dismissed": factories.ClaimFactory(status=ClaimStatus.DISMISSED),
    }


def names_of(queryset, claims: dict[str, Claim]) -> set[str]:
    ids = set(queryset.values_list("pk", flat=True))
    return {name for name, claim in claims.items() if claim.pk in ids}


ALL_CLAIMS = {"published", "in_review", "new_own", "new_other", "dismissed"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["view", "export"])
def test_claim_querysets_hold_published_claims_only_for_readers(users, claims, role, action):
    expected = ALL_CLAIMS if role in DESK else {"published"} if role == "reader" else set()
    assert names_of(claim_policy.instances_user_has_permission_for(users[role], action), claims) == expected


@pytest.mark.parametrize("role", ROLES)
def test_visible_narrows_any_claim_queryset_like_the_view_rule(users, claims, role):
    article_claims = Claim.objects.filter(pk__in=[claims["published"].pk, claims["in_review"].pk])
    expected = {"published", "in_review"} if role in DESK else {"published"} if role == "reader" else set()
    assert names_of(claim_policy.visible(users[role], article_claims), claims) == expected
    assert names_of(claim_policy.visible(users[role], Claim.objects.all()), claims) == names_of(
        claim_policy.instances_user_has_permission_for(users[role], "view"), claims
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_delete_queryset_is_the_delete_rule(users, claims, role):
    expected = {
        "fact_checker": {"new_own", "in_review"},  # their own, not published
        "editor": ALL_CLAIMS,
        "admin": ALL_CLAIMS,
    }.get(role, set())
    deletable = claim_policy.instances_user_has_permission_for(users[role], "delete")
    assert names_of(deletable, claims) == expected
    per_claim = {
        name for name, claim in claims.items()
        if claim_policy.user_has_permission_for_instance(users[role], "delete", claim)
    }
    assert per_claim == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["review", "assign", "view_unpublished"])  # "change": see below
def test_role_only_actions_give_every_claim_or_none(users, claims, role, action):
    expected = ALL_CLAIMS if role in CLAIM_ACTIONS[action] else set()
    assert names_of(claim_policy.instances_user_has_permission_for(users[role], action), claims) == expected


@pytest.fixture
def research(users) -> dict[str, Claim]:
    """Claims whose research the "change" rule judges by assignee and review state."""
    checker, editor = users["fact_checker"], users["editor"]
    other = factories.FactCheckerFactory()
    return {
        "unassigned": factories.ClaimFactory(),
        "mine": factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=checker),
        "someone_elses": factories.ClaimFactory(status=ClaimStatus.RESEARCHING, assignee=other),
        "mine_in_review": factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=checker),
        "editors_in_review": factories.ClaimFactory(status=ClaimStatus.IN_REVIEW, assignee=editor),
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_a_claims_research_depends_on_its_assignee_and_review(users, research, role):
    """The policy's part of "may edit this claim" (the claim's state is the services' part)."""
    expected = {
        # A fact-checker changes unassigned claims and their own, not while they are in review.
        "fact_checker": {"unassigned", "mine"},
        # Editors change every claim, except one assigned to themselves while it is in review.
        "editor": {"unassigned", "mine", "someone_elses", "mine_in_review"},
        "admin": set(research),
    }.get(role, set())
    user = users[role]
    per_claim = {n for n, c in research.items() if claim_policy.user_has_permission_for_instance(user, "change", c)}
    assert per_claim == expected
    assert names_of(claim_policy.instances_user_has_permission_for(user, "change"), research) == expected


def test_a_refused_change_says_why(users, research):
    checker = users["fact_checker"]
    assert "withdraw it from review" in claim_policy.instance_refusal(checker, "change", research["mine_in_review"])
    assert "only they or an editor" in claim_policy.instance_refusal(checker, "change", research["someone_elses"])
    assert claim_policy.instance_refusal(checker, "change", research["mine"]) is None


def test_users_who_may_change_a_claim_in_review_are_the_editors(users, research):
    allowed = set(claim_policy.users_with_permission_for_instance("change", research["mine_in_review"]))
    assert allowed == {users["editor"], users["admin"]}


# --- corrections of published claims: the two-person rule --------------------------------------


def propose(claim: Claim, user: User) -> ClaimCorrection:
    return claim_corrections.propose_correction(
        claim, user=user, changes={"claimant": "The finance office"}, note="The figure came from finance.",
        expected_version=claim.version,
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_correction_is_reviewed_by_an_editor_who_did_not_propose_it(users, role):
    corrections = {
        "by_editor": propose(published_claim(), users["editor"]),
        "by_checker": propose(published_claim(), users["fact_checker"]),
    }
    user = users[role]
    expected = {"editor": {"by_checker"}, "admin": {"by_editor", "by_checker"}}.get(role, set())
    allowed = {
        name for name, correction in corrections.items()
        if correction_policy.user_has_permission_for_instance(user, "review", correction)
    }
    assert allowed == expected
    queryset = set(correction_policy.instances_user_has_permission_for(user, "review"))
    assert queryset == {corrections[name] for name in expected}


@pytest.mark.parametrize("role", ROLES)
def test_only_its_proposer_withdraws_a_correction(users, role):
    correction = propose(published_claim(), users["fact_checker"])
    mine = role == "fact_checker"
    assert correction_policy.user_has_permission_for_instance(users[role], "withdraw", correction) == mine
    withdrawable = set(correction_policy.instances_user_has_permission_for(users[role], "withdraw"))
    assert withdrawable == ({correction} if mine else set())


def test_the_proposer_is_told_why_they_cannot_review_their_own_correction(users):
    correction = propose(published_claim(), users["editor"])
    with pytest.raises(PermissionDenied, match="two-person rule"):
        correction_policy.require(users["editor"], "review", correction)


@pytest.mark.parametrize("role", ROLES)
def test_article_querysets_follow_the_article_rules(users, role):
    article = factories.ArticleFactory()
    for action, allowed in ARTICLE_ACTIONS.items():
        found = list(article_policy.instances_user_has_permission_for(users[role], action))
        assert found == ([article] if role in allowed else []), action


# --- who may do X? ---------------------------------------------------------------------------


def ids_of(users: dict[str, object], found) -> set[str]:
    found_ids = {user.pk for user in found}
    return {role for role, user in users.items() if getattr(user, "pk", None) in found_ids}


@pytest.mark.parametrize(("action", "expected"), sorted(CLAIM_ACTIONS.items()))
def test_users_with_a_claim_permission_are_the_active_users_of_that_rank(users, action, expected):
    assert ids_of(users, claim_policy.users_with_permission(action)) == expected


def test_editors_who_may_review_include_superusers_not_inactive_users_or_fact_checkers(users):
    inactive_admin = factories.AdminFactory(is_active=False)
    reviewers = set(claim_policy.users_with_permission("review"))
    assert reviewers == {users["editor"], users["admin"]}
    assert users["inactive"] not in reviewers and inactive_admin not in reviewers
    assert users["fact_checker"] not in reviewers


def test_users_who_may_delete_a_claim_are_its_author_and_the_editors(users):
    author = users["fact_checker"]
    other_checker = factories.FactCheckerFactory()
    claim = factories.ClaimFactory(created_by=author)
    deleters = set(claim_policy.users_with_permission_for_instance("delete", claim))
    assert deleters == {author, users["editor"], users["admin"]}
    assert other_checker not in deleters

    claim.status = ClaimStatus.PUBLISHED
    assert set(claim_policy.users_with_permission_for_instance("delete", claim)) == {users["editor"], users["admin"]}


def test_users_who_may_see_an_unpublished_claim_are_the_desk(users):
    claim = factories.ClaimFactory(status=ClaimStatus.IN_REVIEW)
    assert ids_of(users, claim_policy.users_with_permission_for_instance("view", claim)) == DESK
    claim.status = ClaimStatus.PUBLISHED
    assert ids_of(users, claim_policy.users_with_permission_for_instance("view", claim)) == READERS


@pytest.mark.parametrize(("action", "expected"), sorted(ARTICLE_ACTIONS.items()))
def test_users_with_an_article_permission(users, action, expected):
    assert ids_of(users, article_policy.users_with_permission(action)) == expected


def test_users_who_may_manage_users_are_the_active_superusers(users):
    assert ids_of(users, UserPolicy(User).users_with_permission("manage")) == ADMINS


# --- things that belong to one user: notifications and jobs -----------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_notification_is_its_recipients_and_the_admins(users, role):
    user = users[role]
    own = factories.NotificationFactory(recipient=user) if isinstance(user, User) else None
    someone_elses = factories.NotificationFactory()
    for action in OWNED_ACTIONS:
        assert notification_policy.user_has_permission_for_instance(user, action, someone_elses) == (role == "admin")
        if own is not None:
            assert notification_policy.user_has_permission_for_instance(user, action, own) == (role in READERS)
    visible = set(notification_policy.instances_user_has_permission_for(user, "view"))
    expected = {
        "anonymous": set(), "inactive": set(), "admin": set(Notification.objects.all()),
    }.get(role, {own})
    assert visible == expected


@pytest.mark.parametrize("role", ROLES)
def test_a_job_is_its_owners_and_the_admins(users, role):
    user = users[role]
    own = factories.JobFactory(owner=user) if isinstance(user, User) else None
    someone_elses = factories.JobFactory(owner=factories.UserFactory())
    ownerless = factories.JobFactory(owner=None)
    assert job_policy.user_has_permission_for_instance(user, "view", someone_elses) == (role == "admin")
    assert job_policy.user_has_permission_for_instance(user, "view", ownerless) == (role == "admin")
    visible = set(job_policy.instances_user_has_permission_for(user, "view"))
    expected = {"anonymous": set(), "inactive": set(), "admin": set(Job.objects.all())}.get(role, {own})
    assert visible == expected


# --- Django's has_perm(): the admin and {{ perms }} ---------------------------------------------

HAS_PERM = {
    # Claims and their research (sources, comments, links) follow the claim rules.
    "annotations.view_claim": READERS,
    "annotations.add_claim": DESK,
    "annotations.change_claim": DESK,
    "annotations.delete_claim": DESK,
    "annotations.add_source": DESK,
    "annotations.change_source": DESK,
    "annotations.delete_comment": DESK,
    "annotations.change_claimgroup": DESK,
    "annotations.view_suggestiondismissal": READERS,
    # Articles: read by everyone, changed by editors.
    "articles.view_article": READERS,
    "articles.add_article": EDITORS,
    "articles.change_article": EDITORS,
    "articles.delete_article": EDITORS,
    "articles.view_articlerevision": DESK,
    "articles.change_articlerevision": ADMINS,
    "articles.delete_articlerevision": ADMINS,
    # What comes in (feeds, watches) follows the article rules; archived pages are evidence.
    "articles.view_feed": READERS,
    "articles.change_feed": EDITORS,
    "articles.add_watch": EDITORS,
    "articles.view_snapshot": READERS,
    "articles.add_snapshot": DESK,
    "articles.delete_snapshot": ADMINS,
    # One's own things.
    "annotations.view_notification": READERS,
    "factcheck.view_job": READERS,
    "factcheck.delete_job": READERS,
    # The admins' own.
    "annotations.change_ratinglabel": ADMINS,
    "annotations.view_claimevent": ADMINS,
    # Corrections: the desk reads and proposes them; nobody edits one by hand.
    "annotations.view_claimcorrection": DESK,
    "annotations.add_claimcorrection": DESK,
    "annotations.change_claimcorrection": ADMINS,
    "annotations.delete_claimcorrection": ADMINS,
    "annotations.delete_claimevent": ADMINS,
    "auth.view_user": ADMINS,
    "auth.change_user": ADMINS,
    "auth.add_group": ADMINS,
    "auth.change_permission": ADMINS,
    "sessions.delete_session": ADMINS,
    # Unknown models, actions outside Django's four and malformed strings: admins only.
    "annotations.view_nothing": ADMINS,
    "annotations.publish_claim": ADMINS,
    "annotations.review_claim": ADMINS,
    "nonsense": ADMINS,
    "": ADMINS,
}

HAS_PERM_CASES = [
    pytest.param(perm, role, id=f"{perm or 'empty'}-{role}") for perm in HAS_PERM for role in ROLES
]


@pytest.mark.parametrize(("perm", "role"), HAS_PERM_CASES)
def test_has_perm_answers_from_the_policies(users, perm, role):
    assert users[role].has_perm(perm) == (role in HAS_PERM[perm])


def test_has_perm_asks_the_claim_rule_for_one_claim(users):
    checker = users["fact_checker"]
    own = factories.ClaimFactory(created_by=checker)
    published = published_claim(created_by=checker)
    assert checker.has_perm("annotations.delete_claim", own)
    assert not checker.has_perm("annotations.delete_claim", published)
    assert not checker.has_perm("annotations.delete_claim", factories.ClaimFactory())
    assert users["editor"].has_perm("annotations.delete_claim", published)
    assert users["reader"].has_perm("annotations.view_claim", published)
    assert not users["reader"].has_perm("annotations.view_claim", own)


def test_has_perm_with_a_source_or_comment_answers_the_claim_rule_without_crashing(users):
    source = factories.SourceFactory()
    comment = factories.CommentFactory()
    assert users["fact_checker"].has_perm("annotations.delete_source", source)
    assert users["fact_checker"].has_perm("annotations.change_comment", comment)
    assert not users["reader"].has_perm("annotations.change_source", source)


def test_has_perm_ignores_group_and_user_model_permissions(users):
    """A role means what the policies say: Django's permission tables grant nothing."""
    reader = users["reader"]
    reader.user_permissions.add(Permission.objects.get(codename="delete_article"))
    Group.objects.get(name=permissions.EDITOR).permissions.clear()
    assert not fresh(reader).has_perm("articles.delete_article")
    assert fresh(users["editor"]).has_perm("articles.delete_article")
    assert PolicyBackend().get_all_permissions(users["editor"]) == set()


def test_an_inactive_superuser_has_no_permission():
    inactive_admin = factories.AdminFactory(is_active=False)
    assert not inactive_admin.has_perm("articles.view_article")
    assert not inactive_admin.has_perm("auth.change_user")
    assert not inactive_admin.has_module_perms("articles")


MODULES = {
    "articles": READERS,  # articles are read by everyone logged in
    "annotations": READERS,
    "factcheck": READERS,  # one's own jobs
    "auth": ADMINS,
    "sessions": ADMINS,
    "django_tasks_database": ADMINS,
}


@pytest.mark.parametrize(("app_label", "role"), [(a, r) for a in MODULES for r in ROLES])
def test_has_module_perms_is_true_where_the_role_may_view_something(users, app_label, role):
    assert users[role].has_module_perms(app_label) == (role in MODULES[app_label])


@pytest.mark.parametrize("role", ROLES)
def test_template_perms_follow_the_article_rules(users, role):
    perms = PermWrapper(users[role])
    assert bool(perms["articles"]["change_article"]) == (role in EDITORS)
    assert bool(perms["articles"]["add_article"]) == (role in EDITORS)
    assert bool(perms["articles"]["view_articlerevision"]) == (role in DESK)


def test_the_policy_backend_replaces_djangos_model_backend(settings):
    assert "factcheck.permissions.PolicyBackend" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS


def test_every_desk_model_has_a_policy():
    for model in (Article, ArticleRevision, Claim, ClaimEvent, Notification, RatingLabel, Job):
        assert permissions.policy_for(model) is not None, model.__name__
    assert isinstance(permissions.policy_for(Claim), ClaimPolicy)
    assert isinstance(permissions.policy_for(Article), ArticlePolicy)


# --- the navigation asks the same rules ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_navigation_links_follow_the_policies(users, role):
    request = RequestFactory().get("/articles/")
    request.user = users[role]
    nav = navigation(request)
    if role == "anonymous":
        assert nav == {}
        return
    assert nav["nav_is_fact_checker"]() == (role in DESK)
    assert nav["nav_is_editor"]() == (role in EDITORS)
    assert nav["nav_can_export_unpublished"]() == (role in DESK)
    assert nav["nav_can_import_annotations"]() == (role in EDITORS)


# --- a superuser is an editor for notifications too ----------------------------------------------


def test_a_superuser_is_told_like_an_editor_when_a_claim_is_submitted(users, django_capture_on_commit_callbacks):
    checker = users["fact_checker"]
    factories.FactCheckerFactory()  # another fact-checker: not told
    claim = factories.ClaimFactory(
        status=ClaimStatus.RESEARCHING, assignee=checker, verdict_by=checker,
        verdict=rating("false"), rationale="The statistics office reports 7.1 percent.",
    )
    factories.SourceFactory(claim=claim)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, checker, "submit")
    told = {n.recipient for n in Notification.objects.filter(kind=Notification.Kind.SUBMITTED)}
    assert told == {users["editor"], users["admin"]}


def test_a_superuser_who_set_the_verdict_is_not_asked_to_publish_it(users, django_capture_on_commit_callbacks):
    checker, admin = users["fact_checker"], users["admin"]
    claim = factories.ClaimFactory(
        status=ClaimStatus.RESEARCHING, assignee=checker, verdict_by=admin,
        verdict=rating("false"), rationale="The statistics office reports 7.1 percent.",
    )
    factories.SourceFactory(claim=claim)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.apply(claim, checker, "submit")
    told = {n.recipient for n in Notification.objects.filter(kind=Notification.Kind.SUBMITTED)}
    assert told == {users["editor"]}


def test_only_someone_who_may_see_the_claim_is_notified(users, mailoutbox, django_capture_on_commit_callbacks):
    researching = factories.ClaimFactory(status=ClaimStatus.RESEARCHING)
    with django_capture_on_commit_callbacks(execute=True):
        told = {
            role: notifications.notify(
                users[role], researching, Notification.Kind.ASSIGNED, notice("assigned", actor="", claim="x")
            )
            is not None
            for role in ROLES if role != "anonymous"
        }
        told_of_published = notifications.notify(
            users["reader"], published_claim(), Notification.Kind.PUBLISHED, notice("published", actor="", claim="x")
        )
    assert told == {"inactive": False, "reader": False, "fact_checker": True, "editor": True, "admin": True}
    assert told_of_published is not None
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        users[role].email for role in ("fact_checker", "editor", "admin", "reader")
    )
