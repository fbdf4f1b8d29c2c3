"""The reusable contract suite every connector runs against its sandbox.

Subclass :class:`ConnectorContract` in a test module, set ``kind`` and ``stream``, and provide
a ``sandbox`` fixture (a fresh :class:`~connectors.toolkit.sandbox.Sandbox` built on the
``clock`` fixture, so sandbox and connector share one time) plus the two write ops below.
Every test talks to the sandbox over real HTTP on loopback; time comes from a
:class:`~connectors.toolkit.clock.ManualClock`, so retries never wait.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import Any, ClassVar

import pytest
import structlog

from connectors.base import (
    ENTRY_POINT_GROUP,
    AuthError,
    Connector,
    ConnectorDeps,
    ConnectorFactory,
    ConnectorSettings,
    FailureKind,
    Page,
    Record,
    Secret,
    WriteOp,
    WriteOutcome,
)
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import Fault, Sandbox, SandboxServer, SeedPerson

ONE_HOUR = timedelta(hours=1)


def load_factory(kind: str) -> ConnectorFactory:
    """The connector factory registered under ``kind`` in the entry-point group."""
    (entry,) = entry_points(group=ENTRY_POINT_GROUP, name=kind)
    factory: ConnectorFactory = entry.load()
    return factory


def seed_people(count: int, until: datetime | None = None) -> list[SeedPerson]:
    """Plain, valid people with distinct emails, enough to span several pages.

    With ``until``, their modification times are spread one hour apart up to that moment,
    so an incremental read has a watermark to move past.
    """
    return [
        SeedPerson(
            email=f"person{i:05d}@example.org",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            email_status="subscribed",
            modified_at=until - (count - i) * ONE_HOUR if until else None,
        )
        for i in range(count)
    ]


class ConnectorContract:
    """Behaviour every connector must show against its sandbox."""

    kind: ClassVar[str]
    stream: ClassVar[str]
    small_pages: ClassVar[dict[str, Any]] = {}
    """Options that shrink page sizes so that paging is exercised with few records."""
    people_count: ClassVar[int] = 45

    def valid_write_op(self) -> WriteOp:
        """A write the vendor accepts: a new person keyed by a fresh email."""
        raise AssertionError("the contract subclass must provide valid_write_op")

    def rejected_write_op(self) -> WriteOp:
        """A write the vendor refuses for this record only (an invalid email, say)."""
        raise AssertionError("the contract subclass must provide rejected_write_op")

    # --- fixtures ---------------------------------------------------------------------------

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock()

    @pytest.fixture
    def server(self, sandbox: Sandbox) -> Iterator[SandboxServer]:
        with SandboxServer(sandbox.app) as server:
            yield server

    @pytest.fixture
    def settings(self, sandbox: Sandbox, server: SandboxServer) -> ConnectorSettings:
        base = sandbox.settings("system-under-test", server.base_url)
        return replace(base, options={**base.options, **self.small_pages})

    @pytest.fixture
    def connector(self, settings: ConnectorSettings, clock: ManualClock) -> Iterator[Connector]:
        connector = load_factory(self.kind)(settings, ConnectorDeps(clock=clock))
        yield connector
        connector.close()

    @pytest.fixture
    def seeded(self, sandbox: Sandbox, clock: ManualClock) -> list[str]:
        return sandbox.seed(seed_people(self.people_count, until=clock.now()))

    # --- reads --------------------------------------------------------------------------------

    def test_kind_matches_entry_point(self, connector: Connector) -> None:
        assert connector.kind == self.kind

    def test_full_read_returns_every_record_once(
        self, connector: Connector, seeded: list[str]
    ) -> None:
        pages = list(connector.read(self.stream, None))

        ids = [r.external_id for p in pages for r in p.records]
        assert sorted(ids) == sorted(seeded)
        assert len(pages) > 1, "small_pages should make the read span several pages"

    def test_resuming_from_any_cursor_loses_nothing(
        self, connector: Connector, seeded: list[str]
    ) -> None:
        pages = list(connector.read(self.stream, None))

        for index, page in enumerate(pages):
            if page.cursor is None:
                continue
            before = {r.external_id for p in pages[: index + 1] for r in p.records}
            resumed = connector.read(self.stream, page.cursor)
            after = {r.external_id for p in resumed for r in p.records}
            assert before | after == set(seeded)

    def test_incremental_read_after_last_cursor_sees_a_change(
        self, connector: Connector, sandbox: Sandbox, seeded: list[str], clock: ManualClock
    ) -> None:
        cursor = _last_cursor(connector.read(self.stream, None))
        clock.advance(3 * 3600)
        (changed,) = sandbox.seed([replace(seed_people(1)[0], email="late@example.org")])

        later = [r.external_id for p in connector.read(self.stream, cursor) for r in p.records]

        assert changed in later
        assert len(later) < len(seeded)

    def test_fetch_by_id_returns_known_and_skips_unknown(
        self, connector: Connector, seeded: list[str]
    ) -> None:
        records = connector.fetch(self.stream, [seeded[0], seeded[1], "999999999"])

        assert sorted(r.external_id for r in records) == sorted(seeded[:2])

    def test_malformed_item_is_rejected_and_the_rest_goes_on(
        self, connector: Connector, sandbox: Sandbox, seeded: list[str]
    ) -> None:
        bad = sandbox.add_malformed(self.stream)

        pages = list(connector.read(self.stream, None))

        rejected = [x for p in pages for x in p.rejected]
        assert [x.external_id for x in rejected] == [bad]
        assert rejected[0].reason
        assert sorted(r.external_id for p in pages for r in p.records) == sorted(seeded)

    # --- faults ------------------------------------------------------------------------------

    def test_wrong_credentials_raise_auth_error(
        self, settings: ConnectorSettings, clock: ManualClock, seeded: list[str]
    ) -> None:
        wrong = {k: Secret("wrong-" + v.reveal()) for k, v in settings.credentials.items()}
        connector = load_factory(self.kind)(
            replace(settings, credentials=wrong), ConnectorDeps(clock=clock)
        )

        with pytest.raises(AuthError):
            list(connector.read(self.stream, None))
        connector.close()

    @pytest.mark.parametrize("status", [429, 500, 503])
    def test_throttling_and_server_errors_are_retried(
        self,
        status: int,
        connector: Connector,
        sandbox: Sandbox,
        seeded: list[str],
        clock: ManualClock,
    ) -> None:
        sandbox.inject(Fault(status=status, times=2))

        ids = [r.external_id for p in connector.read(self.stream, None) for r in p.records]

        assert sorted(ids) == sorted(seeded)
        assert len(clock.slept) >= 2

    # --- writes ------------------------------------------------------------------------------

    def test_rejected_write_is_a_per_record_error(
        self, connector: Connector, sandbox: Sandbox
    ) -> None:
        good, bad = self.valid_write_op(), self.rejected_write_op()

        results = {r.op_id: r for r in connector.write(self.stream, [good, bad])}

        assert results[good.op_id].outcome is WriteOutcome.CREATED
        assert results[good.op_id].external_id
        failure = results[bad.op_id].failure
        assert results[bad.op_id].outcome is WriteOutcome.FAILED
        assert failure is not None
        assert failure.kind is FailureKind.REJECTED

    def test_repeated_write_updates_instead_of_duplicating(self, connector: Connector) -> None:
        op = self.valid_write_op()

        first = connector.write(self.stream, [op])
        second = connector.write(self.stream, [op])

        assert first[0].outcome is WriteOutcome.CREATED
        assert second[0].outcome is WriteOutcome.UPDATED
        assert second[0].external_id == first[0].external_id
        records = [r for p in connector.read(self.stream, None) for r in p.records]
        assert [r.external_id for r in records].count(first[0].external_id or "") == 1

    def test_written_record_reads_back(self, connector: Connector) -> None:
        op = self.valid_write_op()

        (result,) = connector.write(self.stream, [op])
        (record,) = connector.fetch(self.stream, [result.external_id or ""])

        assert _has_fields(record, op)

    # --- logs --------------------------------------------------------------------------------

    def test_no_secret_or_personal_data_in_logs(
        self,
        connector: Connector,
        sandbox: Sandbox,
        settings: ConnectorSettings,
        seeded: list[str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        sandbox.inject(Fault(status=503, times=1))
        caplog.set_level(logging.DEBUG)

        with structlog.testing.capture_logs() as captured:
            list(connector.read(self.stream, None))
            connector.write(self.stream, [self.valid_write_op(), self.rejected_write_op()])

        text = caplog.text + repr(captured)
        for secret in settings.credentials.values():
            assert secret.reveal() not in text
        assert "@example.org" not in text


def _last_cursor(pages: Iterator[Page]) -> str | None:
    cursor = None
    for page in pages:
        cursor = page.cursor or cursor
    return cursor


def _has_fields(record: Record, op: WriteOp) -> bool:
    return all(record.fields.get(k) == v for k, v in op.fields.items())
