"""Text as people typed it, without the invisible characters that change how it reads.

Bidirectional controls (right-to-left override and its kin) reorder what a reader sees
without changing what is stored: "Trojan Source" (CVE-2021-42574) in a name or a reason could
make a record, a CSV or a printed PDF read differently from what it says. Nobody types them on
purpose in a name, a reason or a finding; Arabic and Hebrew text needs none of them (the
characters carry their own direction). So they are taken out on the way in, wherever text is
saved (security round 3, finding 10).
"""
import re

# U+061C ARABIC LETTER MARK, U+200E/F LRM/RLM, U+202A-U+202E embeddings and overrides,
# U+2066-U+2069 isolates.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def strip_bidi_controls_before_save(sender, instance, raw=False, **kwargs):
    """pre_save: every text field of our own models loses its bidirectional controls."""
    if raw:      # fixtures load as they were written
        return
    for field in sender._meta.concrete_fields:
        if field.get_internal_type() not in ("CharField", "TextField") or field.name == "password":
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and BIDI_CONTROLS.search(value):
            setattr(instance, field.attname, without_bidi_controls(value))


def shortened(text: str, limit: int = 60) -> str:
    """The start of a text, cut at a word and marked with an ellipsis when cut: enough to tell
    one item from another in a list (an action's words in My work)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:.") + "…"
