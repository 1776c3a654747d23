"""Clients: the firm's investors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from carteira.audit import service as audit
from carteira.auth import service as auth
from carteira.clients.exceptions import (
    AssignmentForbiddenError,
    ClientDocumentTakenError,
    ClientEmailTakenError,
    ClientHasTransactionsError,
    ClientNeedsReviewError,
    ClientNotFoundError,
    ClientReviewsThrottledError,
    UnknownAdvisorError,
)
from carteira.clients.models import Client, ClientStatus
from carteira.clients.schemas import (
    ClientCreate,
    ClientOut,
    ClientPage,
    ClientPatch,
    ClientReplace,
    ClientSort,
)
from carteira.core.database import atomic, db, on_commit
from carteira.core.events import EventBus
from carteira.core.exports import cursor_rows
from carteira.core.pagination import PageParams

ENTITY = "client"
FIELDS = ("name", "email", "document", "phone", "status", "advisor_id")
LIST_COLUMNS = ("id", *FIELDS, "created_at", "updated_at")
CACHE = "clients.listing"
OWNERS = "clients.owners"
# Published after a client changed (its advisor, say) or went away: `client_id`.
CLIENT_CHANGED = "client.changed"


@dataclass(frozen=True, slots=True)
class ClientScope:
    """The clients a caller may see and change: every one (admins and readers), or the book of
    one advisor. Every read of client-owned data goes through it: a client outside the scope
    is answered exactly as a missing one."""

    advisor_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.advisor_id is None

    def narrowed(self, advisor_id: int | None) -> ClientScope:
        """The scope limited to one advisor's book (`?advisor_id=`); an advisor asking for
        another's gets nobody."""
        if advisor_id is None:
            return self
        if self.everything or advisor_id == self.advisor_id:
            return ClientScope(advisor_id=advisor_id)
        return NOBODY


EVERY_CLIENT = ClientScope()
NOBODY = ClientScope(advisor_id=0)  # no user has id 0


def _snapshot(client: Client) -> dict[str, Any]:
    return {field: getattr(client, field) for field in FIELDS}


def _integrity_conflict(exc: IntegrityError) -> Exception:
    message = str(exc)
    if "document" in message:
        return ClientDocumentTakenError()
    if "email" in message:
        return ClientEmailTakenError()
    return exc


# An advisor whose email or CPF is taken outside their book learns only that an admin must
# register the person (ClientNeedsReviewError), never whether another advisor or nobody holds
# it; each such refusal is audited for the admins, and a user who has had REVIEWS_PER_WINDOW
# of them is answered 429 on every client write that sets an email or CPF until the window
# ends, so that a book cannot be mapped by trying addresses.
REVIEWS_PER_WINDOW = 5
REVIEW_WINDOW_SECONDS = 3600
_HOLDERS = (
    "SELECT id, advisor_id FROM clients"
    " WHERE (email = $1 OR document = $2) AND id IS DISTINCT FROM $3 ORDER BY id"
)


def _reviews_key(user_id: int) -> str:
    return f"clients:reviews:{user_id}"


async def _ensure_reviews_left(*, scope: ClientScope, events: EventBus) -> None:
    if scope.everything:
        return
    key = _reviews_key(int(scope.advisor_id or 0))
    async with events.redis.pipeline(transaction=True) as pipe:
        pipe.get(key)
        pipe.ttl(key)
        count, ttl = await pipe.execute()
    if count is not None and int(count) >= REVIEWS_PER_WINDOW:
        raise ClientReviewsThrottledError(retry_after=ttl if ttl > 0 else REVIEW_WINDOW_SECONDS)


