"""Who may do what: the desk's roles and every permission rule, in one module.

In the manner of Wagtail's permission policies, each kind of object has a policy that
answers the three questions every door of the app asks:

* may this user do X (to this object)?      ``policy.user_has_permission[_for_instance]``
* which objects may this user do X to?      ``policy.instances_user_has_permission_for`` (a queryset)
* which users may do X (to this object)?    ``policy.users_with_permission[_for_instance]``

Views, the admin, the workflow, exports, search, notifications and the API all ask these
policies; no other module decides what a role means. The rules live here, the models they
apply to are bound in each app (``articles.permissions``, ``annotations.permissions``), so
this module stays in the bottom layer and imports no app.

Roles are Django groups: *Fact-checker* (annotates and researches) and *Editor* (also
reviews, publishes, dismisses and corrects). An active superuser is the desk's *Admin*: an
editor everywhere, notifications included. A logged-in user with no desk role is a
*Reader*: they see published work only. The admin site reaches the same rules through
:class:`PolicyBackend`, which answers Django's ``user.has_perm()`` from the policies instead
of from per-group model permissions. (The data migration ``annotations.0002`` still grants
the groups model permissions; that is history: nothing consults them, and granting or
removing one in the admin changes nothing.)
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from factcheck.display import display_name

FACT_CHECKER = "Fact-checker"
EDITOR = "Editor"
ROLE_GROUPS = (FACT_CHECKER, EDITOR)

AnyUser = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=models.Model)


class Role(enum.IntEnum):
    """A user's place on the desk; each role may do everything the roles below it may."""

    ANONYMOUS = 0
    READER = 1
    FACT_CHECKER = 2
    EDITOR = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return {0: "Visitor", 1: "Reader", 2: "Fact-checker", 3: "Editor", 4: "Admin"}[self.value]


def role_of(user: AnyUser | None) -> Role:
    """The user's role, cached on the user object so a request pays one group query at most."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Role.ANONYMOUS
    cached = getattr(user, "_factdesk_role", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = Role.EDITOR if EDITOR in names else Role.FACT_CHECKER if FACT_CHECKER in names else Role.READER
    user._factdesk_role = role
    return role


def is_admin(user: AnyUser | None) -> bool:
    """Active superusers: the desk's admins."""
    return role_of(user) >= Role.ADMIN


def is_editor(user: AnyUser | None) -> bool:
    """Editors and admins: review, publish, dismiss, correct."""
    return role_of(user) >= Role.EDITOR


def is_fact_checker(user: AnyUser | None) -> bool:
    """Anyone with a desk role: fact-checkers, editors, admins."""
    return role_of(user) >= Role.FACT_CHECKER


def is_reader(user: AnyUser | None) -> bool:
    """Any logged-in, active user (a reader sees published work only)."""
    return role_of(user) >= Role.READER


def role_name(user: AnyUser | None) -> str:
    """A human label for the navigation bar ("Editor", "Reader"...)."""
    return role_of(user).label


def users_with_role(minimum: Role) -> QuerySet:
    """Active users whose role is at least ``minimum`` (superusers count as editors everywhere)."""
    users = get_user_model().objects.filter(is_active=True)
    if minimum <= Role.READER:
        return users
    groups = [EDITOR] if minimum == Role.EDITOR else list(ROLE_GROUPS)
    if minimum >= Role.ADMIN:
        return users.filter(is_superuser=True)
    return users.filter(Q(is_superuser=True) | Q(groups__name__in=groups)).distinct()


def refuse(message: str) -> PermissionDenied:
    """The exception every refused check raises: a sentence the user can read (views answer 403)."""
    return PermissionDenied(message)


# --- the policy base --------------------------------------------------------------------


Rule = Callable[[AnyUser], bool]
InstanceRule = Callable[[AnyUser, Any], bool]


