from __future__ import annotations

from carteira.core.errors import ConflictError, NotFoundError


class ClientNotFoundError(NotFoundError):
    code = "client_not_found"
    message = "Client not found."


class ClientEmailTakenError(ConflictError):
    code = "client_email_taken"
    message = "Another client already uses this email."


class ClientDocumentTakenError(ConflictError):
    code = "client_document_taken"
    message = "Another client already has this CPF."


class ClientHasTransactionsError(ConflictError):
    code = "client_has_transactions"
    message = "The client still has transactions; delete them first."