async def _conflict(
    exc: IntegrityError,
    *,
    identity: dict[str, Any],
    client_id: int | None,
    scope: ClientScope,
    actor_id: int | None,
    events: EventBus,
) -> Exception:
    """What a unique email or CPF refused answers: the precise 409 to an admin, or to an
    advisor whose own client has it; otherwise the one neutral answer, audited and counted."""
    if scope.everything:
        return _integrity_conflict(exc)
    holders = await db().execute_query_dict(
        _HOLDERS, [identity.get("email"), identity.get("document"), client_id]
    )
    outside = [row["id"] for row in holders if row["advisor_id"] != scope.advisor_id]
    if not outside:
        return _integrity_conflict(exc)
    async with atomic():
        await audit.record(
            actor_id=actor_id,
            action=audit.Action.REFUSED,
            entity=ENTITY,
            entity_id=outside[0],
            # No client_id: the entry is the admins' alone, not the holder's advisor's.
            changes={
                "reason": "email or document of a client outside the actor's book",
                "client_id": client_id,
                **identity,
            },
        )
    key = _reviews_key(int(scope.advisor_id or 0))
    async with events.redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=REVIEW_WINDOW_SECONDS, nx=True)
        pipe.incr(key)
        await pipe.execute()
    return ClientNeedsReviewError()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(
    search: str | None, status: ClientStatus | None, advisor_id: int | None
) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    args: list[Any] = []
    if advisor_id is not None:
        args.append(advisor_id)
        conditions.append(f"advisor_id = ${len(args)}")
    if search:
        args.append(f"%{_escape_like(search)}%")
        conditions.append(f"(name ILIKE ${len(args)} OR email ILIKE ${len(args)})")
    if status is not None:
        args.append(status.value)
        conditions.append(f"status = ${len(args)}")
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), args


_ORDER = {
    "name": "name, id",
    "-name": "name DESC, id DESC",
    "created_at": "created_at, id",
    "-created_at": "created_at DESC, id DESC",
}


async def list_clients_json(
    *,
    search: str | None,
    status: ClientStatus | None,
    sort: ClientSort,
    params: PageParams,
    events: EventBus,
    scope: ClientScope = EVERY_CLIENT,
    advisor_id: int | None = None,
) -> str:
    """A page of clients as JSON: the hottest read of the API. Pages (encoded once: encoding
    was an eighth of the route's CPU) and per-filter totals are kept in this process until a
    client write anywhere invalidates them (through the event bus); a miss is plain SQL over
    the (name, id)/(created_at, id) indexes with LIMIT/OFFSET, its total counted once per
    filter: `COUNT(*) OVER ()` made PostgreSQL sort every client for every page."""
    advisor_id = scope.narrowed(advisor_id).advisor_id
    cache = events.cache(CACHE)
    generation = cache.generation
    filters = f"{search}\x00{status}\x00{advisor_id}"
    page_key = f"page\x00{filters}\x00{sort}\x00{params.page}\x00{params.page_size}"
    if (hit := cache.get(page_key)) is not None:
        return hit  # type: ignore[no-any-return]
    # Identifiers come from the whitelists above; every value is a bound parameter.
    where, args = _where(search, status, advisor_id)
    page_sql = (
        f"SELECT {', '.join(LIST_COLUMNS)} FROM clients{where} ORDER BY {_ORDER[sort]}"  # noqa: S608
        f" LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}"
    )
    async with db().acquire_connection() as connection:
        rows = [
            dict(r) for r in await connection.fetch(page_sql, *args, params.limit, params.offset)
        ]
        count_key = f"count\x00{filters}"
        total = len(rows)  # when the whole result fits on the first page
        if params.page > 1 or len(rows) == params.limit:
            cached_total = cache.get(count_key)
            if cached_total is None:
                count_sql = f"SELECT COUNT(*) FROM clients{where}"  # noqa: S608
                total = int(await connection.fetchval(count_sql, *args))
                cache.set(count_key, total, generation=generation)
            else:
                total = int(cached_total)
    text = ClientPage.build(rows, total=total, params=params).model_dump_json()
    cache.set(page_key, text, generation=generation)
    return text


async def warm_up(*, events: EventBus) -> None:
    """A fresh process's first list page, kept, with the whole list's count that every page
    of it shows (a scan of every client): what its first list requests would each compute."""
    await list_clients_json(
        search=None, status=None, sort="name", params=PageParams(), events=events
    )


