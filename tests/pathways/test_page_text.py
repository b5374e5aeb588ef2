"""No page shows template text (round 4, finding 8).

A Jinja comment that closes early prints the rest of itself into the page, and a comment
written for developers (`can_resolve`) then reads as nonsense to a ward manager. For each demo
role this follows every link from the start page, as someone clicking through would, and reads
each page's visible text (not its markup) for Jinja's delimiters and for backticked names.
"""
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

pytestmark = pytest.mark.django_db

ROLES = ["commissioner", "coordinator", "chair", "expert", "intervenor", "oversight",
         "wardmanager"]
TEMPLATE_TEXT = re.compile(r"<Macro '|\{#|#\}|\{\{|\}\}|\{%|%\}|`[A-Za-z_][\w.]*`")
# Links not to follow: signing out ends the crawl, files are not pages, the admin is Django's.
SKIP = re.compile(r"^/(logout|admin/|api/|static/|media/)|\.(csv|pdf|xlsx|json)$|/download/|"
                  r"/template/")
# Many links differ only by an id (every person, every action): a few of each shape is enough
# to draw each template with real data.
PER_SHAPE = 3
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")


class _VisibleText(HTMLParser):
    """The text a reader sees, and the page's same-site links."""

    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def read(html: str) -> _VisibleText:
    parser = _VisibleText()
    parser.feed(html)
    return parser


def test_the_reader_finds_template_text_and_passes_markup():
    page = read('<p>{{ name }} and `can_resolve` {# note #}</p><script>var a = "{{";</script>'
                '<a href="/x/">x</a>')
    found = TEMPLATE_TEXT.findall(" ".join(page.text))
    assert found == ["{{", "}}", "`can_resolve`", "{#", "#}"]
    assert page.links == ["/x/"]
    assert TEMPLATE_TEXT.findall(" ".join(read('<p data-x="{{">Plain words</p>').text)) == []


UNGROUPED = re.compile(r"\b\d{4,} (?:days?|people|referrals|actions|reviews)\b")


@pytest.mark.parametrize("role", ROLES)
def test_no_page_a_role_reaches_shows_template_text(client_for, role):
    client = client_for(role)
    queue, seen, shapes, problems = ["/"], set(), {}, []
    while queue and len(seen) < 150:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = read(response.content.decode())
        for match in TEMPLATE_TEXT.findall(" ".join(page.text)):
            problems.append(f"{url}: {match}")
        if any("---------" in text for text in page.text):   # Django's empty choice (issue 44)
            problems.append(f"{url}: ---------")
        # Whole days and counts with thousands separators (issue 44): "1,234 days".
        problems.extend(f"{url}: {m}" for text in page.text for m in UNGROUPED.findall(text))
        for href in page.links:
            path = urldefrag(href)[0]
            parts = urlsplit(path)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(
                    parts.path):
                continue
            shape = ID.sub("<id>", parts.path)
            if shapes.setdefault(shape, set()) and path not in shapes[shape] and len(
                    shapes[shape]) >= PER_SHAPE:
                continue
            shapes[shape].add(path)
            queue.append(path)
    assert len(seen) > 5, f"the crawl as {role} reached only {sorted(seen)}"
    assert problems == []
