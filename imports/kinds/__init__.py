"""The kinds of file a caseload comes in, one file per kind: people and their referrals, past
reviews, intervenor cases. Each says who may import it, its columns (which make the template)
and how its rows come in."""
from .base import Column, Kind, RowError
from .cases import CasesImport
from .people import PeopleImport
from .reviews import ReviewsImport

KINDS: dict[str, type[Kind]] = {kind.key: kind for kind in (PeopleImport, ReviewsImport,
                                                            CasesImport)}
COLUMNS = {key: kind.columns for key, kind in KINDS.items()}
PEOPLE_COLUMNS = PeopleImport.columns

__all__ = ["COLUMNS", "KINDS", "PEOPLE_COLUMNS", "Column", "RowError", "kinds_for", "may_import"]


def kinds_for(user) -> list[type[Kind]]:
    """The kinds of file this person may import."""
    return [kind for kind in KINDS.values() if kind.may_import(user)]


def may_import(user, kind: str | None = None) -> bool:
    """May this person import files (of this kind)?"""
    return any(k.key == kind or kind is None for k in kinds_for(user))
