"""Is it getting better, where, and for whom? Month-by-month series for the oversight group.

Every series is figured from the records Pathways already keeps (episodes of long-term
segregation, referrals, reviews, actions and their updates, intervenor cases), never from a
second copy that could drift. Each month-end census is one query over a calendar of month ends
joined to the records, whatever the number of months; event counts are grouped by month in the
database. About a dozen queries in all, kept like the dashboard's figures (decision 0012).

- The months are the last MONTHS complete calendar months (the current month is not over).
- The national series ("England") is drawn as an XmR chart by NHS England's Making Data Count
  rules (oversight.spc), with the rebases the group has marked.
- The breakdowns (by NHS England region for every series; by broad ethnic group and by sex for
  people in LTS) are counts about few people: each month's breakdown is suppressed as the
  equality page suppresses, primary and secondary, against its published national total
  (oversight.suppression). No figure is published for a row total over months, so months do
  not combine to uncover a hidden count. A month too small to protect that way (say, 3 people
  nationally) has its breakdown "not published". A median or a share whose base is under 5, or whose
  count is hidden, is hidden too.
- Regions: people in LTS, LTS begun and ended by the unit of the episode; referrals, reviews
  and actions by the person's current unit, as the dashboard filters them.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Region
from intervenors.models import IntervenorCase
from referrals.models import LtsEpisode, ProtectedCharacteristics, Referral
from reviews.models import Action, ActionStatus, ActionUpdate, Review

from . import spc
from .equality import BROAD_ETHNIC_GROUPS
from .numbers import median_days
from .suppression import SUPPRESS_BELOW, SUPPRESSED, suppress_counts

MONTHS = 36
ENGLAND = "England"
NOT_KNOWN = "Not known"
REGION, ETHNIC_GROUP, SEX = "Region", "Ethnic group (broad)", "Sex"
NOT_PUBLISHED = "not published"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str                   # how a value reads: "people", "days", "%", …
    better: str | None          # spc.UP, spc.DOWN or None (neither direction is better)
    breakdowns: tuple = (REGION,)
    count: bool = True          # a count (suppressed by group), or a median or share
    base: str = ""              # for a median or share, the count it is figured from
    about: str = ""

    @property
    def better_words(self) -> str:
        return {spc.UP: "Higher is better", spc.DOWN: "Lower is better"}.get(
            self.better, "Neither direction is better in itself")


MEASURES = [
    Measure("in_lts", "People in long-term segregation at month end", "people", spc.DOWN,
            (REGION, ETHNIC_GROUP, SEX),
            about="Everyone with an episode of LTS begun by the month's last day and not ended "
                  "before the next: the dashboard's figure, taken on each month's last day."),
    Measure("began", "Long-term segregation begun", "people", spc.DOWN,
            about="New spells of LTS that began in the month. A move to another unit is the "
                  "same spell, not a new one."),
    Measure("ended", "Long-term segregation ended", "people", spc.UP,
            about="Spells of LTS that ended in the month, however they ended. A move to "
                  "another unit is not an end."),
    Measure("median_days", "Median days in long-term segregation at month end", "days",
            spc.DOWN, count=False, base="in_lts",
            about="Of the people in LTS on the month's last day, the median days since their "
                  "episode began, in whole days (half a day rounds up)."),
    Measure("raised", "Referrals raised", "referrals", None,
            about="Referrals raised in the month, whatever became of them."),
    Measure("accepted", "Referrals accepted", "referrals", None,
            about="Referrals accepted at triage in the month."),
    Measure("to_panel", "Median days from referral to panel", "days", spc.DOWN, count=False,
            base="panels",
            about="For first panels held in the month, the median days since the referral was "
                  "raised."),
    Measure("on_time", "Actions completed by their due date", "%", spc.UP, count=False,
            base="due",
            about="Of the actions due in the month (cancelled ones aside), the share first "
                  "marked complete on or before the due date."),
    Measure("overdue", "Actions overdue at month end", "actions", spc.DOWN,
            about="Actions issued and past their due date on the month's last day, and not "
                  "completed, verified or cancelled by then (an action reopened counts again)."),
    Measure("places", "Intervenor places in use at month end", "places", None, breakdowns=(),
            about="Senior intervenor cases assigned and not closed on the month's last day. "
                  "Places are national, so there is no breakdown by region."),
]
BY_KEY = {m.key: m for m in MEASURES}


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` complete months, oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        starts.append(date(year, month, 1))
    return starts[::-1]


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _moment(day: date) -> datetime:
    """Midnight at the start of `day` where the service runs."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _calendar(ends: list[date], with_moments: bool = False) -> tuple[str, list]:
    """A VALUES list of month ends (and, with `with_moments`, the moment each month ends) for
    the start of a WITH clause: plain SQL that PostgreSQL and SQLite both read."""
    ops = connection.ops
    if connection.vendor == "postgresql":
        row = "(CAST(%s AS date), CAST(%s AS timestamptz))" if with_moments else \
            "(CAST(%s AS date))"
    else:
        row = "(%s, %s)" if with_moments else "(%s)"
    params = []
    for end in ends:
        params.append(ops.adapt_datefield_value(end))
        if with_moments:
            params.append(ops.adapt_datetimefield_value(_moment(end + timedelta(days=1))))
    columns = "month_end, month_over" if with_moments else "month_end"
    return f"months({columns}) AS (VALUES {', '.join([row] * len(ends))})", params


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# The records, month by month -----------------------------------------------------------------

