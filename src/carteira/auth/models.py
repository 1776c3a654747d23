from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "admin"  # everything
    ADVISOR = "advisor"  # reads and writes the clients assigned to them, nothing else
    READER = "reader"  # reads everything, writes nothing


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=320, unique=True)
    password_hash = fields.CharField(max_length=60)
    role = fields.CharEnumField(Role, max_length=16, default=Role.READER)
    is_active = fields.BooleanField(default=True)
    # Carried by every token; bumped in the transaction of a role, activation or password
    # change, which ends every session issued before it.
    token_version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"


class Session(Model):
    """One login: its access tokens and the rotating chain of refresh tokens it issues.

    The row is the record of the session's revocation (logout, a refresh token presented
    twice); caches in memory and Redis only mirror it.
    """

    id = fields.CharField(max_length=32, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    # The one refresh token of the chain that may still be used; any other is a replay.
    refresh_jti = fields.CharField(max_length=32)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_reason = fields.CharField(max_length=32, null=True)

    user_id: int

    class Meta:
        table = "auth_sessions"
        indexes = (("user_id",),)
