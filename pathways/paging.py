"""Paging for every list: pages of about 50 rows, page N costing what page 1 costs.

`Explained` lets a ranked queryset be paged by the database while each row of the page is
turned into what the page shows (a score explained, a rank) in one batch: Django's and DRF's
paginators only need `count()` and slicing, and exports iterate it in chunks.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice

from django.core.paginator import Page, Paginator

PER_PAGE = 50
CHUNK = 500


class Explained(Sequence):
    """A queryset whose rows are explained a slice at a time: `explain(rows, first_rank)`."""

    def __init__(self, queryset, explain: Callable[[list, int], list]):
        self.queryset = queryset
        self.explain = explain
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("Explained rows are sliced without a step.")
            start = key.start or 0
            return self.explain(list(self.queryset[key]), start + 1)
        rows = self[key:key + 1]
        if not rows:
            raise IndexError(key)
        return rows[0]

    def __iter__(self) -> Iterator:
        """Every row, fetched and explained CHUNK at a time (for exports)."""
        rows = self.queryset.iterator(chunk_size=CHUNK)
        rank = 1
        while chunk := list(islice(rows, CHUNK)):
            yield from self.explain(chunk, rank)
            rank += len(chunk)

    def first(self):
        rows = self[0:1]
        return rows[0] if rows else None


def page(request, items, per_page: int = PER_PAGE) -> Page:
    """The page the request asks for (`?page=`), the last one when it asks past the end."""
    current = Paginator(items, per_page).get_page(request.GET.get("page"))
    current.links = list(current.paginator.get_elided_page_range(current.number, on_each_side=2,
                                                                 on_ends=1))
    return current
