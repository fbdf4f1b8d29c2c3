"""Seeded storms of faults a running sandbox can be switched into, and what they did.

A :class:`FaultMode` gives each kind of fault a rate per request; one seeded random generator
draws, in arrival order, which request meets which fault. A 429 starts a refusal window: the
sandbox really refuses every request until its ``Retry-After`` has passed on the sandbox's
clock, answers an early request with 429 again and records it in :class:`FaultRecord`.
With no mode switched on, :class:`FaultModeLayer` passes every request through untouched.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from email.utils import format_datetime
from enum import StrEnum
from typing import Any

import anyio

from connectors.base import Clock
from connectors.toolkit.asgi import ASGIApp, Message, Receive, Scope, Send, send_answer, stamp_date

ErrorBody = Callable[[int], tuple[bytes, str]]
"""The vendor's error body for a status: ``(body, content type)``."""
IsWrite = Callable[[str, str], bool]
"""Whether a request (method, path) changes the vendor's state."""


class Storm(StrEnum):
    """The faults a mode can serve."""

    SERVER_ERROR = "server_error"
    THROTTLE = "throttle"
    LOST_WRITE = "lost_write"
    SLOW = "slow"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class FaultMode:
    """Per-request rates of each fault (together at most 1), drawn from ``seed``.

    - ``server_error_rate``: answered 500, 502 or 503 without touching the state;
    - ``throttle_rate``: answered 429 with ``Retry-After`` of ``retry_after_s`` seconds, as
      a number or (``retry_after_as_date``) as an HTTP-date; refused until then;
    - ``lost_write_rate``: a write is applied, then answered 502 (committed, unacknowledged);
    - ``slow_rate``: the answer is held ``slow_hold_s`` real seconds, past the client's
      timeout (the request is applied first; a client that gave up never gets it);
    - ``reset_rate``: the connection is closed without an answer.
    """

    seed: int = 0
    server_error_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after_s: int = 5
    retry_after_as_date: bool = False
    lost_write_rate: float = 0.0
    slow_rate: float = 0.0
    slow_hold_s: float = 5.0
    reset_rate: float = 0.0

    def __post_init__(self) -> None:
        rates = [self.server_error_rate, self.throttle_rate, self.lost_write_rate]
        rates += [self.slow_rate, self.reset_rate]
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError("fault rates must be non-negative and add up to at most 1")
        if self.retry_after_s < 0 or self.slow_hold_s < 0:
            raise ValueError("retry_after_s and slow_hold_s must be non-negative")

    @classmethod
    def from_json(cls, raw: str) -> FaultMode:
        """A mode from a JSON object of its fields; an unknown field is an error."""
        given: Mapping[str, Any] = json.loads(raw)
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault mode fields: {sorted(unknown)}")
        return cls(**given)

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@dataclass(frozen=True, slots=True)
class EarlyRequest:
    """A request that arrived while a 429's ``Retry-After`` had not elapsed."""

    method: str
    path: str
    at: datetime
    until: datetime


@dataclass
class FaultRecord:
    """What one switched-on mode did: faults served by kind, requests let through, and every
    request that came before its ``Retry-After`` had elapsed."""

    mode: FaultMode | None = None
    faults: Counter[Storm] = field(default_factory=Counter)
    passed: int = 0
    early: list[EarlyRequest] = field(default_factory=list)


@dataclass
class _Storm:
    """A switched-on mode's state. Writes draw from a generator of their own, so the faults
    the writes meet do not depend on how many reads came between them (threads, timing)."""

    mode: FaultMode
    record: FaultRecord
    rng: random.Random = field(init=False)
    write_rng: random.Random = field(init=False)
    refused_until: datetime | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.mode.seed}:requests")
        self.write_rng = random.Random(f"{self.mode.seed}:writes")


@dataclass(frozen=True, slots=True)
class _Decision:
    storm: Storm
    mode: FaultMode
    status: int
    until: datetime | None = None


def _json_error(status: int) -> tuple[bytes, str]:
    return json.dumps({"status": status}).encode(), "application/json"


def _is_write(method: str, path: str) -> bool:
    return method not in ("GET", "HEAD", "OPTIONS")


