"""Database leases: time-limited claims that keep daemon replicas and threads off the same work.

A lease is one row per name. Taking it is a single conditional upsert — insert, or take over
the row where it has expired or is already ours — so it is atomic on SQLite and PostgreSQL
alike and needs no lock that outlives the statement. A replica that dies simply stops
renewing; its leases expire and another replica takes the work over.

Holders made by :func:`process_holder` name their host, process id and PID namespace. A lease
whose holder is a process of this host and namespace that no longer exists is taken over at
once instead of after its TTL: a ``crmsync run`` started again after a crash need not wait.
Holders of other hosts or namespaces (another container) are never judged, only let expire.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from connectors.base import Clock
from sync.store.sql import Store

if TYPE_CHECKING:  # only the type: the runtime module pulls in config, registry and matching
    from sync.runtime import Stream
from sync.store.tables import LeaseRow

LEASES = LeaseRow.__table__  # type: ignore[attr-defined]
DEFAULT_LEASE_TTL_S = 120.0
log = structlog.get_logger("sync.lease")


def acquire(
    target: Store | Connection, name: str, holder: str, ttl_s: float, now: datetime
) -> bool:
    """Claim ``name`` for ``holder`` until ``now + ttl_s``; True if ``holder`` holds it now.

    Succeeds when the lease is free, expired, or already held by ``holder`` (a renewal).
    """
    row = {"name": name, "holder": holder, "expires_at": now + timedelta(seconds=ttl_s)}
    with _connection(target) as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(LEASES).values(**row)
        claim = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": insert.excluded.holder, "expires_at": insert.excluded.expires_at},
            where=(LEASES.c.expires_at <= now) | (LEASES.c.holder == holder),
        )
        conn.execute(claim)
        current = conn.execute(select(LEASES.c.holder).where(LEASES.c.name == name)).scalar_one()
    return bool(current == holder)


def release(target: Store | Connection, name: str, holder: str) -> bool:
    """Give the lease up; False when ``holder`` no longer held it (it expired and was taken)."""
    with _connection(target) as conn:
        result = conn.execute(
            delete(LEASES).where(LEASES.c.name == name, LEASES.c.holder == holder)
        )
    return bool(result.rowcount)


def take_over(
    target: Store | Connection, name: str, dead: str, holder: str, ttl_s: float, now: datetime
) -> bool:
    """Give ``name`` to ``holder`` if ``dead`` still holds it; True if it did."""
    claim = (
        update(LEASES)
        .where(LEASES.c.name == name, LEASES.c.holder == dead)
        .values(holder=holder, expires_at=now + timedelta(seconds=ttl_s))
    )
    with _connection(target) as conn:
        return bool(conn.execute(claim).rowcount)


def one_run(holder: str) -> str:
    """``holder`` made unique to one run, so two threads of one process never share a lease."""
    return f"{holder}/{uuid.uuid4().hex[:8]}"


def process_holder(role: str) -> str:
    """A holder name for this process: ``role@host:pid:pid-namespace``."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}:{_pid_namespace() or '-'}"


_PROCESS_HOLDER = re.compile(r"^[^@/]+@(?P<host>[^:/]+):(?P<pid>\d+):(?P<ns>\d+)(?:/.*)?$")


def is_dead_process(holder: str) -> bool:
    """True only for a holder of :func:`process_holder`'s form naming a process of this host
    and PID namespace that does not exist any more."""
    found = _PROCESS_HOLDER.match(holder)
    namespace = _pid_namespace()
    if found is None or namespace is None:
        return False
    pid = int(found["pid"])
    same_place = found["host"] == socket.gethostname() and found["ns"] == namespace
    if not same_place or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _pid_namespace() -> str | None:
    """The inode of this process's PID namespace (Linux); None where there is none to read."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return None


def holder_of(target: Store | Connection, name: str, now: datetime) -> str | None:
    """Who holds ``name`` at ``now`` (None when it is free or expired)."""
    query = select(LEASES.c.holder).where(LEASES.c.name == name, LEASES.c.expires_at > now)
    with _connection(target) as conn:
        found = conn.execute(query).scalar_one_or_none()
    return None if found is None else str(found)


class Lease:
    """A lease this process holds; :meth:`renew` extends it, ``is_lost`` tells it was taken."""

    def __init__(self, store: Store, name: str, holder: str, ttl_s: float, clock: Clock) -> None:
        self.store = store
        self.name = name
        self.holder = holder
        self.ttl_s = ttl_s
        self.clock = clock
        self.is_lost = False

    def renew(self) -> bool:
        """Extend the lease by its TTL from now; marks it lost if another holder has it."""
        if not acquire(self.store, self.name, self.holder, self.ttl_s, self.clock.now()):
            self.is_lost = True
            log.warning("lease.lost", lease=self.name)
        return not self.is_lost


@contextmanager
def hold(
    store: Store,
    name: str,
    holder: str,
    ttl_s: float,
    clock: Clock,
    *,
    renew_every_s: float | None = None,
) -> Iterator[Lease | None]:
    """Hold ``name`` for the block, renewed in the background (by default every third of the
    TTL) so long work keeps it; yields None without waiting when someone else holds it."""
    if not acquire(store, name, holder, ttl_s, clock.now()) and not _from_the_dead(
        store, name, holder, ttl_s, clock
    ):
        yield None
        return
    lease = Lease(store, name, holder, ttl_s, clock)
    stop = threading.Event()
    keeper = threading.Thread(
        target=_keep, args=(lease, stop, renew_every_s or ttl_s / 3), daemon=True
    )
    keeper.start()
    try:
        yield lease
    finally:
        stop.set()
        keeper.join()
        _release_quietly(lease)


def _from_the_dead(store: Store, name: str, holder: str, ttl_s: float, clock: Clock) -> bool:
    current = holder_of(store, name, clock.now())
    if current is None or not is_dead_process(current):
        return False
    taken = take_over(store, name, current, holder, ttl_s, clock.now())
    if taken:
        log.warning("lease.taken_from_dead_process", lease=name)
    return taken


def _keep(lease: Lease, stop: threading.Event, every_s: float) -> None:
    while not stop.wait(every_s):
        try:
            if not lease.renew():
                return
        except SQLAlchemyError as exc:
            # The store may be back before the lease runs out: try again next round.
            log.warning("lease.renew_failed", lease=lease.name, error=type(exc).__name__)


def _release_quietly(lease: Lease) -> None:
    """Release without hiding the block's own exception; an unreleased lease just expires."""
    try:
        release(lease.store, lease.name, lease.holder)
    except SQLAlchemyError as exc:
        log.warning("lease.release_failed", lease=lease.name, error=type(exc).__name__)


def _connection(target: Store | Connection) -> AbstractContextManager[Connection]:
    return target.transaction() if isinstance(target, Store) else nullcontext(target)


def pull_lease(stream: Stream) -> str:
    """The lease held while a stream is pulled."""
    return f"pull:{stream.system}/{stream.name}"


def push_lease(stream: Stream) -> str:
    """The lease held while a target is pushed to."""
    return f"push:{stream.system}/{stream.name}"
