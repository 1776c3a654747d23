"""The OpenAPI document, as a SPA team generates its client from it.

- `operationId` is the endpoint function's name, which the routers spell `<resource>_<verb>`
  (`clients_list`, `transactions_create`): one rule, checked by `tools/lint_openapi.py`.
- Errors are documented per operation with only the statuses it can answer and, for each,
  the enumerated `code` values. Most are known from the route itself — its authentication
  dependency (401; 403 for the role it needs and, on writes, the CSRF check), its parameters
  (422 `validation_error`), its body (413), the client guard (404 `client_not_found`), the
  infrastructure every route leans on (503) — and the rest is declared next to the code that
  raises it, with `@raises(SomeError)` on an endpoint or on a dependency.
- 201 and 202 answers carry a `Location` header; 429 and 503 a `Retry-After`.
- Security: what each authentication dependency answers and requires comes from the module
  that owns it, which registers it here (`register_guard`): core imports no domain module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from carteira.core.errors import (
    AppError,
    BadRequestError,
    ConflictError,
    DatabaseBusyError,
    DatabaseUnavailableError,
    HeadersTooLargeError,
    InputValidationError,
    InvalidTextError,
    InvalidValueError,
    PayloadTooLargeError,
    RedisUnavailableError,
    ServiceUnavailableError,
)
from carteira.core.query import query_model_of

F = TypeVar("F", bound=Callable[..., Any])
ERRORS_ATTRIBUTE = "__carteira_errors__"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What any route that reaches PostgreSQL or Redis may answer when they fail or time out.
INFRASTRUCTURE = (
    DatabaseUnavailableError,
    DatabaseBusyError,
    RedisUnavailableError,
    ServiceUnavailableError,
)
# Input PostgreSQL refuses although it validated (a NUL character, a lone surrogate).
UNSTORABLE = (InvalidValueError, InvalidTextError)
VALIDATION = InputValidationError.code
REF_TEMPLATE = "#/components/schemas/{model}"

TAGS: list[dict[str, str]] = [
    {"name": "auth", "description": "Sign in and out, tokens, the current user."},
    {"name": "users", "description": "The office's users and their roles (admins only)."},
    {
        "name": "clients",
        "description": "The firm's investors. An advisor sees and changes only their own; "
        "another advisor's client answers 404 exactly as a missing one.",
    },
    {
        "name": "ledger",
        "description": "A client's transactions of every kind, and what they add up to: "
        "positions (preço médio), realized gains, performance against benchmarks.",
    },
    {
        "name": "imports",
        "description": "A client's history from files: B3's Área do Investidor extracts "
        "(negociação, movimentação) and the ledger's own export; previewed, then committed in "
        "one write.",
    },
    {
        "name": "allocations",
        "description": "Compatibility: purchase lots as buys with external settlement, listed "
        "as their open lots.",
    },
    {"name": "assets", "description": "The registry of tickers the firm's clients hold."},
    {"name": "market data", "description": "Live quotes and ticker search (cached)."},
    {"name": "benchmarks", "description": "CDI, SELIC, IPCA, IBOVESPA and registered assets."},
    {
        "name": "reports",
        "description": "Captação líquida, assets under management, the clients' report, "
        "the DARFs due in a month; CSV and XLSX downloads.",
    },
    {
        "name": "tax",
        "description": "Income tax on renda variável: a client's monthly apuração and DARFs "
        "(IN RFB 1.585/2015) and what the annual return (DIRPF) asks.",
    },
    {
        "name": "statements",
        "description": "The clients' monthly statements (PDF), one or a whole book at once "
        "(a ZIP built by the workers).",
    },
    {"name": "jobs", "description": "Background work: start it, follow it."},
    {"name": "audit", "description": "Who changed what, and when."},
    {"name": "web", "description": "The office's web app (`/dashboard`)."},
    {"name": "ops", "description": "Liveness and readiness probes."},
]


class GuardErrors(Protocol):
    def __call__(self, guard: Any, /, *, unsafe: bool) -> Iterable[type[AppError]]: ...


@dataclass(frozen=True, slots=True)
class Guard:
    """An authentication dependency as the document shows it: the errors an instance may
    answer (`unsafe`: on a write), the security requirement of an operation it guards, and
    the security schemes it adds to the document's components."""

    kind: type
    errors: GuardErrors
    requirement: Callable[[bool], list[dict[str, list[str]]]]  # unsafe -> requirement
    schemes: Mapping[str, dict[str, Any]] = field(default_factory=dict)


_GUARDS: dict[type, Guard] = {}


def register_guard(guard: Guard) -> None:
    """Make the document know an authentication dependency (its module calls this once)."""
    _GUARDS[guard.kind] = guard


def _guard_of(call: Any) -> Guard | None:
    for kind, guard in _GUARDS.items():
        if isinstance(call, kind):
            return guard
    return None


def raises(*errors: type[AppError]) -> Callable[[F], F]:
    """Declare the errors an endpoint or a dependency may answer (for the document)."""

    def mark(function: F) -> F:
        declared = getattr(function, ERRORS_ATTRIBUTE, ())
        setattr(function, ERRORS_ATTRIBUTE, (*declared, *errors))
        return function

    return mark


def operation_id(route: APIRoute) -> str:
    return route.name


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _has_parameters(dependant: Dependant) -> bool:
    return bool(
        query_model_of(dependant.call) is not None
        or dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
    )