@dataclass
class Raw:
    """Counts by measure, month start and (breakdown, group); medians and shares by the same."""
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    values: dict = field(default_factory=lambda: defaultdict(dict))


def _region_label(code) -> str:
    return dict(Region.choices).get(code or "", NOT_KNOWN)


def _census(raw: Raw, ends: list[date]):
    """People in LTS at each month end, by region, broad ethnic group and sex: one query."""
    with_months, params = _calendar(ends)
    episode, unit = _table(LtsEpisode), _table(LtsEpisode.unit.field.related_model)
    traits = _table(ProtectedCharacteristics)
    sql = f"""
        WITH {with_months}
        SELECT m.month_end, u.region, c.ethnicity, c.sex, COUNT(DISTINCT e.person_id)
        FROM months m
        JOIN {episode} e ON e.start_date <= m.month_end
             AND (e.end_date IS NULL OR e.end_date > m.month_end)
        JOIN {unit} u ON u.id = e.unit_id
        LEFT JOIN {traits} c ON c.person_id = e.person_id
        GROUP BY m.month_end, u.region, c.ethnicity, c.sex"""  # noqa: S608 - table names from the models
    sexes = dict(ProtectedCharacteristics.Sex.choices)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for end, region, ethnicity, sex, n in cursor.fetchall():
            month = _as_date(end).replace(day=1)
            row = raw.counts[("in_lts", month)]
            row[(REGION, _region_label(region))] += n
            row[(ETHNIC_GROUP, BROAD_ETHNIC_GROUPS[ethnicity or "Z"])] += n
            row[(SEX, sexes.get(sex or "not_stated", NOT_KNOWN))] += n


def _median_in_lts(raw: Raw, ends: list[date]):
    """The median days in LTS at each month end, nationally and by region: the database ranks
    each month's episodes by start date and returns only the middle one or two (one query)."""
    with_months, params = _calendar(ends)
    episode, unit = _table(LtsEpisode), _table(LtsEpisode.unit.field.related_model)
    sql = f"""
        WITH {with_months},
        census AS (
            SELECT m.month_end AS month_end, u.region AS region, e.start_date AS start_date
            FROM months m
            JOIN {episode} e ON e.start_date <= m.month_end
                 AND (e.end_date IS NULL OR e.end_date > m.month_end)
            JOIN {unit} u ON u.id = e.unit_id),
        ranked AS (
            SELECT month_end, '' AS region, start_date,
                   ROW_NUMBER() OVER (PARTITION BY month_end ORDER BY start_date) AS rn,
                   COUNT(*) OVER (PARTITION BY month_end) AS n
            FROM census
            UNION ALL
            SELECT month_end, region, start_date,
                   ROW_NUMBER() OVER (PARTITION BY month_end, region ORDER BY start_date),
                   COUNT(*) OVER (PARTITION BY month_end, region)
            FROM census)
        SELECT month_end, region, start_date FROM ranked
        WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2"""  # noqa: S608 - table names from the models
    middle = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for end, region, start in cursor.fetchall():
            end = _as_date(end)
            middle[(end, region)].append((end - _as_date(start)).days)
    for (end, region), days in middle.items():
        group = (ENGLAND, ENGLAND) if region == "" else (REGION, _region_label(region))
        raw.values[("median_days", end.replace(day=1))][group] = median_days(days)


