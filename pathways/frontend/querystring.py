"""The query string of a link on a list: the request's own, with some parameters changed."""
from django.http import QueryDict


def querystring(request, **changes) -> str:
    """`?` and the request's query with `changes` applied (a value of None removes one), as
    Django's {% querystring %} tag makes it: filters and sort survive a page link."""
    query: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"?{query.urlencode()}"


def pagination(request, page, param: str = "page", numbered: bool = True,
               previous: str | None = None, next: str | None = None) -> dict:
    """The NHS pagination macro's parameters for a Django Page (pathways.paging.page):
    previous and next (their words, if not the macro's own), and for the main list numbered
    links with ellipses."""
    params = {}
    if page.has_previous():
        params["previous"] = {"href": querystring(request, **{param: page.previous_page_number()}),
                              **({"labelText": previous} if previous else {})}
    if page.has_next():
        params["next"] = {"href": querystring(request, **{param: page.next_page_number()}),
                          **({"labelText": next} if next else {})}
    if numbered:
        params["items"] = [
            {"ellipsis": True} if n == page.paginator.ELLIPSIS else
            {"number": n, "href": querystring(request, **{param: n}),
             **({"current": True} if n == page.number else {})}
            for n in getattr(page, "links", ())]
    return params
