from __future__ import annotations

from carteira.core.errors import ConflictError, InvalidInputError, NotFoundError


class AssetNotFoundError(NotFoundError):
    code = "asset_not_found"
    message = "Asset not found."


class TickerTakenError(ConflictError):
    code = "ticker_taken"
    message = "This ticker is already registered."


class AssetHasTransactionsError(ConflictError):
    code = "asset_has_transactions"
    message = "Transactions still reference this asset; delete them first."


class UnknownAssetError(InvalidInputError):
    code = "unknown_asset"
    message = "No registered asset matches."