def _by_month(raw: Raw, key: str, rows):
    for month, region, n in rows:
        raw.counts[(key, _as_date(month).replace(day=1))][(REGION, _region_label(region))] += n


def _events(raw: Raw, first: date, last: date):
    """LTS begun and ended, referrals raised and accepted: grouped by month in the database."""
    transferred = LtsEpisode.EndReason.TRANSFERRED
    moved_from = LtsEpisode.objects.filter(person=OuterRef("person"), end_reason=transferred,
                                           end_date=OuterRef("start_date"))
    _by_month(raw, "began", LtsEpisode.objects.filter(start_date__range=(first, last))
              .exclude(Exists(moved_from)).annotate(month=TruncMonth("start_date"))
              .values_list("month", "unit__region").annotate(n=Count("pk")).order_by())
    _by_month(raw, "ended", LtsEpisode.objects.filter(end_date__range=(first, last))
              .exclude(end_reason=transferred).annotate(month=TruncMonth("end_date"))
              .values_list("month", "unit__region").annotate(n=Count("pk")).order_by())
    start, over = _moment(first), _moment(last + timedelta(days=1))
    _by_month(raw, "raised", Referral.objects.filter(raised_at__gte=start, raised_at__lt=over)
              .annotate(month=TruncMonth("raised_at")).values_list(
                  "month", "person__current_unit__region").annotate(n=Count("pk")).order_by())
    _by_month(raw, "accepted", Referral.objects.filter(triaged_at__gte=start, triaged_at__lt=over)
              .exclude(route="").annotate(month=TruncMonth("triaged_at")).values_list(
                  "month", "person__current_unit__region").annotate(n=Count("pk")).order_by())


def _medians_and_shares(raw: Raw, first: date, last: date):
    """Days from referral to first panel, and actions done by their due date: plain values of
    the panels and actions in the window (two queries), grouped here."""
    panels = defaultdict(list)
    for held_on, raised_at, region in Review.objects.filter(
            follows__isnull=True, held_on__range=(first, last)).values_list(
            "held_on", "referral__raised_at", "person__current_unit__region"):
        days = (held_on - timezone.localdate(raised_at)).days
        month = held_on.replace(day=1)
        panels[(month, (ENGLAND, ENGLAND))].append(days)
        panels[(month, (REGION, _region_label(region)))].append(days)
    for (month, group), days in panels.items():
        raw.counts[("panels", month)][group] += len(days)
        if len(days) >= SUPPRESS_BELOW:
            raw.values[("to_panel", month)][group] = median_days(days)
    done = {}
    for action, at in ActionUpdate.objects.filter(
            new_status=ActionStatus.COMPLETED, action__due_date__range=(first, last)).exclude(
            action__status=ActionStatus.CANCELLED).values_list("action_id", "created_at"):
        day = timezone.localdate(at)
        done[action] = min(done.get(action, day), day)
    due = Counter()
    on_time = Counter()
    for pk, due_date, region in (Action.objects.filter(due_date__range=(first, last))
                                 .exclude(status=ActionStatus.CANCELLED)
                                 .values_list("pk", "due_date",
                                              "person__current_unit__region")):
        month = due_date.replace(day=1)
        ok = pk in done and done[pk] <= due_date
        for group in ((ENGLAND, ENGLAND), (REGION, _region_label(region))):
            due[(month, group)] += 1
            on_time[(month, group)] += ok
    for (month, group), n in due.items():
        raw.counts[("due", month)][group] += n
        if n >= SUPPRESS_BELOW:
            raw.values[("on_time", month)][group] = round(100 * on_time[(month, group)] / n)


