"""One timeline per person: history rows and decisions merged in time order, with who and why.

Each source is a queryset; a page reads the merged keys of all of them in one query and then
only its own rows, so it costs the same however long the person's history is.
Events about reviews and intervenor cases appear only to people who may see those records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import CharField, F, IntegerField, Q, Value
from django.db.models.functions import Cast

from audit.models import Decision
from intervenors.models import CaseActivity, IntervenorCase
from intervenors.selectors import cases_visible
from pathways.paging import PagedRows, asked_number
from referrals.models import Concern, CqcRating, LtsEpisode, Person, Referral
from reviews.models import Action, ActionUpdate, Review
from reviews.selectors import reviews_visible

KINDS = {
    "decision": "Decisions",
    "referral": "Referrals",
    "concern": "Concerns",
    "lts": "Segregation and placement",
    "rating": "Unit ratings",
    "review": "Reviews",
    "action": "Actions",
    "case": "Intervenor casework",
}
VERBS = {"+": "recorded", "~": "updated", "-": "removed"}


@dataclass
class Event:
    at: datetime
    kind: str
    title: str
    actor: str
    reason: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Source:
    """One kind of row on the timeline: its rows (a queryset), the column that dates them and
    how a row reads."""
    kind: str
    rows: object
    at: str
    event: object            # row -> Event


def _history(model, kind, label, describe, **filters) -> Source:
    def event(row) -> Event:
        return Event(row.history_date, kind, f"{label} {VERBS[row.history_type]}{describe(row)}",
                     str(row.history_user) if row.history_user else "Pathways system",
                     row.history_change_reason or "")

    return Source(kind, model.history.filter(**filters).select_related("history_user"),
                  "history_date", event)


def _status(row):
    display = getattr(row, "get_status_display", None)
    return f": {display().lower()}" if display else ""


def _sources(user, person: Person, kinds: set[str]) -> list[Source]:
    found: list[Source] = []
    review_ids = list(reviews_visible(user).filter(person=person).values_list("pk", flat=True))
    case_ids = list(cases_visible(user).filter(person=person).values_list("pk", flat=True))
    if "decision" in kinds:
        # A decision about a review, a case or an action shows only to who may see that record.
        action_ids = Action.objects.filter(review_id__in=review_ids).values_list("pk", flat=True)
        guarded = {"reviews.Review": [str(pk) for pk in review_ids],
                   "intervenors.IntervenorCase": [str(pk) for pk in case_ids],
                   "reviews.Action": [str(pk) for pk in action_ids]}
        seen = ~Q(subject_type__in=list(guarded))
        for subject_type, ids in guarded.items():
            seen |= Q(subject_type=subject_type, subject_id__in=ids)
        found.append(Source("decision", Decision.objects.filter(seen, person=person)
                            .select_related("actor"), "made_at",
                            lambda d: Event(d.made_at, "decision", d.summary, str(d.actor),
                                            d.reason)))
    if "referral" in kinds:
        found.append(_history(Person, "referral", "Person record", lambda r: "", id=person.pk))
        found.append(_history(Referral, "referral", "Referral", _status, person_id=person.pk))
    if "concern" in kinds:
        found.append(_history(Concern, "concern", "Concern",
                              lambda r: f" ({r.get_source_display().lower()}, "
                                        f"{r.get_severity_display().lower()}): "
                                        f"{r.get_status_display().lower()}",
                              person_id=person.pk))
    if "lts" in kinds:
        found.append(_history(LtsEpisode, "lts", "LTS episode",
                              lambda r: f" from {r.start_date:%d %b %Y}"
                                        + (f" to {r.end_date:%d %b %Y}" if r.end_date else ""),
                              person_id=person.pk))
    if "rating" in kinds:
        units = LtsEpisode.objects.filter(person=person).values("unit_id")
        found.append(_history(CqcRating, "rating", "CQC rating",
                              lambda r: f" {r.get_rating_display()} (rated {r.rated_on:%d %b %Y})",
                              unit_id__in=units))
    if "review" in kinds:
        found.append(_history(Review, "review", "Review", _status, id__in=review_ids))
    if "action" in kinds:
        found.append(_history(Action, "action", "Action", _status, review_id__in=review_ids))
        found.append(Source("action", ActionUpdate.objects.filter(
            action__review_id__in=review_ids).select_related("author"), "created_at",
            lambda u: Event(u.created_at, "action", "Action update posted", str(u.author),
                            u.text)))
    if "case" in kinds:
        found.append(_history(IntervenorCase, "case", "Intervenor case", _status,
                              id__in=case_ids))
        found.append(Source("case", CaseActivity.objects.filter(case_id__in=case_ids)
                            .select_related("author"), "created_at",
                            lambda a: Event(a.created_at, "case",
                                            f"{a.get_kind_display()} logged", str(a.author),
                                            a.text)))
    return found


class Timeline(PagedRows):
    """A person's events, oldest first, a page at a time. Every source's dates and keys are
    merged and ordered in one UNION query (narrow rows: a date, a number and a key), so a page
    costs one query for its keys, one count and one query for each source with a row on the
    page, whatever the length of the history; only the page's rows are read whole."""

    def __init__(self, sources: list[Source]):
        super().__init__()
        self.sources = sources
        keyed = [source.rows.order_by().annotate(
            tl_at=F(source.at), tl_source=Value(n, output_field=IntegerField()),
            tl_key=Cast("pk", CharField())).values_list("tl_at", "tl_source", "tl_key")
            for n, source in enumerate(sources)]
        self.merged = keyed[0].union(*keyed[1:], all=True) if keyed else None
        self.keys = (self.merged.order_by("tl_at", "tl_source", "tl_key")
                     if keyed else None)
        self._expected: slice | None = None
        self._asked: tuple[slice, list] | None = None

    def expect(self, asked, per_page: int) -> None:
        """The page a request asks for, read with the count in one query (a window over the
        merged keys) when the count is first needed; a page past the end is counted apart."""
        if (number := asked_number(asked)) is not None:
            self._expected = slice((number - 1) * per_page, number * per_page)

    def total(self) -> int:
        if self.keys is None:
            return 0
        expected = self._expected
        if expected is not None:
            sql, params = self.merged.query.sql_with_params()
            with connections[self.merged.db].cursor() as cursor:
                # Django's own SQL for the merged keys; every value is passed apart.
                windowed = (f"SELECT tl_at, tl_source, tl_key, COUNT(*) OVER () "  # noqa: S608
                            f"FROM ({sql}) merged ORDER BY tl_at, tl_source, tl_key "
                            "LIMIT %s OFFSET %s")
                cursor.execute(windowed, (*params, expected.stop - expected.start,
                                          expected.start))
                found = cursor.fetchall()
            if found:
                self._asked = (expected, [row[:3] for row in found])
                return found[0][3]
        return self.keys.count()

    def _read_asked(self, key: slice) -> list | None:
        """The asked page's keys, if `key` is that page (the last page is cut at the count)."""
        if self._asked is None:
            return None
        asked, keys = self._asked
        start = key.start or 0
        if start != asked.start or key.stop is None or key.stop > asked.stop:
            return None
        return keys[:key.stop - start]

    def rows(self, key: slice) -> list:
        if self.keys is None:
            return []
        page = self._read_asked(key)
        if page is None:
            page = list(self.keys[key])
        wanted: dict[int, list[str]] = {}
        for _, n, pk in page:
            wanted.setdefault(n, []).append(pk)
        read = {}
        for n, pks in wanted.items():   # keyed as the database wrote the key (text)
            for row in self.sources[n].rows.filter(pk__in=pks).annotate(
                    tl_key=Cast("pk", CharField())):
                read[n, row.tl_key] = self.sources[n].event(row)
        return [read[n, pk] for _, n, pk in page if (n, pk) in read]

    def __iter__(self):
        return iter(self[0:self.count()])


def person_timeline(user, person: Person, kinds: set[str] | None = None) -> Timeline:
    """The person's events this user may see (of `kinds`, or all), oldest first, pageable."""
    return Timeline(_sources(user, person, kinds or set(KINDS)))
