"""Fetching one record for a person, with the access log kept (SECURITY.md S1, S28).

Views and API endpoints fetch a single object through `get_or_404` with a scoped selector: a
record outside the user's scope and one that does not exist look the same (404), and the
refusal is logged with the id asked for.
"""
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404

from .services import access_refused


def get_or_404(request, selector, pk):
    try:
        return selector(request.user, pk)
    except (ObjectDoesNotExist, ValidationError, ValueError):  # not visible, or not a UUID
        access_refused(request=request, object_type=selector.__name__, object_id=pk)
        raise Http404("Not found") from None
