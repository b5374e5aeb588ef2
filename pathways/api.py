"""What every API view shares: JSON errors with stable codes, role checks, CSV responses."""
import csv

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler

from pathways.errors import DomainError

MESSAGES = {
    "not_authenticated": "Sign in, or send a token as 'Authorization: Token <token>'.",
    "authentication_failed": "The credentials or token were not accepted.",
    "permission_denied": "Your role does not allow this.",
    "not_found": "Not found, or you do not have access to it.",
    "method_not_allowed": "This method is not allowed here.",
    "throttled": "Too many requests; wait and try again.",
    "parse_error": "The request body is not valid JSON.",
    "unsupported_media_type": "Send the request body as JSON.",
    "not_acceptable": "This resource cannot be returned in the format asked for.",
}


def api_exception_handler(exc, context):
    """Every error is JSON: {"code", "message"} plus "errors" per field for bad input."""
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": exc.message}
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, (ObjectDoesNotExist, Http404)):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"code": "invalid", "errors": errors,
                         "message": "Some fields need correcting: see 'errors'."}
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        message = MESSAGES.get(code, str(exc.detail))
        if isinstance(exc, exceptions.ParseError) and exc.detail != exc.default_detail:
            message = str(exc.detail)      # say what was wrong with the body
        response.data = {"code": code, "message": message}
    return response


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


def roles(*names):
    """A DRF permission: the user holds one of these roles."""

    class HasRole(BasePermission):
        message = MESSAGES["permission_denied"]

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated
                         and any(user.has_role(role) for role in names))

    HasRole.__name__ = "HasRole_" + "_".join(str(n).replace(" ", "") for n in names)
    return HasRole


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def paginate(view, request, items, serialize):
    paginator = Pagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response([serialize(item) for item in page])


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading quote keeps it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        count += 1
    response.rows_written = count
    return response


def created(data):
    return Response(data, status=status.HTTP_201_CREATED)


def page_of(item, name: str):
    """The OpenAPI shape of a paginated list of `item` (a serializer class or a many=True one)."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    results = item(many=True) if isinstance(item, type) else item
    return inline_serializer(name=f"Paginated{name}List", fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": results,
    })
