# ruff: noqa: E501 (the templates' own lines, kept as they were)
"""Rows drawn in Python (the queue, the waiting list, the timeline) write what their templates
wrote: each is compared here with the template text it replaced, on the demo's rows and on
values that need escaping; and the date they write is Django's date filter's, in local time."""
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from intervenors.selectors import waiting_list
from pathways.templatetags.nhsuk import day_month_year
from records.timeline import person_timeline
from referrals.models import Person, Unit
from referrals.selectors import triage_queue

# What the templates wrote before the rows were drawn in Python (the oracle).
QUEUE_ROW = """{% load humanize nhsuk scores links %}
    <tr>
      <td class="num">{{ row.rank }}</td>
      <td><a class="nhsuk-u-nowrap" href="{% link 'referrals:person' row.person.pk %}">{{ row.person.reference }}</a><br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">Age {{ row.priority.age }}</span></td>
      <td class="num app-score">
        <strong>{{ row.priority.score }}</strong>
        {% details "Why" hidden=row.person.reference|concat:" scores "|concat:row.priority.score %}{% score_breakdown row.priority %}{% enddetails %}
      </td>
      <td class="num">{{ row.priority.days_in_lts|intcomma }}</td>
      <td>{{ row.person.current_unit.name|default:"–" }}<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">{{ row.person.current_unit.get_cqc_rating_display }}</span></td>
      <td class="num">{{ row.open_concerns }}</td>
      <td>{{ row.referral.get_requested_route_display }}</td>
      <td>{% if can_triage %}<a href="{% link 'referrals:triage' row.referral.pk %}">Triage<span class="nhsuk-u-visually-hidden"> {{ row.person.reference }}</span></a>{% else %}<a href="{% link 'referrals:detail' row.referral.pk %}">View<span class="nhsuk-u-visually-hidden"> {{ row.person.reference }}</span></a>{% endif %}</td>
    </tr>"""

WAITING_ROW = """{% load humanize nhsuk scores links %}
    <tr>
      <td class="num">{{ row.rank }}</td>
      <td><span class="nhsuk-u-nowrap">{{ row.person.reference }}</span>{% if row.priority.age < 18 %} {% tag "Child: children's intervenor first" "orange" %}{% endif %}<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">Age {{ row.priority.age }}</span></td>
      <td class="num"><strong>{{ row.priority.score }}</strong>
        {% details "Why" hidden=row.person.reference|concat:" scores "|concat:row.priority.score %}{% score_breakdown row.priority %}{% enddetails %}</td>
      <td class="num">{{ row.priority.days_in_lts|intcomma }}</td>
      <td>{{ row.person.current_unit.name|default:"–" }}<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">{{ row.person.current_unit.get_region_display }}</span></td>
      <td>{{ row.case.waiting_since|date:"j M Y" }}</td>
      <td><a href="{% link 'intervenors:case' row.case.pk %}">{% if can_assign %}Assign{% else %}View{% endif %}<span class="nhsuk-u-visually-hidden"> {{ row.person.reference }}</span></a></td>
    </tr>"""

TIMELINE_EVENT = """{% load nhsuk %}
  <li><time datetime="{{ e.at|date:'c' }}">{{ e.at|date:"j M Y H:i" }}</time> · {% tag e.kind_label "grey" %}<br>
    <strong>{{ e.title }}</strong> – by {{ e.actor }}{% if e.reason %}<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">Why: {{ e.reason }}</span>{% endif %}</li>"""

WORK_ROW = """{% load nhsuk %}
    <tr>
      <td><a href="{{ item.url }}">{{ item.step }}<span class="nhsuk-u-visually-hidden"> for {{ item.reference }}</span></a></td>
      <td>{{ item.reference }}{% if item.taken_by %}<br><span class="nhsuk-body-s nhsuk-u-secondary-text-colour">Taken on by {% if item.taken_by == user.get_full_name %}you{% else %}{{ item.taken_by }}{% endif %}</span>{% endif %}</td>
      <td>{% if item.since %}{{ item.since|date:"j M Y" }}{% else %}–{% endif %}</td>
      <td>{% if item.due %}{{ item.due|date:"j M Y" }}{% if item.due < today %} {% tag "Overdue" "red" %}{% endif %}{% else %}–{% endif %}</td>
    </tr>"""