class PermissionPolicy(Generic[M]):
    """Rules for one model, each action answered three ways (see the module docstring).

    Subclasses declare ``roles`` (the least role an action needs), ``refusals`` (what a
    refused user reads) and, where the object matters, ``instance_rules`` and
    ``visible_filters`` (a Q object limiting the objects a role may act on).
    """

    #: action -> the least role that may take it at all.
    roles: dict[str, Role] = {}
    #: action -> the sentence shown when it is refused.
    refusals: dict[str, str] = {}

    def __init__(self, model: type[M]) -> None:
        self.model = model

    # may the user do X at all / to this object?
    def user_has_permission(self, user: AnyUser | None, action: str) -> bool:
        return role_of(user) >= self._least_role(action)

    def user_has_permission_for_instance(self, user: AnyUser | None, action: str, instance: M) -> bool:
        return self.user_has_permission(user, action) and self.instance_allows(user, action, instance)

    def instance_allows(self, user: AnyUser | None, action: str, instance: M) -> bool:
        """The object-level part of a rule (default: none beyond the role)."""
        return True

    # which objects may the user do X to?
    def instances_user_has_permission_for(self, user: AnyUser | None, action: str) -> QuerySet[M]:
        objects = self.model._default_manager.all()
        if not self.user_has_permission(user, action):
            return objects.none()
        condition = self.instance_filter(user, action)
        return objects if condition is None else objects.filter(condition)

    def instance_filter(self, user: AnyUser | None, action: str) -> Q | None:
        """The object-level part of a rule as a filter (None: every object)."""
        return None

    # who may do X?
    def users_with_permission(self, action: str) -> QuerySet:
        return users_with_role(self._least_role(action))

    def users_with_permission_for_instance(self, action: str, instance: M) -> list[AbstractBaseUser]:
        return [user for user in self.users_with_permission(action) if self.instance_allows(user, action, instance)]

    # raising forms, for services
    def require(self, user: AnyUser | None, action: str, instance: M | None = None) -> None:
        """Raise PermissionDenied (with the refusal sentence) unless the user may take the action."""
        reason = self.refusal_for(user, action, instance)
        if reason is not None:
            raise refuse(reason)

    def refusal_for(self, user: AnyUser | None, action: str, instance: M | None = None) -> str | None:
        """Why the user may not take the action (to this object), as a sentence; None when they may.

        The role is asked first, then the object's rule: a reader hears "only fact-checkers...",
        not a reason that only matters once they have the role.
        """
        if not self.user_has_permission(user, action):
            return self.refusal(action)
        if instance is not None:
            return self.instance_refusal(user, action, instance)
        return None

    def instance_refusal(self, user: AnyUser | None, action: str, instance: M) -> str | None:
        """The object-level rule's sentence (default: the action's sentence when the rule refuses)."""
        return None if self.instance_allows(user, action, instance) else self.refusal(action)

    def refusal(self, action: str) -> str:
        return str(self.refusals.get(action) or gettext("You do not have permission to do that."))

    def _least_role(self, action: str) -> Role:
        try:
            return self.roles[action]
        except KeyError:
            raise ValueError(f"{type(self).__name__} has no action {action!r}.") from None


# --- the desk's rules -------------------------------------------------------------------


class ArticlePolicy(PermissionPolicy[M]):
    """Articles: everyone logged in reads them; editors add, import, correct and delete them."""

    roles = {
        "view": Role.READER,
        "add": Role.EDITOR,
        "import": Role.EDITOR,
        "correct": Role.EDITOR,
        "change": Role.EDITOR,
        "delete": Role.EDITOR,
        "export": Role.READER,
        "import_annotations": Role.EDITOR,
    }
    refusals = {
        "add": gettext_lazy("Only editors can add articles."),
        "import": gettext_lazy("Only editors can import articles."),
        "correct": gettext_lazy("Only editors can correct article text."),
        "change": gettext_lazy("Only editors can correct article text."),
        "delete": gettext_lazy("Only editors can delete articles."),
        "import_annotations": gettext_lazy("Only editors can import annotations."),
    }


class RevisionPolicy(PermissionPolicy[M]):
    """Earlier versions of articles: the desk reads them; nobody edits them by hand."""

    roles = {"view": Role.FACT_CHECKER, "add": Role.ADMIN, "change": Role.ADMIN, "delete": Role.ADMIN}
    refusals = {"view": gettext_lazy("Only the desk's staff can see revisions.")}


#: Claim statuses the rules need, by their stored values (``annotations.models.ClaimStatus``).
PUBLISHED = "published"
IN_REVIEW = "in_review"


