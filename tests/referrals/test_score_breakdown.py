"""The score explained on the queue, waiting list, triage and person pages: the presenter
(referrals.presenters.ScoreExplanation) drawn by `score_explanation` (templates/macros/
lists.jinja)."""
from django.template import engines
from django.test.html import parse_html

from referrals.presenters import ScoreExplanation
from referrals.priority import Component, Priority

EXPLAINED = engines["jinja2"].env.from_string(
    '{% from "macros/lists.jinja" import score_explanation %}{{ score_explanation(score) }}')


def drawn(priority) -> str:
    return EXPLAINED.render(score=ScoreExplanation(priority))


def test_each_component_its_points_and_fact_then_the_flags_and_the_policy():
    html = drawn(Priority(31, (Component("lts_length", "Time in long-term segregation", 30,
                                         "2 years in LTS since 01 Dec 2024"),
                               Component("child", "Under 18", 1, "Aged 17")),
                          ("Beyond the recommended limit: 731 days in LTS",), 731, 17, 3))
    assert parse_html(html) == parse_html(
        '<ul class="nhsuk-list nhsuk-list--bullet">'
        "<li><strong>Time in long-term segregation: 30 points</strong> – 2 years in LTS since "
        "01 Dec 2024</li><li><strong>Under 18: 1 point</strong> – Aged 17</li></ul>"
        '<p><strong class="nhsuk-tag nhsuk-tag--orange">Beyond the recommended limit: 731 days '
        "in LTS</strong></p>"
        '<p class="nhsuk-body-s nhsuk-u-secondary-text-colour">Score 31 under priority policy '
        "v3. The score advises; the programme team decides.</p>")


def test_words_from_the_record_are_escaped():
    html = drawn(Priority(0, (Component("x", "A & <b>", 0, 'Said "<script>"'),),
                          ("<i>flag</i>",), 0, 40, 1))
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "A &amp; &lt;b&gt;: 0 points" in html and "&lt;i&gt;flag&lt;/i&gt;" in html