async def matching_client_ids(
    *,
    search: str | None,
    status: ClientStatus | None,
    scope: ClientScope = EVERY_CLIENT,
    advisor_id: int | None = None,
) -> list[int]:
    """Every client the listing's filters match, by name: for a module that orders the list
    by figures of its own (and then asks for a page of them with `listed_clients`)."""
    where, args = _where(search, status, scope.narrowed(advisor_id).advisor_id)
    sql = f"SELECT id FROM clients{where} ORDER BY {_ORDER['name']}"  # noqa: S608 - see above
    async with db().acquire_connection() as connection:
        return [row[0] for row in await connection.fetch(sql, *args)]


async def listed_clients(*, client_ids: Sequence[int]) -> list[ClientOut]:
    """These clients as the listing shows them, in the order given."""
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(
            f"SELECT {', '.join(LIST_COLUMNS)} FROM clients WHERE id = ANY($1::int[])",  # noqa: S608
            list(client_ids),
        )
    by_id = {row["id"]: ClientOut.model_validate(dict(row)) for row in rows}
    return [by_id[i] for i in client_ids if i in by_id]


async def get_client(*, client_id: int) -> Client:
    client = await Client.get_or_none(id=client_id)
    if client is None:
        raise ClientNotFoundError()
    return client


async def ensure_client_exists(*, client_id: int) -> None:
    if not await Client.exists(id=client_id):
        raise ClientNotFoundError()


async def ensure_visible(*, client_id: int, scope: ClientScope, events: EventBus) -> None:
    """404 for a client outside the scope, exactly as for a missing one. An advisor's check
    reads the client's owner, kept in this process until the client changes anywhere."""
    if scope.everything:
        return
    cache = events.cache(OWNERS, cleared_by=(CLIENT_CHANGED,), keyed_by="client_id")
    generation = cache.generation
    owner = cache.get(str(client_id))
    if owner is None:
        rows = await db().execute_query_dict(
            "SELECT advisor_id FROM clients WHERE id = $1", [client_id]
        )
        owner = (rows[0]["advisor_id"] or 0) if rows else -1  # 0: unassigned, -1: missing
        cache.set(str(client_id), owner, generation=generation)
    if owner != scope.advisor_id:
        raise ClientNotFoundError()


async def visible_client_ids(*, scope: ClientScope) -> list[int] | None:
    """The ids of the clients in the scope; None when it is every client."""
    if scope.everything:
        return None
    rows = await db().execute_query_dict(
        "SELECT id FROM clients WHERE advisor_id = $1 ORDER BY id", [scope.advisor_id]
    )
    return [row["id"] for row in rows]


@dataclass(frozen=True, slots=True)
class ClientLabel:
    name: str
    advisor_id: int | None


async def labels(*, client_ids: Iterable[int]) -> dict[int, ClientLabel]:
    """Each client's name and advisor (None: unassigned), in one query."""
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    async with db().acquire_connection() as connection:
        rows = await connection.fetch(
            "SELECT id, name, advisor_id FROM clients WHERE id = ANY($1::int[])", wanted
        )
    return {row[0]: ClientLabel(row[1], row[2]) for row in rows}


async def _check_assignment(advisor_id: int | None, *, scope: ClientScope) -> None:
    """Only an admin assigns, and only to an active advisor; an advisor may name themself."""
    if not scope.everything:
        if advisor_id != scope.advisor_id:
            raise AssignmentForbiddenError()
        return
    if advisor_id is not None and not await auth.is_active_advisor(user_id=advisor_id):
        raise UnknownAdvisorError()


async def lock_client(*, client_id: int) -> None:
    """Inside a transaction: the client's row, locked until it ends. Every write to a client's
    ledger takes it first, so that its writes (and the client's deletion) happen one at a time."""
    # A row read FOR UPDATE (EXISTS would not lock anything).
    rows = await db().execute_query_dict(
        "SELECT id FROM clients WHERE id = $1 FOR UPDATE", [client_id]
    )
    if not rows:
        raise ClientNotFoundError()


async def client_names(*, client_ids: Iterable[int]) -> dict[int, str]:
    return {i: label.name for i, label in (await labels(client_ids=client_ids)).items()}


