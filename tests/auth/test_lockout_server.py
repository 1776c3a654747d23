"""Locking an account out, against a running `carteira serve` behind a configured proxy
(`FORWARDED_ALLOW_IPS`): measured before, 20 wrong passwords from 5 addresses every 15
minutes kept the real admin, with the right password and from a fresh address, at 429."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support import carteira_process, free_port, process_env, wait_http

pytestmark = pytest.mark.multiprocess

DEVICE = "device"


async def _login(
    http: aiohttp.ClientSession,
    url: str,
    *,
    email: str,
    password: str,
    address: str,
    device: str | None = None,
) -> tuple[int, str | None]:
    """The status, and the device cookie the answer sets (None when it sets none)."""
    headers = {"X-Forwarded-For": address}
    if device is not None:
        headers["Cookie"] = f"{DEVICE}={device}"
    body = {"email": email, "password": password}
    async with http.post(f"{url}/auth/login", json=body, headers=headers) as r:
        cookie = r.cookies.get(DEVICE)
        if cookie is not None:
            assert cookie["httponly"]
            assert cookie["path"] == "/auth/login"
        return r.status, cookie.value if cookie is not None else None


async def test_guesses_from_elsewhere_do_not_lock_out_a_known_browser(settings, admin, as_admin):
    port = free_port()
    env = process_env(settings, FORWARDED_ALLOW_IPS="127.0.0.1")
    with carteira_process("serve", "--port", str(port), env=env):
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health")
        # A fresh session per step: no cookie jar carries anything between them.
        async with aiohttp.ClientSession() as http:

            async def attempt(
                password: str, address: str, *, device: str | None = None, email: str = admin.email
            ) -> tuple[int, str | None]:
                return await _login(
                    http, url, email=email, password=password, address=address, device=device
                )

            status, known = await attempt(admin.password, "203.0.113.10")
            assert status == 200
            assert known is not None

            # The attack: 4 guesses from each of 5 addresses (under the per-address limit),
            # 20 in all, the per-account cap.
            for n in range(1, 6):
                for _ in range(4):
                    status, cookie = await attempt("wrong", f"198.51.100.{n}")
                    assert (status, cookie) == (401, None)

            # An unknown browser, even with the right password from a fresh address, waits.
            status, _ = await attempt(admin.password, "203.0.113.99")
            assert status == 429
            # A device cookie is no skeleton key: the admin's works for the admin only.
            status, _ = await attempt(
                "wrong", "203.0.113.99", device=known, email="reader@example.com"
            )
            assert status == 401
            forged = known[:-2] + ("AA" if not known.endswith("AA") else "BB")
            status, _ = await attempt(admin.password, "203.0.113.98", device=forged)
            assert status == 429

            # The browser that signed in before goes through, from anywhere.
            status, renewed = await attempt(admin.password, "192.0.2.50", device=known)
            assert status == 200
            assert renewed is not None
            assert renewed != known

            # A device cookie that keeps failing is locked itself (5 failures, then 429 even
            # with the right password), and only that device is.
            for _ in range(5):
                status, _ = await attempt("wrong", "192.0.2.50", device=known)
                assert status == 401
            status, _ = await attempt(admin.password, "192.0.2.51", device=known)
            assert status == 429
            status, _ = await attempt(admin.password, "192.0.2.51", device=renewed)
            assert status == 200

            # Revocation lives in PostgreSQL: a password change ends the trust of every device
            # cookie issued before it (the user's token version moved), whatever Redis holds.
            new_password = "another-long-passphrase-42"
            r = await as_admin.patch(f"/users/{admin.id}", json={"password": new_password})
            assert r.status_code == 200, r.text
            status, _ = await attempt(new_password, "192.0.2.52", device=renewed)
            assert status == 429
