"""A paginator that counts up to a limit: the desk's long lists cost the same at any size.

Django's :class:`~django.core.paginator.Paginator` counts every row a list matches before
showing its first page. At 1,000,000 claims that count was most of the article list's and
the review queue's time (a count reads every matching row; the page reads 25). A
:class:`CappedPaginator` counts at most ``limit`` rows past the page asked for, and says
so: "More than 1,000 articles", "Page 1 of more than 40". The pages beyond the count stay
reachable one at a time ("Next"), each counting a little further.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator whose ``count`` stops after ``limit`` rows (or after the page asked for, if further).

    ``more`` says whether rows were left uncounted; ``count_floor`` and ``pages_floor`` are then
    what the page can honestly show: more than that many rows, more than that many pages.
    Query count: one capped count (``SELECT COUNT(*) FROM (… LIMIT n)``) and the page itself.
    """

    def __init__(self, object_list: Any, per_page: int, *, limit: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self._wanted = 1

    def get_page(self, number: Any) -> Page:
        try:
            self._wanted = max(1, int(number))
        except (TypeError, ValueError):
            self._wanted = 1
        return super().get_page(number)

    def page(self, number: Any) -> Page:
        # Paginator.page() alone (without get_page) must count far enough for ``number`` too.
        if "count" not in self.__dict__:
            with contextlib.suppress(TypeError, ValueError):
                self._wanted = max(self._wanted, int(number))
        return super().page(number)

    @property
    def ceiling(self) -> int:
        """How many rows are counted at most: ``limit``, or up to the end of the page asked for."""
        return max(self.limit, self._wanted * self.per_page)

    @cached_property
    def count(self) -> int:
        """The rows, counted up to one past :attr:`ceiling` (that one row says there are more)."""
        ceiling = self.ceiling
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Primary keys only, unordered: no annotation (the review queue's per-row subqueries)
            # is computed for the count, and the database stops after ceiling + 1 rows.
            return rows.order_by().values("pk")[: ceiling + 1].count()
        return len(rows[: ceiling + 1])

    @property
    def more(self) -> bool:
        """Whether there are rows beyond those counted."""
        return self.count > self.ceiling

    @property
    def count_floor(self) -> int:
        """What "more than N rows" names when :attr:`more`: every row counted but the one past the ceiling."""
        return min(self.count, self.ceiling)

    @property
    def pages_floor(self) -> int:
        """What "more than N pages" names when :attr:`more`: the full pages counted."""
        return self.count_floor // self.per_page