def same_html(text: str) -> str:
    """Whitespace between tags and runs of it do not show in a table cell or a list item."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", text)).strip()


def drawn(oracle: str, tag: str, **context) -> tuple[str, str]:
    names = " ".join(context)
    library = {"queue_row": "rows", "waiting_row": "waiting", "timeline_event": "timeline",
               "work_row": "work"}
    if tag == "work_row":       # as the page asks: the person's name, once
        names = "item user.get_full_name today"
    new = Template(f"{{% load {library[tag]} %}}{{% {tag} {names} %}}")
    return (same_html(Template(oracle).render(Context(context))),
            same_html(new.render(Context(context))))


@pytest.mark.django_db
def test_the_queue_and_waiting_list_rows_are_what_their_templates_wrote(users):
    coordinator = users["coordinator"]
    marked = next(iter(triage_queue(coordinator))).person        # someone on the queue's page
    Unit.objects.filter(pk=marked.current_unit_id).update(name='Ward <b>"7"</b> & annexe')
    Person.objects.filter(pk=marked.pk).update(reference="PW-<i>1</i>")  # escaped, as before
    queue = list(triage_queue(coordinator)[0:50])
    waiting = list(waiting_list(coordinator)[0:50])
    assert queue and waiting and any(r.person.pk == marked.pk for r in queue)
    for row in queue:
        for can_triage in (True, False):
            old, new = drawn(QUEUE_ROW, "queue_row", row=row, can_triage=can_triage)
            assert new == old
    for row in waiting:
        for can_assign in (True, False):
            old, new = drawn(WAITING_ROW, "waiting_row", row=row, can_assign=can_assign)
            assert new == old
    escaped = [drawn(QUEUE_ROW, "queue_row", row=r, can_triage=True)[1] for r in queue
               if r.person.pk == marked.pk]
    escaped += [drawn(WAITING_ROW, "waiting_row", row=r, can_assign=True)[1] for r in waiting
                if r.person.pk == marked.pk]
    assert escaped and all("Ward &lt;b&gt;&quot;7&quot;&lt;/b&gt; &amp; annexe" in html
                           and "PW-&lt;i&gt;1&lt;/i&gt;" in html for html in escaped)


@pytest.mark.django_db
def test_a_child_waiting_is_tagged_as_the_template_tagged_them(users):
    row = next(r for r in waiting_list(users["coordinator"]) if r.priority.age >= 18)
    row.priority = replace(row.priority, age=12)
    old, new = drawn(WAITING_ROW, "waiting_row", row=row, can_assign=True)
    assert new == old and "Child: children's intervenor first" in new


@pytest.mark.django_db
def test_timeline_events_are_what_the_template_wrote(users):
    person = Person.objects.filter(reference__startswith="PW-").first()
    events = list(person_timeline(users["coordinator"], person))
    assert any(e.reason for e in events) and any(not e.reason for e in events)
    for event in events:
        old, new = drawn(TIMELINE_EVENT, "timeline_event", e=event)
        assert new == old


LONDON_DAYS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31))


@settings(max_examples=300, deadline=None)
@given(moment=LONDON_DAYS, aware=st.booleans())
def test_the_date_a_row_writes_is_the_date_filters(moment, aware):
    """Either side of every clock change, aware (shown in London time) or naive (as is)."""
    if aware:
        moment = moment.replace(tzinfo=UTC)
    template = Template('{{ d|date:"j M Y" }}|{{ d|date:"j M Y H:i" }}|{{ day|date:"j M Y" }}')
    expected = template.render(Context({"d": moment, "day": moment.date()}))
    assert expected == "|".join([day_month_year(moment), day_month_year(moment, with_time=True),
                                 day_month_year(moment.date())])


def test_the_clock_change_moves_the_day_as_the_filter_does():
    just_before_midnight_bst = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)   # 00:30 on 1 July
    assert day_month_year(just_before_midnight_bst, with_time=True) == "1 Jul 2026 00:30"
    assert day_month_year(date(2026, 12, 2)) == "2 Dec 2026"
    assert day_month_year(datetime(2026, 1, 5, 9, 7), with_time=True) == "5 Jan 2026 09:07"


@pytest.mark.django_db
def test_my_work_rows_are_what_the_template_wrote(users):
    from workflows.inbox import Inbox

    today = date.today()
    seen = 0
    for name in ("coordinator", "chair", "commissioner", "oversight", "intervenor"):
        user = users[name]
        for item in Inbox(user)[0:50]:
            # Each row as it is, taken on by this person, by someone else, due today and past.
            for variant in (item, replace(item, taken_by=user.get_full_name()),
                            replace(item, taken_by='Sam <O\'Neil>'),
                            replace(item, due=today), replace(item, due=date(2020, 1, 1)),
                            replace(item, due=None, since=None)):
                old, new = drawn(WORK_ROW, "work_row", item=variant, user=user, today=today)
                assert new == old
                seen += 1
    assert seen > 50
