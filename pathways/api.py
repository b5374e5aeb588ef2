"""What every API view shares: JSON errors with stable codes, role checks, CSV responses."""

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler

from pathways.errors import DomainError
from pathways.paging import MAX_PAGE

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
    "invalid": "The request is not valid.",
    "server_error": "Something went wrong on our side; it has been reported.",
    "unavailable": "The service cannot reach its database just now. Nothing was saved; try "
                   "again in a minute.",
}


def _flat(errors, prefix: str = "") -> dict[str, list[str]]:
    """Field errors as one level: nested ones are keyed by their path, e.g.
    `characteristics.religion` or `concerns.2.description`."""
    flat = {}
    items = errors.items() if isinstance(errors, dict) else enumerate(errors)
    for key, value in items:
        # A list's or an object's own error (too many items) belongs to the list's name.
        name = prefix.rstrip(".") if key == "non_field_errors" and prefix else f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flat(value, f"{name}."))
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            flat.update(_flat({i: v for i, v in enumerate(value) if v}, f"{name}."))
        else:
            flat[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


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
        errors = _flat(exc.detail if isinstance(exc.detail, dict)
                       else {"non_field_errors": exc.detail})
        named = ", ".join(str(name) for name in errors if name != "non_field_errors")
        response.data = {"code": "invalid", "errors": errors,
                         "message": f"Some input needs correcting: {named or 'see errors'}."}
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        message = MESSAGES.get(code, str(exc.detail))
        if isinstance(exc, exceptions.ParseError) and exc.detail != exc.default_detail:
            message = str(exc.detail)      # say what was wrong with the body
        response.data = {"code": code, "message": message}
    return response


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


class TextUUIDField(serializers.UUIDField):
    """A UUID given as text. DRF also reads a number as a UUID (so `false` became the zero
    UUID): the schema says string, and so does this."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class JSONBooleanField(serializers.BooleanField):
    """true or false in a JSON body, as the schema says; DRF also takes 0, 1, "yes" and "on",
    which a query string needs and a body does not."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class PageQuery(serializers.Serializer):
    """The query every list takes. Values outside these bounds are a 400 naming the
    parameter, never silently replaced."""

    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, required=False,
                                    help_text="1 for the first page.")
    page_size = serializers.IntegerField(min_value=1, max_value=Pagination.max_page_size,
                                         required=False,
                                         help_text=f"Rows a page, default {Pagination.page_size}.")


def query(request, serializer_class=PageQuery) -> dict:
    """The validated query parameters: an unknown choice or a wrong type is a 400 naming the
    parameter (a typo must never come back as a silently unfiltered or empty list)."""
    data = serializer_class(data=request.query_params)
    empty = {name: ["Give a value, or leave the parameter out."] for name in data.fields
             if name in request.query_params and not all(request.query_params.getlist(name))}
    if empty:
        raise exceptions.ValidationError(empty)
    data.is_valid(raise_exception=True)
    return data.validated_data


def paginate(view, request, items, serialize):
    """One page of `items` in the API's envelope. `serialize` is a serializer class (the page
    is serialized with one instance, so its fields are built once, not once a row) or a
    function of one item."""
    query(request)
    paginator = Pagination()
    if hasattr(items, "expect"):    # rows that can count and read the asked page in one go
        items.expect(request.query_params.get(paginator.page_query_param),
                     paginator.get_page_size(request))
    page = paginator.paginate_queryset(items, request, view=view)
    if isinstance(serialize, type) and issubclass(serialize, serializers.BaseSerializer):
        return paginator.get_paginated_response(serialize(page, many=True).data)
    return paginator.get_paginated_response([serialize(item) for item in page])


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


# The API contract: one error shape, documented on every operation ------------------------

