"""Vendor time encodings to UTC-aware datetimes and back, at the connector boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def parse_iso8601(raw: str) -> datetime:
    """Parse ISO 8601 with ``Z`` or an offset; a naive value is taken as UTC."""
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_iso8601_ms(value: datetime) -> str:
    """``2019-10-30T03:30:17.883Z``: UTC with milliseconds, as HubSpot writes it."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def from_epoch_ms(raw: int | str) -> datetime:
    return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)


def to_epoch_ms(value: datetime) -> int:
    return int(value.astimezone(UTC).timestamp() * 1000)


def date_to_epoch_ms(value: date) -> int:
    """A date as midnight UTC in epoch ms, never through a time-zone conversion."""
    return to_epoch_ms(datetime.combine(value, time(0), tzinfo=UTC))
