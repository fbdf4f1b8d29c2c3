"""Durations of a step's parts, for logs and metrics: where a cycle spends its time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Stopwatch:
    """Accumulates wall seconds per named part; :meth:`as_fields` suits a log line."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def as_fields(self) -> dict[str, float]:
        return {f"{name}_s": round(value, 4) for name, value in self.seconds.items()}
