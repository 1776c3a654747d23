"""Device cookies (OWASP's defence against account lockout): a browser that has signed in
before proves it with a signed cookie, and its attempts are counted for that device alone, so
that guesses from elsewhere cannot lock its user out.

The cookie is `<user id>.<token version>.<nonce>.<signature>`, an HMAC of the rest under a key
derived from JWT_SECRET. It names the user's `token_version` when it was issued: a password,
role or activation change bumps that version in PostgreSQL (in the change's transaction), and
every device cookie issued before it stops being trusted, as the sessions do. A deleted user's
cookies name nobody. Redis only counts a device's failures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from carteira.auth.models import User

DEVICE_COOKIE = "device"
# Sent to the login route only: no other request carries it.
DEVICE_COOKIE_PATH = "/auth/login"
DEVICE_COOKIE_DAYS = 180
# Ours are ~70 characters; anything much longer is not parsed.
MAX_COOKIE_CHARS = 200
_PURPOSE = b"carteira device cookie"


@dataclass(frozen=True, slots=True)
class Device:
    user_id: int
    version: int
    nonce: str

    def trusted_for(self, user: User | None) -> bool:
        """The device signed in as this user, and nothing ended the user's sessions since."""
        return (
            user is not None
            and user.is_active
            and user.id == self.user_id
            and user.token_version == self.version
        )


def _signature(payload: str, secret: str) -> str:
    key = hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(*, user: User, secret: str) -> str:
    """A new device cookie's value for the user, as of now."""
    payload = f"{user.id}.{user.token_version}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_signature(payload, secret)}"


def read(value: str | None, *, secret: str) -> Device | None:
    """The device a cookie names when its signature holds; None for anything else."""
    if not value or len(value) > MAX_COOKIE_CHARS:
        return None
    payload, _, signature = value.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(payload, secret).encode()):
        return None
    user_id, version, nonce = payload.split(".")
    return Device(user_id=int(user_id), version=int(version), nonce=nonce)