class ClaimPolicy(PermissionPolicy[M]):
    """Claims and everything on them (sources, comments, history, assignments).

    Readers see published claims only; fact-checkers see and research claims; editors also
    assign, review, publish, dismiss, correct and link claims. A fact-checker deletes only
    claims they created that are not published; editors delete any claim.

    Who may *change* a claim's research (statement, claimant, verdict, rationale, sources)
    depends on the claim: a claim assigned to a fact-checker is theirs, so other
    fact-checkers only read it (editors may change and reassign it); a claim in review has
    been handed over to the editors, so its assignee and the other fact-checkers cannot
    change it (they withdraw it from review first). Whether the claim's *state* allows a
    change at all (published and dismissed claims are locked) is not a question of who
    asks: ``annotations.services`` refuses that for everyone.
    """

    roles = {
        "view": Role.READER,
        "view_unpublished": Role.FACT_CHECKER,
        "add": Role.FACT_CHECKER,
        "change": Role.FACT_CHECKER,
        "comment": Role.FACT_CHECKER,
        "take": Role.FACT_CHECKER,
        "submit": Role.FACT_CHECKER,
        "delete": Role.FACT_CHECKER,
        "assign": Role.EDITOR,
        "review": Role.EDITOR,
        "link": Role.EDITOR,
        "reanchor": Role.EDITOR,
        "export": Role.READER,
        "export_unpublished": Role.FACT_CHECKER,
    }
    refusals = {
        "view": gettext_lazy("You cannot see this claim."),
        "view_unpublished": gettext_lazy("Only the desk sees claims that are not published."),
        "add": gettext_lazy("Only fact-checkers and editors can add claims."),
        "change": gettext_lazy("Only fact-checkers and editors can change claims."),
        "comment": gettext_lazy("Only fact-checkers and editors can comment on claims."),
        "take": gettext_lazy("Only fact-checkers and editors can take claims."),
        "submit": gettext_lazy("Only fact-checkers and editors can submit claims for review."),
        "delete": gettext_lazy("You can delete only your own claims that are not published."),
        "assign": gettext_lazy("Only editors can assign claims to someone else."),
        "review": gettext_lazy("Only editors can review, publish, dismiss and correct claims."),
        "link": gettext_lazy("Only editors can link claims."),
        "reanchor": gettext_lazy("Only editors can re-attach claims."),
    }

    def instance_allows(self, user: AnyUser | None, action: str, instance: M) -> bool:
        # Sources and comments are judged by their claim; a claim group by its role rule alone.
        claim = instance if hasattr(instance, "assignee_id") else getattr(instance, "claim", None)
        if claim is None:
            return True
        if action in ("view", "export"):
            return claim.status == PUBLISHED or role_of(user) >= Role.FACT_CHECKER
        if action == "delete" and claim is instance:  # removing a source is a change to its claim
            return role_of(user) >= Role.EDITOR or (
                claim.created_by_id == getattr(user, "pk", None) and claim.status != PUBLISHED
            )
        if action == "change":
            return self._change_refusal(user, claim) is None
        return True

    def instance_refusal(self, user: AnyUser | None, action: str, instance: M) -> str | None:
        claim = instance if hasattr(instance, "assignee_id") else getattr(instance, "claim", None)
        if action == "change" and claim is not None:
            return self._change_refusal(user, claim)
        return super().instance_refusal(user, action, instance)

    @staticmethod
    def _change_refusal(user: AnyUser | None, claim: Any) -> str | None:
        """Who may change this claim's research, given its assignee and review status (see the class)."""
        editor = role_of(user) >= Role.EDITOR
        mine = claim.assignee_id is not None and claim.assignee_id == getattr(user, "pk", None)
        if claim.status == IN_REVIEW:
            if mine:
                return gettext("This claim is in review: withdraw it from review to change it.")
            if not editor:
                return gettext(
                    "This claim is in review: only an editor can change it until it is withdrawn or sent back."
                )
            return None
        if claim.assignee_id is not None and not mine and not editor:
            return (
                f"This claim is assigned to {display_name(claim.assignee)}: only they or an editor can change it "
                "(ask an editor to reassign it)."
            )
        return None

    def instance_filter(self, user: AnyUser | None, action: str) -> Q | None:
        if action in ("view", "export") and role_of(user) < Role.FACT_CHECKER:
            return Q(status=PUBLISHED)
        if action == "delete" and role_of(user) < Role.EDITOR:
            return Q(created_by_id=getattr(user, "pk", None)) & ~Q(status=PUBLISHED)
        if action == "change":
            uid = getattr(user, "pk", None)
            if role_of(user) >= Role.EDITOR:
                return ~Q(status=IN_REVIEW, assignee_id=uid)
            return ~Q(status=IN_REVIEW) & (Q(assignee__isnull=True) | Q(assignee_id=uid))
        return None

    def visible(self, user: AnyUser | None, claims: QuerySet[M]) -> QuerySet[M]:
        """Narrow any claim queryset (an article's claims, search hits) to what the user may see."""
        if not self.user_has_permission(user, "view"):
            return claims.none()
        condition = self.instance_filter(user, "view")
        return claims if condition is None else claims.filter(condition)


