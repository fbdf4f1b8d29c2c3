"""What every vendor sandbox shares: the seed person, fault injection and a loopback server.

A sandbox is a faithful local simulator of one vendor's API: an ASGI app with its own state.
Vendor packages expose a ``create_sandbox`` factory under the entry-point group
``crmsync.sandboxes``; tests, the demo and the benchmarks start it with
:class:`SandboxServer` on an ephemeral loopback port.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

import uvicorn

from connectors.base import Clock, ConnectorSettings
from connectors.toolkit.asgi import ASGIApp as ASGIApp
from connectors.toolkit.asgi import Message as Message
from connectors.toolkit.asgi import Receive as Receive
from connectors.toolkit.asgi import Scope as Scope
from connectors.toolkit.asgi import Send as Send
from connectors.toolkit.asgi import send_answer, stamp_date
from connectors.toolkit.fault_mode import FaultMode, FaultRecord

EmailStatus = Literal["subscribed", "unsubscribed", "cleaned", "pending", "transactional"]


@dataclass(frozen=True, slots=True)
class SeedPerson:
    """A vendor-neutral person for seeding sandboxes; each sandbox maps it to its own shape.

    ``crm_ref`` is the CRM id a marketing tool keeps in a field of its own, when it has one.
    """

    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    job_title: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    birthday: date | None = None
    lifecycle_stage: str | None = None
    email_status: EmailStatus | None = None
    tags: tuple[str, ...] = ()
    crm_ref: str | None = None
    open_rate: float | None = None
    click_rate: float | None = None
    rating: int | None = None
    modified_at: datetime | None = None


@dataclass
class Fault:
    """A planned failure for the next ``times`` matching requests.

    ``after_apply`` lets the request change the sandbox's state and then replaces the answer
    (a lost response); ``hold`` additionally blocks that answer until the event is set, and
    ``applied`` is set once the state has changed (a crash window a test can use).
    """

    status: int
    times: int = 1
    method: str | None = None
    path_prefix: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    after_apply: bool = False
    hold: threading.Event | None = None
    applied: threading.Event = field(default_factory=threading.Event)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return not self.path_prefix or path.startswith(self.path_prefix)


class DateHeader:
    """Stamps every response with an HTTP ``Date`` from the sandbox's own clock, as a vendor's
    server does from its clock (connectors take watermarks from it, not from their host)."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, stamp_date(send, self.clock))


class FaultInjector:
    """ASGI middleware that serves planned faults in front of a sandbox app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = self._take(scope) if scope["type"] == "http" else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.after_apply:
            await self.app(scope, receive, _discard)
            fault.applied.set()
            if fault.hold is not None:
                await _wait_for(fault.hold)
        await _respond(send, fault)

    def _take(self, scope: Scope) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(scope["method"], scope["path"]):
                    fault.times -= 1
                    return fault
        return None


async def _discard(message: Message) -> None:
    return None


async def _wait_for(event: threading.Event) -> None:
    import anyio.to_thread

    await anyio.to_thread.run_sync(event.wait)


async def _respond(send: Send, fault: Fault) -> None:
    await send_answer(send, fault.status, fault.headers, fault.body)


class Sandbox(Protocol):
    """The control surface of a vendor sandbox that tests, the demo and benchmarks use."""

    kind: str
    app: ASGIApp

    def settings(self, name: str, base_url: str) -> ConnectorSettings:
        """A connector configuration that works against this sandbox."""
        ...

    def seed(self, people: Sequence[SeedPerson]) -> list[str]:
        """Store people as the vendor would; returns their external ids in order."""
        ...

    def inject(self, fault: Fault) -> None: ...

    def fault_mode(self, mode: FaultMode | None) -> FaultRecord:
        """Switch a seeded storm of faults on (None: off, the vendor's faithful behaviour
        again); returns the record of what the storm does from now on."""
        ...

    def add_malformed(self, stream: str) -> str:
        """Store an item a connector cannot decode; returns its external id."""
        ...

    def write_calls(self) -> int:
        """How many write requests (create, update, delete, batch) the sandbox has served."""
        ...

    def edit_person(self, external_id: str, changes: SeedPerson) -> None:
        """Change a person as a user in the vendor's UI would: every field ``changes`` gives
        (None leaves a field alone; ``email_status`` too) is set and the record's modification
        time moves."""
        ...


SandboxFactory = Callable[..., Sandbox]


class SandboxServer:
    """Serves an ASGI app with uvicorn on an ephemeral loopback port, in a thread."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that name it, and
        # without it Nagle and delayed ACKs stall every response by ~40 ms.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind((host, port))
        self._sock.listen(256)
        # No server Date: each sandbox stamps its own from its (possibly simulated) clock.
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            date_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, args=([self._sock],), daemon=True)
        host_, port_ = self._sock.getsockname()[:2]
        self.base_url = f"http://{host_}:{port_}"

    def start(self) -> SandboxServer:
        """Start serving; requests sent before the loop runs wait in the listen backlog."""
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
