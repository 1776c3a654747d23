"""Imports of a client's history from files: B3's extracts and the ledger's own export."""