class CorrectionPolicy(PermissionPolicy[M]):
    """Corrections of published claims: the desk proposes them, a second person reviews them.

    Anyone on the desk proposes a correction ("add"); an editor who did not propose it
    publishes or rejects it ("review": the two-person rule for corrections); only its
    proposer withdraws it. Nobody edits or deletes a correction by hand: once published it
    is part of the public record.
    """

    roles = {
        "view": Role.FACT_CHECKER,
        "add": Role.FACT_CHECKER,
        "review": Role.EDITOR,
        "withdraw": Role.FACT_CHECKER,
        "change": Role.ADMIN,
        "delete": Role.ADMIN,
    }
    refusals = {
        "view": gettext_lazy("Only the desk sees proposed corrections."),
        "add": gettext_lazy("Only fact-checkers and editors can propose corrections."),
        "review": gettext_lazy("Only editors can publish or reject corrections."),
        "withdraw": gettext_lazy("Only the person who proposed a correction can withdraw it."),
    }

    def instance_allows(self, user: AnyUser | None, action: str, instance: M) -> bool:
        return self.instance_refusal(user, action, instance) is None

    def instance_refusal(self, user: AnyUser | None, action: str, instance: M) -> str | None:
        proposer = getattr(instance, "proposed_by_id", None)
        mine = proposer is not None and proposer == getattr(user, "pk", None)
        if action == "review" and mine:
            return gettext("You proposed this correction: another editor must publish or reject it (two-person rule).")
        if action == "withdraw" and not mine:
            return self.refusal("withdraw")
        return None

    def instance_filter(self, user: AnyUser | None, action: str) -> Q | None:
        uid = getattr(user, "pk", None)
        if action == "review":
            return ~Q(proposed_by_id=uid) | Q(proposed_by__isnull=True)
        if action == "withdraw":
            return Q(proposed_by_id=uid)
        return None


class OwnedPolicy(PermissionPolicy[M]):
    """Objects that belong to one user (notifications, jobs): the owner, and admins, see them."""

    roles = {"view": Role.READER, "change": Role.READER, "delete": Role.READER}
    refusals = {"view": gettext_lazy("This belongs to someone else.")}

    def __init__(self, model: type[M], owner_field: str) -> None:
        super().__init__(model)
        self.owner_field = owner_field

    def instance_allows(self, user: AnyUser | None, action: str, instance: M) -> bool:
        return role_of(user) >= Role.ADMIN or getattr(instance, f"{self.owner_field}_id") == getattr(user, "pk", None)

    def instance_filter(self, user: AnyUser | None, action: str) -> Q | None:
        if role_of(user) >= Role.ADMIN:
            return None
        return Q(**{f"{self.owner_field}_id": getattr(user, "pk", None)})


class UserPolicy(PermissionPolicy[M]):
    """Accounts and roles: managed by admins only."""

    roles = {"view": Role.ADMIN, "add": Role.ADMIN, "change": Role.ADMIN, "delete": Role.ADMIN, "manage": Role.ADMIN}
    refusals = {"manage": gettext_lazy("Only admins can manage users.")}


class AdminOnlyPolicy(PermissionPolicy[M]):
    """Configuration and records kept by admins (the rating scale, history, access logs)."""

    roles = {"view": Role.ADMIN, "add": Role.ADMIN, "change": Role.ADMIN, "delete": Role.ADMIN}


# --- Django's permission API answered by the policies ------------------------------------

#: "app_label.model_name" -> the policy that answers for that model.
_REGISTRY: dict[str, PermissionPolicy[Any]] = {}
#: Django's four model actions -> the policy action that decides them in the admin.
ADMIN_ACTIONS = {"view": "view", "add": "add", "change": "change", "delete": "delete"}


def register(policy: PermissionPolicy[Any], *models_: type[models.Model]) -> PermissionPolicy[Any]:
    """Make ``policy`` answer ``user.has_perm()`` for ``models_`` (default: the policy's own model)."""
    for model in models_ or (policy.model,):
        _REGISTRY[model._meta.label_lower] = policy
    return policy


def policy_for(model: type[models.Model]) -> PermissionPolicy[Any] | None:
    """The registered policy of ``model``, if any."""
    return _REGISTRY.get(model._meta.label_lower)


def registered_labels() -> Iterable[str]:
    return tuple(_REGISTRY)


class PolicyBackend(ModelBackend):
    """Authenticates like Django's ModelBackend, but answers ``has_perm`` from the policies.

    Django's per-group model permissions are not consulted: a role means what the
    policies say, in the admin as everywhere else. ``app_label.<action>_<model>`` maps to
    the model's policy and the action (``view``, ``add``, ``change``, ``delete``); models
    without a policy are the admins' only. Active superusers pass every check (Django's
    own rule, applied before any backend).
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        app_label, _, codename = perm.partition(".")
        action, _, model_name = codename.partition("_")
        policy = _REGISTRY.get(f"{app_label}.{model_name}")
        if policy is None or action not in ADMIN_ACTIONS or action not in policy.roles:
            return is_admin(user_obj)
        if obj is None:
            return policy.user_has_permission(user_obj, action)
        return policy.user_has_permission_for_instance(user_obj, action, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if is_admin(user_obj):
            return True
        prefix = f"{app_label}."
        return any(
            label.startswith(prefix) and policy.user_has_permission(user_obj, "view") and "view" in policy.roles
            for label, policy in _REGISTRY.items()
        )
