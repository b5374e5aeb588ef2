"""`link("app:name", key)`: the URL reverse() would give for a one-key pattern, made in
microseconds.

Lists draw a link on each of fifty rows, and Django's reverse() costs about 20 µs a call (a
third of some lists' rendering). The first call for a URL name reverses it as usual; the URL is
then kept as the text before and after the key, and later keys are put between the two. Only
for patterns with one uuid, int or slug argument, and only for a key of that shape (a UUID, a
whole number, a slug), whose URL text is the key's own text; anything else is reversed every
time. tests/pathways/test_links.py holds the two equal.
"""
import re
import uuid

from django.urls import get_resolver, get_script_prefix, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_shapes: dict[tuple[str, str], tuple[str, str, object] | None] = {}


def _fits(key, converter) -> bool:
    """The key's text is its URL text under this converter."""
    if isinstance(converter, UUIDConverter):
        return isinstance(key, uuid.UUID)
    if isinstance(converter, IntConverter):
        return type(key) is int and key >= 0
    if isinstance(converter, SlugConverter):
        return isinstance(key, str) and SLUG.fullmatch(key) is not None
    return False


def _shape(name: str, key) -> tuple[str, str, object] | None:
    """The URL's text before and after its one key, and the key's converter; None when the
    URL cannot be kept that way."""
    namespace, _, view = name.rpartition(":")
    resolver = get_resolver()
    for part in filter(None, namespace.split(":")):
        resolver = resolver.namespace_dict[part][1]
    patterns = resolver.reverse_dict.getlist(view)
    if len(patterns) != 1 or len(patterns[0][3]) != 1:
        return None
    converter = next(iter(patterns[0][3].values()))
    url, text = reverse(name, args=[key]), str(key)
    if not _fits(key, converter) or url.count(text) != 1:
        return None
    before, after = url.split(text)
    return before, after, converter


def link(name: str, key) -> str:
    where = (name, get_script_prefix())
    if where not in _shapes:
        _shapes[where] = _shape(name, key)
    shape = _shapes[where]
    if shape is None or not _fits(key, shape[2]):
        return reverse(name, args=[key])
    return f"{shape[0]}{key}{shape[1]}"
