"""An advisor probing other books through `POST /clients`, against a running `carteira serve`:
measured before, another book's email or CPF answered 409 `client_email_taken` /
`client_document_taken`, so any advisor could learn who is whose client."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from tests.factories import make_client
from tests.support import carteira_process, free_port, process_env, wait_http

pytestmark = pytest.mark.multiprocess

BIAS_CPF = "52998224725"
NOBODYS_CPF = "11144477735"
REVIEWS_PER_WINDOW = 5  # an advisor's refusals an hour before every such write waits


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, token: str, body: Any = None
) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.request(method, url, json=body, headers=headers) as r:
        return r.status, await r.read(), dict(r.headers)


async def test_an_advisor_cannot_tell_whose_client_a_person_is(
    settings, as_admin, as_advisor_a, advisor_a, advisor_b, admin
):
    bias = await make_client(
        as_admin, email="cliente.da.bia@example.com", document=BIAS_CPF, advisor_id=advisor_b.id
    )
    nobodys = await make_client(as_admin, email="sem.assessor@example.com", document=NOBODYS_CPF)
    anas = await make_client(as_advisor_a, email="cliente.da.ana@example.com")
    port = free_port()
    with carteira_process("serve", "--port", str(port), env=process_env(settings)):
        url = f"http://127.0.0.1:{port}"
        await wait_http(f"{url}/health")
        async with aiohttp.ClientSession() as http:

            async def as_ana(method: str, path: str, body: Any = None) -> tuple[int, bytes]:
                status, content, _ = await _call(http, method, url + path, advisor_a.token, body)
                return status, content

            new = {"name": "Someone"}
            # Her own client's email: she sees that client anyway, so the precise answer.
            status, content = await as_ana("POST", "/clients", {**new, "email": anas["email"]})
            assert (status, b"client_email_taken" in content) == (409, True)

            probes = [
                ("POST", "/clients", {**new, "email": bias["email"]}),  # Bia's client's email
                ("POST", "/clients", {**new, "email": "x@example.com", "document": BIAS_CPF}),
                ("POST", "/clients", {**new, "email": nobodys["email"]}),  # in no book
                ("PATCH", f"/clients/{anas['id']}", {"document": NOBODYS_CPF}),
                (
                    "PUT",
                    f"/clients/{anas['id']}",
                    {**new, "email": bias["email"], "status": "active"},
                ),
            ]
            assert len(probes) == REVIEWS_PER_WINDOW
            answers = {await as_ana(method, path, body) for method, path, body in probes}
            # One answer, byte for byte, whoever holds the email or CPF.
            assert len(answers) == 1, answers
            ((status, content),) = answers
            assert status == 409
            assert b'"code":"client_needs_review"' in content
            assert b"example.com" not in content
            assert b"bia" not in content.lower()

            # The probes were audited for the admins, and for no advisor's trail.
            status, content, _ = await _call(
                http, "GET", f"{url}/audit?entity=client&page_size=100", admin.token
            )
            refused = [e for e in _items(content) if e["action"] == "refused"]
            assert len(refused) == REVIEWS_PER_WINDOW
            assert {e["user_id"] for e in refused} == {advisor_a.id}
            assert {e["entity_id"] for e in refused} == {bias["id"], nobodys["id"]}
            assert all(e["client_id"] is None for e in refused)
            for advisor in (advisor_a, advisor_b):
                status, content, _ = await _call(
                    http, "GET", f"{url}/audit?page_size=100", advisor.token
                )
                assert not [e for e in _items(content) if e["action"] == "refused"]

            # The window's reviews are spent: every client write of hers that sets an email
            # or CPF waits, a brand-new person's too, so probing cannot go on.
            status, content, headers = await _call(
                http, "POST", f"{url}/clients", advisor_a.token, {**new, "email": "new@x.com"}
            )
            assert status == 429
            assert b"client_reviews_throttled" in content
            assert int(headers["Retry-After"]) > 0
            # Another advisor is not held back.
            status, _, _ = await _call(
                http, "POST", f"{url}/clients", advisor_b.token, {**new, "email": "b2@x.com"}
            )
            assert status == 201

            # Admins still get the precise answers.
            for body, code in (
                ({**new, "email": bias["email"]}, b"client_email_taken"),
                ({**new, "email": "y@example.com", "document": BIAS_CPF}, b"client_document_taken"),
            ):
                status, content, _ = await _call(http, "POST", f"{url}/clients", admin.token, body)
                assert (status, code in content) == (409, True)
    # Nothing was written by the probes.
    assert (await as_admin.get(f"/clients/{anas['id']}")).json()["email"] == anas["email"]
    assert (await as_admin.get(f"/clients/{anas['id']}")).json()["document"] is None


def _items(content: bytes) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(content)["items"]
    return items
