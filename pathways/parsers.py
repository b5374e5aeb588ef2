"""Request parsers. Kept apart from pathways.api: DRF imports parser classes while it is still
loading, so this module imports nothing of ours."""
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 20


class BoundedJSONParser(JSONParser):
    """JSON bodies nested deeper than any request of ours needs are a 400, not a 500 from the
    parser running out of stack."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("The JSON is nested too deeply.") from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"The JSON is nested more than {MAX_JSON_DEPTH} deep.")
        return data


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest
