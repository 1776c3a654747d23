"""A SPA on app.example.test using the API on api.example.test with cookies, in Chromium.

Both names resolve to 127.0.0.1 (Chromium's host resolver rules); the page is served by a tiny
static server of the test, the API by a real `carteira serve`."""

from __future__ import annotations

import contextlib

import pytest
from aiohttp import web
from playwright.async_api import async_playwright

from tests.support import carteira_process, free_port, process_env, wait_http
from tests.web.browser import CHROMIUM_FLAGS, chromium

pytestmark = pytest.mark.browser

RESOLVE = "--host-resolver-rules=MAP app.example.test 127.0.0.1, MAP api.example.test 127.0.0.1"
PAGE = "<!doctype html><title>SPA</title><p>app.example.test</p>"

# Runs in the page (origin http://app.example.test:PORT): login, then writes with the cookies.
SPA = """
async ({ api, email, password }) => {
  const csrfCookie = () => {
    const hit = document.cookie.split("; ").find((c) => c.startsWith("csrf_token="));
    return hit ? decodeURIComponent(hit.slice("csrf_token=".length)) : null;
  };
  const call = (method, path, { csrf, body } = {}) => fetch(api + path, {
    method,
    credentials: "include",
    headers: {
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...(csrf ? { "X-CSRF-Token": csrf } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const login = await call("POST", "/auth/login", { body: { email, password } });
  const session = await login.json();
  const cookieToken = csrfCookie();
  const client = (n) => ({ name: `Client ${n}`, email: `spa${n}@example.com` });
  const fromCookie = await call("POST", "/clients", { csrf: cookieToken, body: client(1) });
  const fromBody = await call("POST", "/clients", { csrf: session.csrf_token, body: client(2) });
  const without = await call("POST", "/clients", { body: client(3) });
  const me = await call("GET", "/auth/me");
  const logout = await call("POST", "/auth/logout", { csrf: session.csrf_token });
  const meAfter = await call("GET", "/auth/me");
  return {
    login: login.status,
    bodyToken: session.csrf_token,
    cookieToken,
    fromCookie: fromCookie.status,
    fromBody: fromBody.status,
    without: without.status,
    withoutCode: (await without.json()).code,
    me: me.status,
    logout: logout.status,
    cookieAfterLogout: csrfCookie(),
    meAfter: meAfter.status,
  };
}
"""


@contextlib.asynccontextmanager
async def static_site(port: int):
    """The SPA's host: one page."""

    async def page(_: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    site = web.Application()
    site.router.add_get("/", page)
    runner = web.AppRunner(site)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://app.example.test:{port}"
    finally:
        await runner.cleanup()


async def test_a_spa_on_another_host_of_the_site_writes_with_cookies(settings, admin):
    """Measured before: the csrf_token cookie belonged to api.example.test alone, so the page
    on app.example.test could not read it and every cookie-authenticated write was 403."""
    app_port, api_port = free_port(), free_port()
    app_origin = f"http://app.example.test:{app_port}"
    env = process_env(
        settings,
        CORS_ORIGINS=app_origin,
        COOKIE_SECURE="false",  # plain http in the test
        COOKIE_DOMAIN=".example.test",
        ALLOWED_HOSTS="api.example.test,127.0.0.1",  # its public name, and the probe's
    )
    with carteira_process("serve", "--port", str(api_port), env=env):
        await wait_http(f"http://127.0.0.1:{api_port}/health")
        async with static_site(app_port), async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium(), args=[*CHROMIUM_FLAGS, RESOLVE]
            )
            try:
                page = await browser.new_page()
                await page.goto(f"{app_origin}/")
                result = await page.evaluate(
                    SPA,
                    {
                        "api": f"http://api.example.test:{api_port}",
                        "email": admin.email,
                        "password": admin.password,
                    },
                )
            finally:
                await browser.close()
    assert result["login"] == 200
    # The page on app.example.test reads the API's csrf_token cookie (COOKIE_DOMAIN) ...
    assert result["cookieToken"] == result["bodyToken"]
    assert result["fromCookie"] == 201
    # ... or keeps the login body's token: either one, echoed, lets a cookie write through.
    assert result["fromBody"] == 201
    assert (result["without"], result["withoutCode"]) == (403, "csrf_failed")
    assert result["me"] == 200
    # Logout clears the cookies on the same domain: the page no longer has a session.
    assert result["logout"] == 204
    assert result["cookieAfterLogout"] is None
    assert result["meAfter"] == 401