async def _counts_changed(events: EventBus, client_id: int | None = None) -> None:
    await on_commit(lambda: events.invalidate(CACHE))
    if client_id is not None:
        await on_commit(lambda: events.publish(CLIENT_CHANGED, client_id=client_id))


async def create_client(
    *,
    data: ClientCreate,
    actor_id: int | None,
    events: EventBus,
    scope: ClientScope = EVERY_CLIENT,
) -> Client:
    """An advisor's new client is theirs; an admin may assign it to an advisor."""
    fields = data.model_dump()
    if not scope.everything:
        fields["advisor_id"] = fields["advisor_id"] or scope.advisor_id
    await _check_assignment(fields["advisor_id"], scope=scope)
    await _ensure_reviews_left(scope=scope, events=events)
    try:
        async with atomic():
            client = await audit.audited_create(
                row=Client.create(**fields),
                snapshot=_snapshot,
                entity=ENTITY,
                actor_id=actor_id,
            )
            await _counts_changed(events)
    except IntegrityError as exc:
        raise await _conflict(
            exc,
            identity={"email": fields["email"], "document": fields["document"]},
            client_id=None,
            scope=scope,
            actor_id=actor_id,
            events=events,
        ) from exc
    return client


async def update_client(
    *,
    client_id: int,
    data: ClientReplace | ClientPatch,
    actor_id: int | None,
    events: EventBus,
    scope: ClientScope = EVERY_CLIENT,
) -> Client:
    """PUT replaces every field; PATCH changes only the fields that were sent. The advisor
    changes only when `advisor_id` is sent, and only an admin changes it."""
    changes = (
        data.model_dump(exclude={"advisor_id"})
        if isinstance(data, ClientReplace)
        else data.model_dump(exclude_unset=True, exclude={"advisor_id"})
    )
    if "advisor_id" in data.model_fields_set:
        await _check_assignment(data.advisor_id, scope=scope)
        changes["advisor_id"] = data.advisor_id
    identity: dict[str, Any] = {
        name: changes[name] for name in ("email", "document") if name in changes
    }
    if identity:
        await _ensure_reviews_left(scope=scope, events=events)

    def change(client: Client) -> None:
        client.update_from_dict(changes)

    async def saved(_: Client, __: dict[str, Any]) -> None:
        await _counts_changed(events, client_id)

    try:
        client, _ = await audit.audited_update(
            query=Client.filter(id=client_id),
            missing=ClientNotFoundError,
            snapshot=_snapshot,
            change=change,
            entity=ENTITY,
            actor_id=actor_id,
            saved=saved,
        )
    except IntegrityError as exc:
        raise await _conflict(
            exc,
            identity=identity,
            client_id=client_id,
            scope=scope,
            actor_id=actor_id,
            events=events,
        ) from exc
    return client


async def delete_client(*, client_id: int, actor_id: int | None, events: EventBus) -> None:
    """Refused (409) while the client has transactions: nothing cascades away silently."""

    async def deleted(_: Client) -> None:
        await _counts_changed(events, client_id)

    try:
        await audit.audited_delete(
            query=Client.filter(id=client_id),
            missing=ClientNotFoundError,
            snapshot=_snapshot,
            entity=ENTITY,
            actor_id=actor_id,
            deleted=deleted,
        )
    except IntegrityError as exc:  # the ledger's foreign key is ON DELETE RESTRICT
        raise ClientHasTransactionsError() from exc


async def find_by_email(*, email: str) -> Client | None:
    return await Client.get_or_none(email=email.lower())


_CLIENT_ROWS = "SELECT id, name, email, status, advisor_id FROM clients"


async def client_rows(
    *, idle_seconds: float, scope: ClientScope = EVERY_CLIENT
) -> AsyncIterator[tuple[Any, ...]]:
    """The scope's clients (id, name, email, status, advisor_id), streamed for exports."""
    sql, args = f"{_CLIENT_ROWS} ORDER BY id", []
    if not scope.everything:
        sql, args = f"{_CLIENT_ROWS} WHERE advisor_id = $1 ORDER BY id", [scope.advisor_id]
    async for record in cursor_rows(sql, *args, idle_seconds=idle_seconds):
        yield record
