"""The seam between connectors and the sync engine: the protocol, the records and the errors.

Everything the engine knows about a vendor passes through the names defined here. Connectors
never import ``sync``; the engine never imports a vendor package. A connector is registered
under the entry-point group ``crmsync.connectors`` with its ``kind`` as the entry-point name.

Records cross the seam with *vendor* field names (``firstname``, ``merge_fields.FNAME``) and
values already decoded into Python types; the engine maps them to canonical fields using the
configuration. Consent is not a field: it travels as typed :class:`Consent` values, because
each vendor encodes it differently and the engine applies its own rules to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx

ENTRY_POINT_GROUP = "crmsync.connectors"
SANDBOX_ENTRY_POINT_GROUP = "crmsync.sandboxes"

FieldValue = str | int | float | bool | Decimal | date | datetime | tuple[str, ...] | None
"""A decoded vendor value. Multi-valued fields (tags, checkboxes) are tuples of strings."""

Cursor = str
"""An opaque resume point produced by a connector. The engine stores it, never reads it."""


class Role(StrEnum):
    """What a system is for; the CRM is the leader for master data."""

    CRM = "crm"
    MA = "ma"
    ERP = "erp"
    SHOP = "shop"


class Capability(StrEnum):
    READ_FULL = "read_full"
    READ_INCREMENTAL = "read_incremental"
    WRITE = "write"
    DELETE = "delete"
    WEBHOOKS = "webhooks"
    MERGE = "merge"


class Entity(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What one stream of a connector offers.

    ``write_batch_limit`` is the largest number of records the vendor accepts in one write
    call; the engine never hands :meth:`Connector.write` more than that.
    ``key_field`` is the vendor field that works as a natural upsert key (an email), if any.
    """

    name: str
    entity: Entity
    capabilities: frozenset[Capability]
    write_batch_limit: int = 1
    key_field: str | None = None


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Consent:
    """One channel's consent as a system states it.

    ``is_explicit`` is False for an implied opt-in (a default, an import without evidence);
    such a grant never overrides a withdrawal. ``source_status`` keeps the vendor's own word
    (``cleaned``, ``transactional``) for display and audit.
    """

    channel: str
    status: ConsentStatus
    at: datetime | None = None
    is_explicit: bool = True
    source_status: str | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One record as a system holds it.

    ``modified_at`` is the vendor's own modification time (UTC-aware), never our clock.
    ``previous_ids`` lists ids the record was known under before (a merge's absorbed ids,
    the subscriber hash before an email change), so links can be re-pointed.
    """

    external_id: str
    fields: Mapping[str, FieldValue]
    modified_at: datetime | None = None
    consent: tuple[Consent, ...] = ()
    is_deleted: bool = False
    previous_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item the connector could not decode; the engine quarantines it and goes on.

    ``reason`` names the problem without personal data (``"email: not a valid address"``).
    ``payload`` is the raw item, stored for replay and never logged.
    """

    reason: str
    external_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page:
    """One batch of a read: records, rejected items, and where to resume after them.

    ``cursor`` is None when the page does not move the resume point.
    """

    records: tuple[Record, ...]
    rejected: tuple[Rejected, ...] = ()
    cursor: Cursor | None = None


@dataclass(frozen=True, slots=True)
class WriteOp:
    """One record to create, update or delete in a target system.

    ``external_id`` is the target's id when known; otherwise the connector upserts by
    ``key`` (the natural key value, e.g. the email), so repeating a write never creates a
    duplicate. ``fields`` holds only the vendor fields to change.
    """

    op_id: str
    external_id: str | None
    fields: Mapping[str, FieldValue]
    key: str | None = None
    consent: tuple[Consent, ...] = ()
    is_delete: bool = False


class WriteOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    FAILED = "failed"


class FailureKind(StrEnum):
    """What the engine should do with a failed write: try again later, give up, or look."""

    RETRYABLE = "retryable"
    REJECTED = "rejected"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class WriteFailure:
    kind: FailureKind
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome of one :class:`WriteOp`, matched by ``op_id``.

    ``modified_at`` is the target's modification time after the write when it says so.
    """

    op_id: str
    outcome: WriteOutcome
    external_id: str | None = None
    failure: WriteFailure | None = None
    modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime


class ChangeKind(StrEnum):
    CHANGED = "changed"
    DELETED = "deleted"
    MERGED = "merged"
    ID_CHANGED = "id_changed"


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One change a vendor announced.

    ``record`` is set when the payload carries the data; otherwise the engine fetches the
    record by id. ``is_own_write`` is True when the vendor marks the change as made by us.
    """

    stream: str
    external_id: str
    kind: ChangeKind
    event_id: str
    occurred_at: datetime | None = None
    record: Record | None = None
    previous_id: str | None = None
    is_own_write: bool = False


