"""Paging for every list: pages of about 50 rows, page N costing what page 1 costs.

`Explained` lets a ranked queryset be paged by the database while each row of the page is
turned into what the page shows (a score explained, a rank) in one batch: Django's and DRF's
paginators only need `count()` and slicing, and exports iterate it in chunks.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice

from django.core.paginator import Page, Paginator
from django.db.models import CharField
from django.db.models.functions import Cast
from django.db.models.sql.where import WhereNode

PER_PAGE = 50
CHUNK = 2000


class PagedRows(Sequence):
    """Rows that Django's and DRF's paginators can page: a cached `count()` and slicing. A
    subclass says how to fetch one slice (`rows`) and may count differently (`total`)."""

    def __init__(self, queryset=None):
        self.queryset = queryset
        self._count: int | None = None

    def total(self) -> int:
        return self.queryset.count()

    def rows(self, key: slice) -> list:
        raise NotImplementedError

    def count(self) -> int:
        if self._count is None:
            self._count = self.total()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("Paged rows are sliced without a step.")
            return self.rows(key)
        found = self.rows(slice(key, key + 1))
        if not found:
            raise IndexError(key)
        return found[0]

    def first(self):
        found = self.rows(slice(0, 1))
        return found[0] if found else None


class Explained(PagedRows):
    """A queryset whose rows are explained a slice at a time: `explain(rows, first_rank)`."""

    def __init__(self, queryset, explain: Callable[[list, int], list], counted=None):
        super().__init__(queryset)
        self.explain = explain
        self.counted = counted      # the same rows without the ranking's joins, to count

    def total(self) -> int:
        return (self.counted if self.counted is not None else self.queryset).count()

    def rows(self, key: slice) -> list:
        return self.explain(list(self.queryset[key]), (key.start or 0) + 1)

    def __iter__(self) -> Iterator:
        """Every row, fetched and explained CHUNK at a time (for exports)."""
        rows = self.queryset.iterator(chunk_size=CHUNK)
        rank = 1
        while chunk := list(islice(rows, CHUNK)):
            yield from self.explain(chunk, rank)
            rank += len(chunk)


def _keys_as_text(queryset):
    """The queryset's primary keys as text, made text by the database. A ranked list reads
    every candidate's key on each request (some 700 on the queue at national scale ×10), and a
    UUID made text in Python costs half a microsecond more than the database's own text: 0.4 ms
    a request. Each database writes its own text for a key (PostgreSQL a UUID with dashes,
    SQLite without), which is why keys are only compared with keys the same database wrote."""
    return queryset.annotate(key_text=Cast("pk", output_field=CharField())).values_list(
        "key_text", flat=True)


class KeptOrder(PagedRows):
    """A ranked list whose order over every candidate is worked out once and kept in the cache
    under a version that moves with the facts behind the ranking; each request reads only which
    rows are in view now (`members`, live: scope and filters) and the page's rows by key.

    `order()` is the ranked queryset of every candidate, whoever is asking; `read` reads rows
    by key (the page's joins, no ranking); `explain(rows, first_rank)` as for Explained. A row
    in view that the kept order does not hold means the order is older than the data: it is
    worked out again at once. With no version (the cache is away) nothing is kept and the order
    is worked out on each request.
    """

    KEPT_SECONDS = 300

    def __init__(self, members, order: Callable, read, explain: Callable[[list, int], list], *,
                 key: tuple, version: str | None):
        super().__init__(members)
        self.order, self.read, self.explain = order, read, explain
        self.key, self.version = ":".join(["ranked", *map(str, key)]), version
        self._keys: list | None = None

    def _order(self, fresh: bool = False) -> dict[str, int]:
        from django.core.cache import cache

        kept = None if fresh or self.version is None else cache.get(self.key)
        if kept is None or kept[0] != self.version:
            kept = (self.version, list(_keys_as_text(self.order())))
            if self.version is not None:
                cache.set(self.key, kept, self.KEPT_SECONDS)
        return {pk: at for at, pk in enumerate(kept[1])}

    def keys(self) -> list[str]:
        """The keys of the rows in view, in the ranking's order."""
        if self._keys is None:
            members = list(_keys_as_text(self.queryset.order_by()))
            position = self._order()
            if any(pk not in position for pk in members):
                position = self._order(fresh=True)
            self._keys = sorted((pk for pk in members if pk in position), key=position.__getitem__)
        return self._keys

    def total(self) -> int:
        return len(self.keys())

    def _read(self, keys: list[str], first_rank: int, rows=None) -> list:
        """`keys`' rows in that order, explained; read by key unless `rows` are given."""
        keys = [self.read.model._meta.pk.to_python(k) for k in keys]    # the keys' own type
        found = self.read.in_bulk(keys) if rows is None else {row.pk: row for row in rows}
        return self.explain([found[k] for k in keys if k in found], first_rank)

    def rows(self, key: slice) -> list:
        keys = self.keys()[key]
        return self._read(keys, (key.start or 0) + 1) if keys else []

    def __iter__(self) -> Iterator:
        """Every row in view, CHUNK at a time (for exports). When they fit in one chunk they
        are read by the view's own query rather than by a list of every key."""
        keys = self.keys()
        if len(keys) <= CHUNK:
            yield from self._read(keys, 1, self.read.filter(
                pk__in=self.queryset.order_by().values("pk")))
            return
        for start in range(0, len(keys), CHUNK):
            yield from self._read(keys[start:start + CHUNK], start + 1)


class KeysFirst(PagedRows):
    """A queryset paged in two steps: the page's primary keys (read off an index, however deep
    the page), then those rows with their joins. Page 400 then costs what page 1 costs, where a
    plain OFFSET would join every row it skips. The second step reads by key alone, without the
    queryset's filters: fit for querysets whose annotations do not depend on their filters
    (the action lists; an aggregate over a filtered join would not be)."""

    def rows(self, key: slice) -> list:
        keys = list(self.queryset.values_list("pk", flat=True)[key])
        if not keys:
            return []
        # The keys passed every filter (the permission scope among them), so the rows are
        # read by key alone: the filters' subqueries are not run a second time.
        by_key = self.queryset.order_by()
        by_key.query.where = WhereNode()
        found = by_key.in_bulk(keys)     # in_bulk filters by the keys itself
        return [found[k] for k in keys if k in found]

    def __iter__(self) -> Iterator:
        return iter(self.queryset)


# No list has this many pages (at 200 rows a page, 200 million rows). A larger number asked
# for is not a page: its offset would overflow the database's integers (security round 3).
MAX_PAGE = 1_000_000


def whole_number(text, *, largest: int = 2**63 - 1) -> int | None:
    """A positive whole number typed as plain ASCII digits (an id, a page), or None: never
    an exception, whatever was sent, and never more than a database integer holds."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= largest else None


def asked_number(asked) -> int | None:
    """The page number a request asks for (none asked: the first), or None when it is not a
    page number; the paginator then decides which page to show."""
    if asked in (None, ""):
        return 1
    return whole_number(asked, largest=MAX_PAGE)


def page(request, items, per_page: int = PER_PAGE, param: str = "page",
         otherwise: int | None = None) -> Page:
    """The page the request asks for (`?page=`, or `param` for a second list on a page), else
    page `otherwise` (else the first); the last one when it asks past the end."""
    asked = request.GET.get(param) or otherwise
    if asked is not None and str(asked).strip().isdigit() and asked_number(asked) is None:
        asked = MAX_PAGE + 1     # past every end (or 0): the paginator shows the last page
    if hasattr(items, "expect"):    # rows that can count and read the asked page in one go
        items.expect(asked, per_page)
    current = Paginator(items, per_page).get_page(asked)
    current.links = list(current.paginator.get_elided_page_range(current.number, on_each_side=2,
                                                                 on_ends=1))
    return current


def without_long_texts(queryset, *related: str, own: bool = True):
    """The queryset with the long text and JSON columns of the `related` models (select_related
    paths) and, if `own`, of its own model left in the database, for a list that shows none of
    them."""
    from django.db.models import JSONField, TextField

    def texts(model, prefix=""):
        return [prefix + f.name for f in model._meta.concrete_fields
                if isinstance(f, TextField | JSONField)]

    names = texts(queryset.model) if own else []
    for path in related:
        model = queryset.model
        for part in path.split("__"):
            model = model._meta.get_field(part).related_model
        names += texts(model, f"{path}__")
    return queryset.defer(*names)
