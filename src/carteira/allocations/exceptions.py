from __future__ import annotations

from carteira.core.errors import NotFoundError


class AllocationNotFoundError(NotFoundError):
    code = "allocation_not_found"
    message = "Allocation not found for this client."