class Secret:
    """A credential whose value never shows in ``repr``, ``str`` or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class Clock(Protocol):
    """Time as seen by a connector or the engine; injected so tests never sleep."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)  # noqa: TID251 - the one real sleep behind the Clock seam


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Timeouts and retry bounds for one system; retries stop at whichever bound comes first."""

    timeout_s: float = 30.0
    max_attempts: int = 6
    max_retry_s: float = 120.0


@dataclass(frozen=True, slots=True)
class ConnectorSettings:
    """Everything a connector needs to start, already validated and with secrets resolved.

    ``read_fields`` are the vendor fields the configuration maps (so a connector can ask the
    vendor for exactly those); ``options`` holds vendor-specific settings (list id, API
    version) that the connector validates itself and reports as :class:`ConfigurationError`.
    """

    name: str
    role: Role
    base_url: str
    credentials: Mapping[str, Secret]
    options: Mapping[str, Any] = field(default_factory=dict)
    read_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    http: HttpPolicy = field(default_factory=HttpPolicy)


@dataclass(frozen=True, slots=True)
class ConnectorDeps:
    """The I/O seams a connector is built with: HTTP transport and clock."""

    transport: httpx.BaseTransport | None = None
    clock: Clock = field(default_factory=SystemClock)


@runtime_checkable
class Connector(Protocol):
    """One configured system of one kind.

    Reads are resumable: every :class:`Page` carries the cursor after it, and reading again
    from any emitted cursor loses no record (it may repeat some; the engine is idempotent).
    Writes return one :class:`WriteResult` per op, in any order; transport faults are retried
    inside the connector and surface only as :class:`TransientError`.
    """

    kind: ClassVar[str]
    name: str
    role: Role

    def streams(self) -> Mapping[str, StreamInfo]: ...

    def read(
        self, stream: str, cursor: Cursor | None, *, since: datetime | None = None
    ) -> Iterator[Page]:
        """Read ``stream`` after ``cursor`` (None: from the start; ``since``: from that time)."""
        ...

    def fetch(self, stream: str, external_ids: Sequence[str]) -> list[Record]:
        """Read records by id; unknown ids are left out of the result."""
        ...

    def write(self, stream: str, ops: Sequence[WriteOp]) -> list[WriteResult]: ...

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify and decode one webhook delivery; raises :class:`WebhookRejectedError`."""
        ...

    def merge(self, stream: str, primary_id: str, absorbed_id: str) -> str:
        """Merge two records in the vendor (streams with :attr:`Capability.MERGE` only);
        returns the id of the surviving record, which may be new. Raises
        :class:`ConfigurationError` for a stream that cannot merge."""
        ...

    def close(self) -> None: ...


ConnectorFactory = Callable[[ConnectorSettings, ConnectorDeps], Connector]
"""What the entry point names: usually the connector class itself."""


# --- Errors, grouped by what the caller should do --------------------------------------------


class ConnectorError(Exception):
    """Root of everything a connector raises. Messages carry no secrets or personal data."""


class ConfigurationError(ConnectorError):
    """Fix the configuration: unknown stream, bad option, missing vendor object."""


class AuthError(ConfigurationError):
    """The vendor refused the credentials (401/403); fix them, retrying will not help."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class TransientError(ConnectorError):
    """Try again later: retries inside the connector are used up (network, 429, 5xx)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimitedError(TransientError):
    """The vendor is throttling us; ``retry_after_s`` is its hint when it gave one."""

    def __init__(self, message: str, *, status: int = 429, retry_after_s: float | None = None):
        super().__init__(message, status=status)
        self.retry_after_s = retry_after_s


class StreamError(ConnectorError):
    """Stop this stream: the vendor answered in a way the connector cannot go on from."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CursorExpiredError(StreamError):
    """The stored cursor is no longer valid at the vendor; a full resync is needed."""


class WebhookRejectedError(ConnectorError):
    """A webhook delivery failed verification (bad signature, too old, malformed)."""