class FaultModeLayer:
    """ASGI middleware, outermost in a sandbox, that serves the switched-on :class:`FaultMode`.

    It sits outside the sandbox's ``Date`` stamping, so it stamps its own answers from the
    same clock, and it needs the server's own ``send`` to reset a connection.
    """

    def __init__(
        self,
        app: ASGIApp,
        clock: Clock,
        *,
        error_body: ErrorBody = _json_error,
        is_write: IsWrite = _is_write,
    ) -> None:
        self.app = app
        self._clock = clock
        self._error_body = error_body
        self._is_write = is_write
        self._lock = threading.Lock()
        self._storm: _Storm | None = None

    def switch(self, mode: FaultMode | None) -> FaultRecord:
        """Serve ``mode`` from the next request on (None: none); returns its fresh record."""
        record = FaultRecord(mode)
        with self._lock:
            self._storm = None if mode is None else _Storm(mode, record)
        return record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        decision = self._decide(scope) if scope["type"] == "http" else None
        if decision is None:
            await self.app(scope, receive, send)
            return
        storm = decision.storm
        if storm is Storm.THROTTLE and decision.until is not None:
            await self._refuse(send, decision.mode, decision.until)
        elif storm in (Storm.SERVER_ERROR, Storm.THROTTLE):
            await self._answer(send, decision.status)
        elif storm is Storm.LOST_WRITE:
            await self.app(scope, receive, _discard)
            await self._answer(send, decision.status)
        elif storm is Storm.SLOW:
            await self._slow(scope, receive, send, decision.mode.slow_hold_s)
        else:
            await _reset(receive, send)

    def _decide(self, scope: Scope) -> _Decision | None:
        """The fault this request meets, or None; a 429 opens (or still is) a refusal."""
        with self._lock:
            state = self._storm
            if state is None:
                return None
            now = self._clock.now()
            until = state.refused_until
            if until is not None and now < until:
                early = EarlyRequest(scope["method"], scope["path"], now, until)
                state.record.early.append(early)
                state.record.faults[Storm.THROTTLE] += 1
                return _Decision(Storm.THROTTLE, state.mode, 429, until)
            storm = self._draw(state, scope)
            if storm is None:
                state.record.passed += 1
                return None
            state.record.faults[storm] += 1
            if storm is Storm.THROTTLE:
                state.refused_until = _refusal_end(now, state.mode)
                return _Decision(storm, state.mode, 429, state.refused_until)
            status = state.rng.choice((500, 502, 503)) if storm is Storm.SERVER_ERROR else 502
            return _Decision(storm, state.mode, status)

    def _draw(self, state: _Storm, scope: Scope) -> Storm | None:
        mode = state.mode
        is_write = self._is_write(scope["method"], scope["path"])
        chances = [
            (Storm.THROTTLE, mode.throttle_rate),
            (Storm.SERVER_ERROR, mode.server_error_rate),
            (Storm.LOST_WRITE, mode.lost_write_rate if is_write else 0.0),
            (Storm.SLOW, mode.slow_rate),
            (Storm.RESET, mode.reset_rate),
        ]
        point = (state.write_rng if is_write else state.rng).random()
        for storm, rate in chances:
            if point < rate:
                return storm
            point -= rate
        return None

    async def _refuse(self, send: Send, mode: FaultMode, until: datetime) -> None:
        if mode.retry_after_as_date:
            hint = format_datetime(until, usegmt=True)
        else:
            hint = str(max(0, math.ceil((until - self._clock.now()).total_seconds())))
        await self._answer(send, 429, {"retry-after": hint})

    async def _answer(self, send: Send, status: int, headers: dict[str, str] | None = None) -> None:
        body, content_type = self._error_body(status)
        given = {**(headers or {}), "content-type": content_type}
        await send_answer(stamp_date(send, self._clock), status, given, body)

    async def _slow(self, scope: Scope, receive: Receive, send: Send, hold_s: float) -> None:
        held: list[Message] = []

        async def keep(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, keep)
        if await _client_left(receive, hold_s):
            return
        for message in held:
            await send(message)


def _refusal_end(now: datetime, mode: FaultMode) -> datetime:
    """When a 429 starting now lets requests in again; a date names a whole second."""
    until = now + timedelta(seconds=mode.retry_after_s)
    if mode.retry_after_as_date and until.microsecond:
        until = until.replace(microsecond=0) + timedelta(seconds=1)
    return until


async def _discard(message: Message) -> None:
    return None


async def _client_left(receive: Receive, within_s: float) -> bool:
    """Wait up to ``within_s`` real seconds for the client to hang up; True if it did."""
    with anyio.move_on_after(within_s):
        while True:
            if (await receive())["type"] == "http.disconnect":
                return True
    return False


async def _reset(receive: Receive, send: Send) -> None:
    """Close the connection without an answer: a TCP reset through uvicorn's transport.

    ASGI has no way to drop a connection, so this reaches the transport of the server's own
    ``send`` (uvicorn's request cycle); where there is none, a 503 stands in for the reset.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if not isinstance(transport, asyncio.Transport):
        await send_answer(send, 503)
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await _client_left(receive, 1.0)  # let the server see it, so it answers nothing itself
