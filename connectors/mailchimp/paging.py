"""Resumable scans of a list's members by ``last_changed``, safe over a changing dataset.

Mailchimp pages by offset and filters by ``since_last_changed`` at one-second resolution.
Paging by a growing offset alone skips members when others change during the scan (a
changed member leaves its place and everything behind it moves up), and a watermark taken
with ``>`` misses members changed later in the same second. So each query is re-anchored
at the newest second seen: the window is "members changed at or after second S, sorted by
``last_changed`` ascending, skipping the first K". K only counts members of second S, minus
an overlap, and members already emitted at the boundary are dropped by id, so the
overlap costs a little re-reading but never a duplicate within one read.

A finished scan ends on the watermark for the next read. Members changed in the newest
second seen may still be joined by others in that second, so the next read starts *after*
it only once it is safely in the past: older than the read's start (Mailchimp's own time, the
``Date`` of its first answer, never this host's clock) minus ``settle_s``. Otherwise
the next read starts where that was so (at most the newest second), and reads those members
once more. So a quiet list is not read again and again (a batch write leaves hundreds of
members in one second), and nothing is lost. Without Mailchimp's time, the newest second is
read again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import CursorExpiredError

_PREFIX = "mc1"


@dataclass(frozen=True, slots=True)
class Window:
    """Members with ``last_changed >= since`` (None: all), in ascending order, after ``offset``."""

    since: int | None = None
    offset: int = 0

    def since_param(self) -> str | None:
        """Mailchimp's ``since_last_changed`` means *after*; one second earlier includes S."""
        if self.since is None:
            return None
        return datetime.fromtimestamp(self.since - 1, UTC).isoformat()

    def encode(self) -> str:
        return f"{_PREFIX}:{'' if self.since is None else self.since}:{self.offset}"


def decode_cursor(cursor: str) -> Window:
    """The window a cursor of ours names; anything else means the stream must be resynced."""
    prefix, _, rest = cursor.partition(":")
    since, _, offset = rest.partition(":")
    try:
        if prefix != _PREFIX:
            raise ValueError(prefix)
        return Window(int(since) if since else None, int(offset))
    except ValueError:
        raise CursorExpiredError("mailchimp: not a members cursor; a full read is needed") from None


def start_window(cursor: str | None, since: datetime | None) -> Window:
    if cursor is not None:
        return decode_cursor(cursor)
    if since is not None:
        return Window(math.floor(since.timestamp()), 0)
    return Window()


class Scan:
    """One read's position and its boundary dedupe; not shared between reads."""

    def __init__(self, start: Window, page_size: int, settle_s: int = 60) -> None:
        self.window = start
        self._start = start
        self._page_size = page_size
        self._settle_s = settle_s
        self._settled: int | None = None
        self._newest: int | None = None
        # Re-read a few members of the boundary second in case some left it meanwhile.
        self._overlap = min(page_size - 1, max(1, page_size // 50))
        self._emitted: dict[int, set[str]] = {}

    def observe_start(self, server_s: int | None) -> None:
        """Mailchimp's time at the read's first answer; seconds up to ``settle_s`` before it
        can no longer gain members. Later answers do not move it."""
        if self._settled is None and server_s is not None:
            self._settled = server_s - self._settle_s

    def is_new(self, member_id: str, changed_at: int) -> bool:
        """False for a member already emitted in this read with the same ``last_changed``."""
        seen = self._emitted.setdefault(changed_at, set())
        if member_id in seen:
            return False
        seen.add(member_id)
        return True

    def advance(self, stamps: list[int], item_count: int) -> bool:
        """Move past a page of ``item_count`` items (``stamps``: their ``last_changed``).

        Returns True when the scan is complete (a short page); the window then is the
        watermark for the next incremental read.
        """
        if stamps:
            self._newest = max(stamps if self._newest is None else [*stamps, self._newest])
        if item_count < self._page_size:
            self.window = Window(self._watermark(), 0)
            return True
        if not stamps:
            self.window = Window(self.window.since, self.window.offset + item_count)
            return False
        newest = stamps[-1]
        if newest == self.window.since:
            offset = self.window.offset + item_count
        else:
            offset = sum(1 for s in stamps if s == newest)
        self.window = Window(newest, max(0, offset - self._overlap))
        # Keep the second before the boundary too: should ``since_last_changed`` ever mean
        # "at or after", its members would come back, and must not be emitted twice.
        for second in [s for s in self._emitted if s < newest - 1]:
            del self._emitted[second]
        return False

    def _watermark(self) -> int | None:
        """Where the next read starts (see the module's docstring)."""
        newest = self._newest
        if newest is None:
            return self._start.since
        if self._settled is None:
            return newest
        if newest < self._settled:
            return newest + 1
        return max(self._start.since or 0, min(newest, self._settled))
