"""Taking in one webhook delivery: verified and decoded by the system's connector, stored in
the inbox, and the affected streams' jobs woken.

The delivery is only stored here; the stream's next pull fetches the named records and takes
them in (sync.pull drains the inbox). Storing first keeps the answer fast and loses nothing
when the daemon stops right after answering. A redelivered event id is stored once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog

from connectors.base import WebhookEvent, WebhookRejectedError, WebhookRequest
from sync.runtime import Runtime
from sync.store import journal

log = structlog.get_logger("sync.webhooks")


class UnknownSystemError(LookupError):
    """No system of that name is configured; the web layer answers 404."""


@dataclass(frozen=True)
class Accepted:
    """What became of one delivery's events: ``stored`` for the inbox (a redelivered event
    counts again, the inbox keeps it once), ``own`` echoes of our writes, ``ignored`` events
    of streams that are not configured."""

    stored: int = 0
    own: int = 0
    ignored: int = 0
    streams: tuple[str, ...] = field(default_factory=tuple)


def accept(
    rt: Runtime,
    system: str,
    request: WebhookRequest,
    wake: Callable[[str, str], object] | None = None,
) -> Accepted:
    """Verify, store and wake; raises :class:`WebhookRejectedError` for a delivery that fails
    verification and :class:`UnknownSystemError` for a system that is not configured.

    Events of our own writes are stored as already processed, so they are never fetched;
    events of streams that are not configured are ignored.
    """
    connector = rt.connectors.get(system)
    if connector is None:
        raise UnknownSystemError(system)
    try:
        events = connector.parse_webhook(request)
    except WebhookRejectedError as exc:
        log.warning("webhook.rejected", system=system, reason=str(exc))
        raise
    configured = {s.name for s in rt.streams if s.system == system}
    wanted = _unique([e for e in events if e.stream in configured])
    rows = [_row(system, e, request, rt) for e in wanted]
    with rt.store.transaction() as conn:
        journal.store_webhook_events(conn, rows)
    streams = sorted({e.stream for e in wanted if not e.is_own_write})
    for stream in streams:
        if wake is not None:
            wake(system, stream)
    return _accepted(system, events, wanted, streams)


def _accepted(
    system: str, events: Sequence[WebhookEvent], wanted: Sequence[WebhookEvent], streams: list[str]
) -> Accepted:
    accepted = Accepted(
        stored=sum(not e.is_own_write for e in wanted),
        own=sum(e.is_own_write for e in wanted),
        ignored=len(events) - len(wanted),
        streams=tuple(streams),
    )
    log.info(
        "webhook.accepted",
        system=system,
        stored=accepted.stored,
        own=accepted.own,
        ignored=accepted.ignored,
    )
    return accepted


def _unique(events: Sequence[WebhookEvent]) -> list[WebhookEvent]:
    """One event per id: a vendor may repeat an event inside one delivery."""
    seen: dict[str, WebhookEvent] = {}
    for event in events:
        seen.setdefault(event.event_id, event)
    return list(seen.values())


def _row(
    system: str, event: WebhookEvent, request: WebhookRequest, rt: Runtime
) -> dict[str, object]:
    return {
        "system": system,
        "event_id": event.event_id,
        "stream": event.stream,
        "external_id": event.external_id,
        "kind": event.kind.value,
        "previous_id": event.previous_id,
        "occurred_at": event.occurred_at,
        "received_at": request.received_at,
        # Our own echo is kept for the record but never fetched again.
        "processed_at": rt.clock.now() if event.is_own_write else None,
    }
