"""The consent rule: the most restrictive recent statement wins, and an opt-out is never lost.

The golden consent of a channel is a fold over every statement ever recorded for the
customer's source records (the append-only consent history), so neither delivery order, nor
replays, nor a source record disappearing can bring back an opt-in that was withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from connectors.base import ConsentStatus

_RESTRICTIVENESS = {
    ConsentStatus.WITHDRAWN: 3,
    ConsentStatus.PENDING: 2,
    ConsentStatus.GRANTED: 1,
}


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """One statement of one system about one channel; ``at`` is when it was true."""

    system: str
    status: ConsentStatus
    at: datetime
    is_explicit: bool = True
    source_status: str | None = None


def golden_consent(events: Iterable[ConsentEvent]) -> ConsentEvent | None:
    """The statement that stands for the customer, or None when nothing is known.

    - Unknown statements say nothing and are ignored.
    - A withdrawal stands until an *explicit* grant made strictly after it (a re-subscription
      with evidence); an older or implied grant never overrides it.
    - Otherwise the newest statement stands; at equal times the more restrictive one wins.
    """
    known = [e for e in events if e.status in _RESTRICTIVENESS]
    if not known:
        return None
    withdrawals = [e for e in known if e.status is ConsentStatus.WITHDRAWN]
    if withdrawals:
        last_out = max(withdrawals, key=_order)
        regrants = [
            e
            for e in known
            if e.status is not ConsentStatus.WITHDRAWN and e.is_explicit and e.at > last_out.at
        ]
        return max(regrants, key=_order) if regrants else last_out
    return max(known, key=_order)


def _order(event: ConsentEvent) -> tuple[datetime, int, bool, str]:
    return (event.at, _RESTRICTIVENESS[event.status], event.is_explicit, event.system)
