"""Events the text layer announces; layers above react to them.

``articles`` knows nothing of what points into an article's body. When the body changes,
:func:`articles.corrections.edit_article` sends :data:`article_body_changed` inside its
transaction, so whatever a receiver writes (``annotations`` re-anchors its claims) commits
or rolls back together with the new text. A receiver returns a report object with a
``summary()`` sentence and a ``needs_attention`` flag; the correction report collects them.
"""

from django.dispatch import Signal

#: Sent with ``article`` (the saved, corrected article), ``old_body``, ``user`` and ``source``
#: ("desk" for a correction on the desk, "outlet" for a silent edit a watch caught).
article_body_changed = Signal()

#: Sent by :func:`articles.corrections.edit_article` after :data:`article_body_changed` (same
#: transaction) when the desk corrected the article, with ``article``, ``revision`` (the kept
#: old text) and ``user``. Receivers that only care about *who* changed the text listen here.
article_corrected = Signal()

#: The same, when a watch (:mod:`articles.watching`) found the outlet changed its page silently
#: (``source="outlet"``); ``user`` is None.
article_changed_by_outlet = Signal()
