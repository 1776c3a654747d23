"""Device cookies: signed, bound to one user and to the user's token version."""

from __future__ import annotations

import pytest

from carteira.auth import devices
from carteira.auth.models import Role, User

SECRET = "s" * 40


def _user(**fields: object) -> User:
    values: dict[str, object] = {
        "id": 7,
        "email": "ana@example.com",
        "password_hash": "x",
        "role": Role.ADVISOR,
        "is_active": True,
        "token_version": 3,
        **fields,
    }
    return User(**values)


def test_a_cookie_names_its_user_and_version_and_is_trusted_for_them_only():
    user = _user()
    device = devices.read(devices.issue(user=user, secret=SECRET), secret=SECRET)
    assert device is not None
    assert (device.user_id, device.version) == (7, 3)
    assert device.trusted_for(user)
    assert not device.trusted_for(None)
    assert not device.trusted_for(_user(id=8))
    assert not device.trusted_for(_user(token_version=4))  # a password or role change since
    assert not device.trusted_for(_user(is_active=False))


def test_two_sign_ins_are_two_devices():
    first, second = (devices.issue(user=_user(), secret=SECRET) for _ in range(2))
    assert devices.read(first, secret=SECRET) != devices.read(second, secret=SECRET)


@pytest.mark.parametrize(
    "value",
    [None, "", ".", "abc", "7.3.nonce.", "7.3.nonce.signature", "x" * 500, "7.3.ñ.é"],
)
def test_anything_but_a_signed_cookie_names_no_device(value):
    assert devices.read(value, secret=SECRET) is None


def test_a_changed_or_foreign_cookie_names_no_device():
    value = devices.issue(user=_user(), secret=SECRET)
    user_id, version, nonce, signature = value.split(".")
    assert devices.read(f"8.{version}.{nonce}.{signature}", secret=SECRET) is None
    assert devices.read(f"{user_id}.4.{nonce}.{signature}", secret=SECRET) is None
    assert devices.read(value, secret="t" * 40) is None