# Every stable `code` an error body may carry. A test reads the codes raised in the code base
# and fails on one missing here, so a client generated from the schema knows them all.
ERROR_CODES = {
    "invalid": "Some input needs correcting: see `errors`, keyed by field or parameter.",
    "parse_error": "The body is not valid JSON, or is nested too deeply.",
    "not_authenticated": "No credentials were sent.",
    "authentication_failed": "The credentials or token were not accepted.",
    "token_expired": "The token has expired; request a new one.",
    "permission_denied": "Signed in, but this role or person may not do this.",
    "no_role": "Signed in, but the account has no role in Pathways yet.",
    "sign_in_with_cis2": "Passwords are off: sign in with NHS CIS2 and ask for a token from "
                         "that session.",
    "not_found": "No such record, or not one this user may see (the two look the same).",
    "unavailable": "The database is out of reach for a moment (503, with Retry-After); nothing "
                   "was saved.",
    "method_not_allowed": "This method is not allowed here.",
    "not_acceptable": "The response cannot be given in the format asked for.",
    "unsupported_media_type": "Send the body as JSON.",
    "throttled": "Too many requests; wait and try again.",
    "conflict": "The record has moved on; reload it.",
    "step_not_open": "This step of the flow is not open any more.",
    "step_taken": "Another person has taken this step on; they (or a hand-over) come first.",
    "already_triaged": "The referral has already been triaged.",
    "open_referral_exists": "The person already has an open referral.",
    "person_elsewhere": "The NHS number belongs to another organisation's person.",
    "invalid_credentials": "The username or password is not right (where passwords are on).",
    "person_elsewhere_limit": "Too many referrals for other organisations' people were "
                              "refused in the last day; none is taken until a day has passed.",
    "duplicate_person": "A person with this NHS number is already recorded.",
    "no_organisation": "The user has no organisation recorded.",
    "review_wrong_state": "The review is not at the step this needs.",
    "not_review_chair": "Only the review's chair can do this.",
    "action_transition_not_allowed": "The action's status cannot move that way now.",
    "action_closed": "The action is completed, verified or cancelled.",
    "action_not_escalated": "The action has not been escalated.",
    "concern_resolved": "The concern is already resolved.",
    "discharge_open": "A discharge is recorded and no readmission since.",
    "readmission_recorded": "A readmission is already recorded for this discharge.",
    "intervenor_capacity": "The intervenor already has three active cases.",
    "intervenor_unavailable": "The intervenor is not taking new cases.",
    "intervenor_outside_region": "The intervenor does not cover the region of the person's "
                                 "unit: give a `reason` to choose them.",
    "case_not_waiting": "Only a waiting case can be assigned.",
    "case_not_active": "Only an active case can do this.",
    "not_case_intervenor": "Only the case's intervenor can do this.",
    "no_closure_proposed": "There is no closure proposal to confirm.",
    "outcome_mismatch": "The outcome differs from the one proposed.",
    "dates_need_confirming": "The person was very young when LTS began: confirm the dates "
                             "(`dates_confirmed`) to accept the referral.",
    "no_open_referral": "The person has no open referral for this.",
    "review_present": "A review of the person held on that day is already recorded.",
    "barrier_resolved": "The system barrier is resolved.",
    "barrier_escalated": "The system barrier is already waiting for the oversight group.",
    "barrier_not_escalated": "The system barrier is not waiting for an answer.",
    "notify_unavailable": "GOV.UK Notify is not answering; nothing was sent. Try again later.",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "enum": sorted(ERROR_CODES),
                 "description": "Stable; safe to branch on. " + " ".join(
                     f"`{code}`: {meaning}" for code, meaning in ERROR_CODES.items())},
        "message": {"type": "string", "description": "For people: what to put right."},
        "errors": {"type": "object", "description": "Per field or query parameter.",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}

ERROR_STATUSES = {
    "400": "The request or a parameter is invalid (`invalid`, `parse_error`).",
    "401": "Not signed in, or the token is unknown or expired.",
    "403": "This role or person may not do this.",
    "404": "Not found, or not visible to this user; also a page past the last.",
    "409": "The record is not in a state that allows this.",
    "415": "The body is not JSON.",
    "429": "Too many requests.",
}


