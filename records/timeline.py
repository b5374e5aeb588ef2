"""One timeline per person: history rows and decisions merged in time order, with who and why.

Each source is a queryset; a page reads its rows of every kind, and the count of all, in one
query over all of them, so it costs the same number of queries however long the person's
history is.
Events about reviews and intervenor cases appear only to people who may see those records.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connections
from django.db.models import CharField, DateTimeField, F, IntegerField, Q, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone

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
    """One kind of row on the timeline: its rows (a queryset), the column that dates them, the
    few columns an event shows (`shown`, as SHOWN names them) and how those read (`event`)."""
    kind: str
    rows: object
    at: str
    shown: dict
    event: object            # the shown values, by SHOWN name -> Event


# What a page reads of each of its rows, the same columns for every kind, so that the page's
# rows of every kind are read in one query: when, who (their names), why, and up to four
# values the title is made of (as text, whatever their type).
SHOWN = ("tl_what", "tl_a", "tl_b", "tl_c", "tl_first", "tl_last", "tl_username", "tl_reason")
PAGE_COLUMNS = ("tl_at", "tl_source", "tl_key", *SHOWN)
ORDER = ("tl_at", "tl_source", "tl_key")        # oldest first; a tie keeps one order
WHEN = Value(None, output_field=DateTimeField())    # tl_at's type, to read it from the database
TEXT = TextField()      # one instance serves every cast (a field costs ~10 µs to make)


def _text(field: str | None):
    return Cast(field, TEXT) if field is not None else Value(None, output_field=TEXT)


def _shown(who: str, reason: str, *values: str) -> dict:
    """The SHOWN columns of a kind of row: its person's (`who`) names, its reason and the
    fields its title shows, in order."""
    values = (*values, *[None] * (4 - len(values)))
    return {"tl_what": _text(values[0]), "tl_a": _text(values[1]), "tl_b": _text(values[2]),
            "tl_c": _text(values[3]), "tl_first": _text(f"{who}__first_name"),
            "tl_last": _text(f"{who}__last_name"), "tl_username": _text(f"{who}__username"),
            "tl_reason": _text(reason)}


def _named(v: dict) -> str:
    """A person as str(User) names them: full name, else username."""
    return f"{v['tl_first'] or ''} {v['tl_last'] or ''}".strip() or v["tl_username"]


def _labels(model, field: str):
    """value -> its display label, as get_FOO_display() reads it."""
    labels = dict(model._meta.get_field(field).flatchoices)
    return lambda value: str(labels.get(value, value))


def _day(value: str | None) -> str:
    return f"{date.fromisoformat(value):%d %b %Y}" if value else ""


def _history(model, kind, label, describe=lambda v: "", fields=(), **filters) -> Source:
    """Changes to `model`'s rows from its history table; `describe` reads `fields` (tl_a,
    tl_b, tl_c in order) into the end of the title."""
    def event(v) -> Event:
        return Event(v["tl_at"], kind, f"{label} {VERBS[v['tl_what']]}{describe(v)}",
                     _named(v) if v["tl_username"] is not None else "Pathways system",
                     v["tl_reason"] or "")

    return Source(kind, model.history.model.objects.filter(**filters), "history_date",
                  _shown("history_user", "history_change_reason", "history_type", *fields),
                  event)


def _status(model):
    label = _labels(model, "status")
    return {"describe": lambda v: f": {label(v['tl_a']).lower()}", "fields": ("status",)}


def _sources(user, person: Person, kinds: set[str]) -> list[Source]:
    found: list[Source] = []
    # The reviews this user may see, with their actions' keys, in one query.
    reviewed = reviews_visible(user).filter(person=person).values_list("pk", "actions__pk")
    review_ids = list(dict.fromkeys(review for review, _ in reviewed))
    case_ids = list(cases_visible(user).filter(person=person).values_list("pk", flat=True))
    # The actions of those reviews, and those agreed on those cases (decision 0027).
    action_ids = [action for _, action in reviewed if action is not None]
    if case_ids:
        action_ids += Action.objects.filter(case_id__in=case_ids).values_list("pk", flat=True)
    if "decision" in kinds:
        # A decision about a review, a case or an action shows only to who may see that record.
        guarded = {"reviews.Review": [str(pk) for pk in review_ids],
                   "intervenors.IntervenorCase": [str(pk) for pk in case_ids],
                   "reviews.Action": [str(pk) for pk in action_ids]}
        seen = ~Q(subject_type__in=list(guarded))
        for subject_type, ids in guarded.items():
            seen |= Q(subject_type=subject_type, subject_id__in=ids)
        found.append(Source("decision", Decision.objects.filter(seen, person=person), "made_at",
                            _shown("actor", "reason", "summary"),
                            lambda v: Event(v["tl_at"], "decision", v["tl_what"], _named(v),
                                            v["tl_reason"])))
    if "referral" in kinds:
        found.append(_history(Person, "referral", "Person record", id=person.pk))
        found.append(_history(Referral, "referral", "Referral", **_status(Referral),
                              person_id=person.pk))
    if "concern" in kinds:
        source, severity, status = (_labels(Concern, f)
                                    for f in ("source", "severity", "status"))
        found.append(_history(Concern, "concern", "Concern",
                              lambda v: f" ({source(v['tl_a']).lower()}, "
                                        f"{severity(v['tl_b']).lower()}): "
                                        f"{status(v['tl_c']).lower()}",
                              ("source", "severity", "status"), person_id=person.pk))
    if "lts" in kinds:
        found.append(_history(LtsEpisode, "lts", "LTS episode",
                              lambda v: f" from {_day(v['tl_a'])}"
                                        + (f" to {_day(v['tl_b'])}" if v["tl_b"] else ""),
                              ("start_date", "end_date"), person_id=person.pk))
    if "rating" in kinds:
        units = LtsEpisode.objects.filter(person=person).values("unit_id")
        rating = _labels(CqcRating, "rating")
        found.append(_history(CqcRating, "rating", "CQC rating",
                              lambda v: f" {rating(v['tl_a'])} (rated {_day(v['tl_b'])})",
                              ("rating", "rated_on"), unit_id__in=units))
    if "review" in kinds:
        found.append(_history(Review, "review", "Review", **_status(Review),
                              id__in=review_ids))
    if "action" in kinds:
        found.append(_history(Action, "action", "Action", **_status(Action),
                              id__in=action_ids))
        found.append(Source("action", ActionUpdate.objects.filter(
            action_id__in=action_ids), "created_at", _shown("author", "text"),
            lambda v: Event(v["tl_at"], "action", "Action update posted", _named(v),
                            v["tl_reason"])))
    if "case" in kinds:
        found.append(_history(IntervenorCase, "case", "Intervenor case",
                              **_status(IntervenorCase), id__in=case_ids))
        activity = _labels(CaseActivity, "kind")
        found.append(Source("case", CaseActivity.objects.filter(case_id__in=case_ids),
                            "created_at", _shown("author", "text", "kind"),
                            lambda v: Event(v["tl_at"], "case",
                                            f"{activity(v['tl_what'])} logged", _named(v),
                                            v["tl_reason"])))
    return found


class Timeline(PagedRows):
    """A person's events, oldest first, a page at a time. Every source's rows are merged in one
    UNION of the few columns events show (SHOWN, with when, which source and the key that order
    them), so a page and the count of every event are read in one query (a window over the
    merged rows), whatever the length of the history and however many kinds are on the page."""

    def __init__(self, sources: list[Source]):
        super().__init__()
        self.sources = sources
        parts = [source.rows.order_by().annotate(
            tl_at=F(source.at), tl_source=Value(n, output_field=IntegerField()),
            tl_key=Cast("pk", CharField()), **source.shown).values_list(*PAGE_COLUMNS)
            for n, source in enumerate(sources)]
        self.merged = parts[0].union(*parts[1:], all=True) if parts else None
        self._expected: slice | None = None
        self._asked: tuple[slice, list] | None = None

    def expect(self, asked, per_page: int) -> None:
        """The page a request asks for, read with the count in one query (a window over the
        merged rows) when the count is first needed; a page past the end is counted apart."""
        if (number := asked_number(asked)) is not None:
            self._expected = slice((number - 1) * per_page, number * per_page)

    def total(self) -> int:
        if self.merged is None:
            return 0
        expected = self._expected
        if expected is not None:
            sql, params = self.merged.query.sql_with_params()
            connection = connections[self.merged.db]
            with connection.cursor() as cursor:
                # Django's own SQL for the merged rows; every value is passed apart.
                windowed = (f"SELECT {', '.join(PAGE_COLUMNS)}, COUNT(*) OVER () "  # noqa: S608
                            f"FROM ({sql}) merged ORDER BY {', '.join(ORDER)} "
                            "LIMIT %s OFFSET %s")
                cursor.execute(windowed, (*params, expected.stop - expected.start,
                                          expected.start))
                found = cursor.fetchall()
            if found:
                # What the ORM would do to the one typed column read raw (SQLite's dates).
                converters = connection.ops.get_db_converters(WHEN)
                page = []
                for *values, _ in found:
                    for convert in converters:
                        values[0] = convert(values[0], WHEN, connection)
                    page.append(values)
                self._asked = (expected, page)
                return found[0][-1]
        return self.merged.count()

    def events_before(self, day: date) -> int:
        """How many events came before `day` began (London time): where the page that holds
        the day's first event sits. One query, asked only when someone goes to a day."""
        began = timezone.make_aware(datetime.combine(day, time.min))
        parts = [source.rows.order_by().filter(**{f"{source.at}__lt": began})
                 .annotate(tl_key=Cast("pk", CharField())).values_list("tl_key")
                 for source in self.sources]
        return parts[0].union(*parts[1:], all=True).count() if parts else 0

    def _read_asked(self, key: slice) -> list | None:
        """The asked page's rows, if `key` is that page (the last page is cut at the count)."""
        if self._asked is None:
            return None
        asked, rows = self._asked
        start = key.start or 0
        if start != asked.start or key.stop is None or key.stop > asked.stop:
            return None
        return rows[:key.stop - start]

    def rows(self, key: slice) -> list:
        if self.merged is None:
            return []
        page = self._read_asked(key)
        if page is None:
            page = self.merged.order_by(*ORDER)[key]
        events = []
        for values in page:
            shown = dict(zip(PAGE_COLUMNS, values, strict=True))
            events.append(self.sources[shown["tl_source"]].event(shown))
        return events

    def __iter__(self):
        return iter(self[0:self.count()])


def person_timeline(user, person: Person, kinds: set[str] | None = None) -> Timeline:
    """The person's events this user may see (of `kinds`, or all), oldest first, pageable."""
    return Timeline(_sources(user, person, kinds or set(KINDS)))