def route_errors(route: Any, method: str) -> dict[int, set[str]]:
    """Every status the operation can answer besides success, with its codes."""
    errors: dict[int, set[str]] = defaultdict(set)
    errors[HeadersTooLargeError.status_code].add(HeadersTooLargeError.code)  # middleware
    for dependant in _dependants(route.dependant):
        call = dependant.call
        guard = _guard_of(call)
        if guard is not None:
            for error in guard.errors(call, unsafe=method not in SAFE_METHODS):
                errors[error.status_code].add(error.code)
        for error in getattr(call, ERRORS_ATTRIBUTE, ()):
            errors[error.status_code].add(error.code)
        if _has_parameters(dependant):
            errors[422].add(VALIDATION)
    if route.body_field is not None:
        for error in (PayloadTooLargeError, BadRequestError):  # too large, or not parseable
            errors[error.status_code].add(error.code)
        errors[422].add(VALIDATION)
    if method not in SAFE_METHODS:
        errors[ConflictError.status_code].add(ConflictError.code)  # a row vanished meanwhile
    if not getattr(route.endpoint, "__carteira_no_infrastructure__", False):
        for error in INFRASTRUCTURE:
            errors[error.status_code].add(error.code)
        if 422 in errors:
            for error in UNSTORABLE:
                errors[error.status_code].add(error.code)
    return errors


def without_infrastructure(function: F) -> F:
    """An endpoint that needs neither PostgreSQL nor Redis (liveness): no 503."""
    setattr(function, "__carteira_no_infrastructure__", True)  # noqa: B010
    return function


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated: no token, or an expired, revoked or invalid one",
    403: "Not allowed for this role (or a cookie write without its CSRF token)",
    404: "Not found (or not yours)",
    409: "Conflict with the current state",
    413: "The request body is too large",
    422: "Invalid input: the field errors, or a rule the input breaks",
    429: "Too many requests: wait `Retry-After` seconds",
    431: "Request headers too large",
    502: "An upstream service answered badly",
    503: "A dependency is unavailable: retry after `Retry-After` seconds when given",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}
}
_LOCATION = {
    "Location": {"description": "the URL of what was created", "schema": {"type": "string"}}
}


def _error_schema(codes: set[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["detail", "code"],
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "enum": sorted(codes)},
        },
    }


def _error_response(status: int, codes: set[str]) -> dict[str, Any]:
    domain = codes - {VALIDATION}
    schema: dict[str, Any] = _error_schema(domain) if domain else {}
    if VALIDATION in codes:
        validation = {"$ref": "#/components/schemas/ValidationErrorOut"}
        schema = {"oneOf": [validation, schema]} if domain else validation
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": schema}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
        }
    return response


def _security(route: Any, method: str) -> list[dict[str, list[str]]] | None:
    for dependant in _dependants(route.dependant):
        guard = _guard_of(dependant.call)
        if guard is not None:
            return guard.requirement(method not in SAFE_METHODS)
    return None


def install(app: FastAPI) -> None:
    """Replace the app's document builder with the one above (built once, then kept)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=TAGS,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["ValidationErrorOut"] = _validation_error_schema()
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for guard in _GUARDS.values():
            components.setdefault("securitySchemes", {}).update(guard.schemes)
        for route in routing.iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            for method in route.methods or ():
                operation = document["paths"][route.path_format][method.lower()]
                _finish(operation, route, method)
                _add_query_models(operation, route, schemas)
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]


def _finish(operation: dict[str, Any], route: Any, method: str) -> None:
    responses = operation["responses"]
    responses.pop("422", None)  # FastAPI's own shape: replaced by ours below
    for status, codes in sorted(route_errors(route, method).items()):
        responses[str(status)] = _error_response(status, codes)
    for created in ("201", "202"):
        if created in responses:
            responses[created].setdefault("headers", {}).update(_LOCATION)
    security = _security(route, method)
    if security is not None:
        operation["security"] = security
    if not operation.get("description") and route.description:
        operation["description"] = route.description


def _add_query_models(operation: dict[str, Any], route: Any, schemas: dict[str, Any]) -> None:
    """A `parse_query` model's fields, documented as FastAPI documents a query model's."""
    for dependant in _dependants(route.dependant):
        model = query_model_of(dependant.call)
        if model is None:
            continue
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        schemas.update(schema.get("$defs", {}))
        required = set(schema.get("required", ()))
        parameters = operation.setdefault("parameters", [])
        for name, property_schema in schema["properties"].items():
            if property_schema.get("default", ...) is None:
                del property_schema["default"]  # as FastAPI writes an optional parameter
            property_schema.setdefault("title", name.replace("_", " ").title())
            parameter = {"name": name, "in": "query", "required": name in required}
            parameter["schema"] = property_schema
            if "description" in property_schema:
                parameter["description"] = property_schema["description"]
            parameters.append(parameter)


def _validation_error_schema() -> dict[str, Any]:
    return {
        "title": "ValidationErrorOut",
        "description": "422 for malformed input keeps FastAPI's list of issues, plus the code.",
        "type": "object",
        "required": ["detail", "code"],
        "properties": {
            "detail": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["loc", "msg", "type"],
                    "properties": {
                        "loc": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        },
                        "msg": {"type": "string"},
                        "type": {"type": "string"},
                    },
                },
            },
            "code": {"type": "string", "enum": [VALIDATION]},
        },
    }