# OpenAPI links: how one response leads to the next call, so a generated client (and the
# stateful contract test) can follow a referral to triage, a waiting case to assignment and
# then closure, and an action to its updates.
LINKS = [
    # (from path, method, status, to path, method, name, parameter expression)
    ("/api/v1/referrals/", "post", "201", "/api/v1/referrals/{id}/triage/", "post",
     "TriageTheReferral", "$response.body#/id"),
    ("/api/v1/referrals/{id}/triage/", "post", "200", "/api/v1/referrals/{id}/", "get",
     "ReadTheReferral", "$response.body#/id"),
    ("/api/v1/intervenor-cases/", "get", "200", "/api/v1/intervenor-cases/{id}/assign/", "post",
     "AssignTheFirstCase", "$response.body#/results/0/id"),
    ("/api/v1/intervenor-cases/{id}/assign/", "post", "200",
     "/api/v1/intervenor-cases/{id}/close/", "post", "CloseTheCase", "$response.body#/id"),
    ("/api/v1/actions/", "get", "200", "/api/v1/actions/{id}/updates/", "post",
     "UpdateTheFirstAction", "$response.body#/results/0/id"),
    ("/api/v1/exports/", "post", "202", "/api/v1/exports/{id}/", "get", "AskHowItIsGoing",
     "$response.body#/id"),
]


def _add_links(paths) -> None:
    for source, method, code, target, target_method, name, expression in LINKS:
        operation = paths.get(source, {}).get(method)
        target_operation = paths.get(target, {}).get(target_method)
        if not operation or not target_operation or code not in operation["responses"]:
            continue
        operation["responses"][code].setdefault("links", {})[name] = {
            "operationId": target_operation["operationId"],
            "parameters": {"id": expression},
        }


# Request bodies described exactly: the schema says `additionalProperties: false`, and their
# serializers refuse a field they do not describe. Modules add their component names.
CLOSED_COMPONENTS: set[str] = set()


# Bodies an operation cannot do without (drf-spectacular leaves a polymorphic body optional).
REQUIRED_BODIES: set[str] = set()


def close_bodies(result, generator, request, public):
    """drf-spectacular postprocessing: the components in CLOSED_COMPONENTS take no property
    they do not describe, and a body in REQUIRED_BODIES must be sent."""
    components = result.get("components", {}).get("schemas", {})
    for name in CLOSED_COMPONENTS:
        if name in components:
            components[name]["additionalProperties"] = False
    for item in result.get("paths", {}).values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            refs = {media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                    for media in (body or {}).get("content", {}).values()}
            if refs & REQUIRED_BODIES:
                body["required"] = True
    return result


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing: every operation documents the errors it can return,
    all with the one Error schema."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            statuses = {"400", "401", "403", "404"}
            if method in ("post", "put", "patch", "delete"):
                statuses |= {"409", "415"}
            if path.endswith("/auth/token/"):
                statuses = {"400", "401", "403", "415", "429"}
            responses = operation.setdefault("responses", {})
            for code in sorted(statuses):
                responses.setdefault(code, {"description": ERROR_STATUSES[code],
                                            "content": error})
    _add_links(result.get("paths", {}))
    return result


def _api_or_page(page_view, status: int, code: str):
    """Django's own error pages, except under /api/, where the body is the Error shape."""
    from django.http import JsonResponse

    def view(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": MESSAGES.get(code, code)},
                                status=status)
        return page_view(request, exception) if exception is not None else page_view(request)

    return view


def _server_error(server_error):
    """A 500, unless the database is out of reach (a restart, a failover): then a 503 that says
    so and when to try again. Django calls the handler while the exception is being handled,
    so it is still there to look at."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.http import JsonResponse
    from django.shortcuts import render

    def view(request):
        unreachable = isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
        if not unreachable:
            return server_error(request)
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "unavailable", "message": MESSAGES["unavailable"]},
                                    status=503)
        else:
            response = render(request, "503.jinja", status=503)
        response["Retry-After"] = "30"
        return response

    return view


def error_handlers():
    from functools import partial

    from django.views import defaults

    return {
        "handler400": _api_or_page(defaults.bad_request, 400, "invalid"),
        "handler403": _api_or_page(defaults.permission_denied, 403, "permission_denied"),
        "handler404": _api_or_page(partial(defaults.page_not_found, template_name="404.jinja"),
                                   404, "not_found"),
        "handler500": _server_error(_api_or_page(
            partial(defaults.server_error, template_name="500.jinja"), 500, "server_error")),
    }
