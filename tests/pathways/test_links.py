"""link() gives exactly what url() (reverse) gives, for every one-key URL of the app."""
import uuid

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from pathways import links


def _one_key_names():
    """Every URL name of the app whose pattern takes one argument, with a key that fits it."""
    found = []

    def walk(resolver, prefix):
        for name, patterns in resolver.reverse_dict.lists():
            if isinstance(name, str) and len(patterns) == 1 and len(patterns[0][3]) == 1:
                found.append(prefix + name)
        for ns, (_, sub) in resolver.namespace_dict.items():
            walk(sub, f"{prefix}{ns}:")

    walk(get_resolver(), "")
    return sorted(set(found))


SAMPLES = [uuid.UUID("12345678-1234-5678-1234-567812345678"), uuid.uuid4(), 7, 0, 123456,
           "environment", "a-slug_1", "not a slug!", "12345678-1234-5678-1234-567812345678"]


@pytest.mark.parametrize("name", _one_key_names())
def test_link_equals_url_for_every_one_key_url(name):
    links._shapes.clear()
    for key in SAMPLES:
        try:
            expected = reverse(name, args=[key])
        except NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                links.link(name, key)
            continue
        assert links.link(name, key) == expected, (name, key)
        assert links.link(name, key) == expected, (name, key)   # kept shape


def test_link_in_a_template_draws_the_same_href_as_url():
    import re

    from django.template import engines

    key = uuid.uuid4()
    drawn = engines["jinja2"].env.from_string(
        "<a href=\"{{ link('intervenors:case', k) }}\"><a href=\"{{ url('intervenors:case', k) }}\">"
    ).render(k=key)
    ours, djangos = re.findall(r'href="([^"]+)"', drawn)
    assert ours == djangos == f"/cases/{key}/"
