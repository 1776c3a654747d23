from __future__ import annotations

from carteira.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
)


class ClientNotFoundError(NotFoundError):
    code = "client_not_found"
    message = "Client not found."


class ClientEmailTakenError(ConflictError):
    code = "client_email_taken"
    message = "Another client already uses this email."


class ClientDocumentTakenError(ConflictError):
    code = "client_document_taken"
    message = "Another client already has this CPF."


class ClientNeedsReviewError(ConflictError):
    """An advisor's email or CPF that a client outside their book has: the same answer
    whoever holds it (another advisor, nobody), so that it tells no one's book."""

    code = "client_needs_review"
    message = "An admin must register this client: the request was recorded for them."


class ClientReviewsThrottledError(TooManyRequestsError):
    code = "client_reviews_throttled"
    message = "Too many requests an admin must review; try again later."


class ClientHasTransactionsError(ConflictError):
    code = "client_has_transactions"
    message = "The client still has transactions; delete them first."


class AssignmentForbiddenError(PermissionDeniedError):
    code = "assignment_forbidden"
    message = "Only an admin assigns a client to an advisor."


class UnknownAdvisorError(InvalidInputError):
    code = "unknown_advisor"
    message = "advisor_id must name an active user with the advisor role."
