"""The fact-check policies: the rules of :mod:`factcheck.permissions` bound to this layer's models.

Everything above ``articles`` asks these objects (``claim_policy.user_has_permission_for_instance``,
``claim_policy.visible``, ``claim_policy.users_with_permission``...). Registering them makes
the admin's ``user.has_perm()`` answer from the same rules.
"""

from __future__ import annotations

from annotations.models import (
    Claim,
    ClaimCorrection,
    ClaimEvent,
    ClaimGroup,
    Comment,
    Notification,
    RatingLabel,
    Source,
    SuggestionDismissal,
)
from factcheck.permissions import AdminOnlyPolicy, ClaimPolicy, CorrectionPolicy, OwnedPolicy, register

claim_policy: ClaimPolicy[Claim] = ClaimPolicy(Claim)
correction_policy: CorrectionPolicy[ClaimCorrection] = CorrectionPolicy(ClaimCorrection)
notification_policy: OwnedPolicy[Notification] = OwnedPolicy(Notification, owner_field="recipient")

# Sources, comments, links and dismissed suggestions are part of a claim's research: the admin
# asks the claim rules for them (the services enforce the finer, per-claim ones).
register(claim_policy, Claim, Source, Comment, ClaimGroup, SuggestionDismissal)
register(notification_policy)
register(correction_policy)
register(AdminOnlyPolicy(RatingLabel))
register(AdminOnlyPolicy(ClaimEvent))
