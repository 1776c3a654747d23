"""The audit trail, read: who changed what, when (`GET /audit`)."""
