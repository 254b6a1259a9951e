"""Events the claims layer announces: who reacts (public page caches, a CDN, later webhooks) is not its business.

Both are sent inside the transaction that made the change, like
:data:`articles.signals.article_body_changed`; a receiver that talks to the outside world
waits for the commit (``transaction.on_commit``) so a rolled-back change is never announced.
"""

from django.dispatch import Signal

#: Sent by :func:`annotations.workflow.apply` when a claim is published, with ``claim`` (the
#: saved, published claim) and ``user`` (the editor who published it).
claim_published = Signal()

#: Sent by :func:`annotations.claim_corrections.publish_correction` when a correction of a
#: published claim is published, with ``claim`` (the corrected claim), ``correction`` and ``user``.
claim_corrected = Signal()

#: Sent by :func:`annotations.workflow.apply` when an editor dismisses a claim, with ``claim``
#: (the saved, dismissed claim), ``user`` and ``reason`` (the desk's dismissal reason).
claim_dismissed = Signal()