def _overdue(raw: Raw, ends: list[date]):
    """Actions overdue at each month end: issued by then, due before it, and not closed by a
    completion, verification or cancellation that no reopening undid before it (one query)."""
    with_months, params = _calendar(ends, with_moments=True)
    action = _table(Action)
    update = _table(Action.updates.field.model)
    person = _table(Review.person.field.related_model)
    unit = _table(LtsEpisode.unit.field.related_model)
    closed = "('completed', 'verified', 'cancelled')"
    reopened = "('open', 'in_progress')"
    sql = f"""
        WITH {with_months}
        SELECT m.month_end, u.region, COUNT(*)
        FROM months m
        JOIN {action} a ON a.due_date < m.month_end AND a.issued_on <= m.month_end
        JOIN {person} p ON p.id = a.person_id
        LEFT JOIN {unit} u ON u.id = p.current_unit_id
        WHERE NOT EXISTS (
            SELECT 1 FROM {update} c
            WHERE c.action_id = a.id AND c.new_status IN {closed}
              AND c.created_at < m.month_over
              AND NOT EXISTS (
                  SELECT 1 FROM {update} o
                  WHERE o.action_id = a.id AND o.new_status IN {reopened}
                    AND o.created_at > c.created_at AND o.created_at < m.month_over))
        GROUP BY m.month_end, u.region"""  # noqa: S608 - table names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _by_month(raw, "overdue", cursor.fetchall())


def _places(raw: Raw, ends: list[date]):
    """Intervenor places in use at each month end: cases assigned by then and not closed."""
    with_months, params = _calendar(ends, with_moments=True)
    case = _table(IntervenorCase)
    sql = f"""
        WITH {with_months}
        SELECT m.month_end, COUNT(c.id)
        FROM months m
        LEFT JOIN {case} c ON c.assigned_on < m.month_over AND c.intervenor_id IS NOT NULL
             AND (c.closed_on IS NULL OR c.closed_on >= m.month_over)
        GROUP BY m.month_end"""  # noqa: S608 - table names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for end, n in cursor.fetchall():
            raw.counts[("places", _as_date(end).replace(day=1))][(ENGLAND, ENGLAND)] += n


def gather(today: date, count: int = MONTHS) -> tuple[list[date], Raw]:
    months = month_starts(today, count)
    ends = [month_end(m) for m in months]
    raw = Raw()
    _census(raw, ends)
    _median_in_lts(raw, ends)
    _events(raw, months[0], ends[-1])
    _medians_and_shares(raw, months[0], ends[-1])
    _overdue(raw, ends)
    _places(raw, ends)
    return months, raw


# Published figures ---------------------------------------------------------------------------

def _groups(measure: Measure, breakdown: str) -> list[str]:
    if breakdown == REGION:
        return [label for _, label in Region.choices]
    if breakdown == ETHNIC_GROUP:
        return list(dict.fromkeys(BROAD_ETHNIC_GROUPS.values()))
    return [label for _, label in ProtectedCharacteristics.Sex.choices]


def _national(measure: Measure, month: date, raw: Raw):
    if measure.count:
        counts = raw.counts.get((measure.key, month), {})
        if (ENGLAND, ENGLAND) in counts:
            return counts[(ENGLAND, ENGLAND)]
        # The national count is the sum of one breakdown's groups (every record has one).
        first = measure.breakdowns[0] if measure.breakdowns else REGION
        return sum(n for (b, _), n in counts.items() if b == first)
    return raw.values.get((measure.key, month), {}).get((ENGLAND, ENGLAND))


def _breakdown(measure: Measure, breakdown: str, month: date, raw: Raw) -> dict[str, object]:
    """One month's published figures for a breakdown: counts suppressed against the national
    total; a median or share hidden when its base count is hidden or under 5."""
    base_key = measure.key if measure.count else measure.base
    counts = raw.counts.get((base_key, month), {})
    labels = _groups(measure, breakdown)
    extra = sorted({g for (b, g) in counts if b == breakdown} - set(labels))
    labels += extra
    column = {label: counts.get((breakdown, label), 0) for label in labels}
    hidden, total_hidden = suppress_counts(column, total_hidden=False)
    if total_hidden:
        # Too few in the month to hide some groups and show the rest (the national figure,
        # published beside it, would give them away): the month's breakdown is not published.
        return dict.fromkeys(column, NOT_PUBLISHED if measure.count else None)
    if measure.count:
        return {label: SUPPRESSED if label in hidden else n for label, n in column.items()}
    values = raw.values.get((measure.key, month), {})
    out = {}
    for label, n in column.items():
        if label in hidden:
            out[label] = SUPPRESSED
        elif n < SUPPRESS_BELOW:
            out[label] = None
        else:
            out[label] = values.get((breakdown, label))
    return out


@dataclass
class Series:
    measure: Measure
    months: list[date]
    points: list[spc.Point]
    icon: dict
    breakdowns: dict            # breakdown -> {"groups": [...], "rows": [(month, [values])]}
    rebases: list               # (month, reason, by, when)
    sentence: str = ""

    @property
    def rows(self):
        return list(zip(self.months, self.points, strict=True))


def _sentence(measure: Measure, months: list[date], points: list[spc.Point]) -> str:
    """What the chart says, in one sentence the meeting pack can print."""
    present = [(m, p) for m, p in zip(months, points, strict=True) if p.value is not None]
    if len(present) < 2:
        return "Not enough months with figures to say."
    last_month, last = present[-1]
    if not last.rule:
        flagged = [m for m, p in present if p.rule]
        if flagged:
            return (f"Common cause variation: no special cause since {flagged[-1]:%B %Y}, "
                    f"the last month flagged.")
        return f"Common cause variation: no special cause in {len(present)} months."
    stretch = [last_month]
    for m, p in reversed(present[:-1]):
        if p.variation != last.variation or p.high != last.high or not p.rule:
            break
        stretch.append(m)
    kind = {"improvement": "improvement", "concern": "concern"}.get(last.variation, "")
    label = f"Special cause {kind}" if kind else "Special cause variation"
    months_words = f"{len(stretch)} month{'s' if len(stretch) != 1 else ''}"
    rules = {p.rule for m, p in present if m in stretch}
    if rules <= {"run_above", "run_below"}:
        what = f"{months_words} {'above' if last.high else 'below'} the mean"
    else:
        what = f"{months_words} flagged in a row; the latest is {last.rule_words}"
    return f"{label} since {stretch[-1]:%B %Y}: {what}."


def series(today: date, rebases: dict[str, list] | None = None) -> list[Series]:
    """Every measure's national XmR series and its breakdowns, for the 36 complete months."""
    months, raw = gather(today)
    rebases = rebases or {}
    found = []
    for measure in MEASURES:
        values = [_national(measure, m, raw) for m in months]
        marks = rebases.get(measure.key, [])
        starts = {months.index(r["month"]) for r in marks if r["month"] in months}
        points = spc.xmr(values, better=measure.better, rebases=starts)
        tables = {}
        for breakdown in measure.breakdowns:
            per_month = [(m, _breakdown(measure, breakdown, m, raw)) for m in months]
            groups = list(per_month[0][1]) if per_month else []
            for _, cells in per_month:
                groups += [g for g in cells if g not in groups]
            tables[breakdown] = {"groups": groups, "rows": [
                (m, [cells.get(g, 0 if measure.count else None) for g in groups])
                for m, cells in per_month]}
        found.append(Series(measure, months, points, spc.icon(points, measure.better), tables,
                            marks, _sentence(measure, months, points)))
    return found


def csv_rows(found: list[Series]) -> list[list]:
    """measure, group, month, value, mean, lower_limit, upper_limit, special_cause: the
    national series with its SPC; each breakdown's groups with their values alone."""
    rows = []
    for s in found:
        for month, p in s.rows:
            rows.append([s.measure.key, ENGLAND, f"{month:%Y-%m}", _number(p.value),
                         _number(p.mean), _number(p.lower), _number(p.upper), p.rule])
        for breakdown, table in s.breakdowns.items():
            for month, values in table["rows"]:
                for group, value in zip(table["groups"], values, strict=True):
                    rows.append([s.measure.key, f"{breakdown}: {group}", f"{month:%Y-%m}",
                                 _number(value), None, None, None, ""])
    return rows


CSV_HEADER = ["measure", "group", "month", "value", "mean", "lower_limit", "upper_limit",
              "special_cause"]


def _number(value):
    if value is None or value in (SUPPRESSED, NOT_PUBLISHED):
        return value
    return round(value, 2) if isinstance(value, float) else value
