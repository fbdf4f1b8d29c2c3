"""Writes through ``/batches``: write calls per op, each operation's answer, the wait bound."""

from __future__ import annotations

import io
import json
import math
import tarfile
from collections.abc import Callable

import httpx
import pytest

from connectors.base import (
    ConnectorDeps,
    Consent,
    ConsentStatus,
    FailureKind,
    FieldValue,
    WriteOp,
    WriteOutcome,
    WriteResult,
)
from connectors.mailchimp.batches import read_results
from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.mapping import subscriber_hash
from connectors.mailchimp.models import BatchOperationResult
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.mailchimp.sandbox.batches import RESULTS_PREFIX
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import EmailStatus, Fault, SandboxServer, SeedPerson

GRANTED = (Consent("email", ConsentStatus.GRANTED),)
WITHDRAWN = (Consent("email", ConsentStatus.WITHDRAWN),)


def seed_many(
    sandbox: MailchimpSandbox, count: int, prefix: str, status: EmailStatus = "subscribed"
) -> list[str]:
    people = [
        SeedPerson(email=f"{prefix}{i:04d}@example.org", email_status=status) for i in range(count)
    ]
    return sandbox.seed(people)


def update(
    member_id: str, fields: dict[str, FieldValue], consent: tuple[Consent, ...] = ()
) -> WriteOp:
    """A known member's change as the engine sends it: by id, no address, no key."""
    return WriteOp(op_id=f"op-{member_id}", external_id=member_id, fields=fields, consent=consent)


def create(email: str, consent: tuple[Consent, ...] = ()) -> WriteOp:
    return WriteOp(
        op_id=f"op-{email}",
        external_id=None,
        fields={"email_address": email},
        key=email,
        consent=consent,
    )


# Checking each of a thousand operations inside /batches against the spec takes ~8 ms apiece;
# the smaller tests below check them, the large ones count calls without it.
UNCHECKED_OPERATIONS = pytest.mark.parametrize("sandbox_options", [{"wrap_operations": None}])


def failure_of(result: WriteResult) -> tuple[WriteOutcome, FailureKind | None, str | None]:
    failure = result.failure
    return result.outcome, failure.kind if failure else None, failure.code if failure else None


@UNCHECKED_OPERATIONS
def test_1200_updates_of_known_members_cost_three_write_calls(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    ids = seed_many(sandbox, 1200, "known")
    ops = [update(member_id, {"merge_fields.FNAME": f"N{i}"}) for i, member_id in enumerate(ids)]

    results = connector.write("members", ops)

    assert sandbox.write_calls() == 3
    assert [(r.op_id, r.outcome, r.external_id) for r in results] == [
        (op.op_id, WriteOutcome.UPDATED, op.external_id) for op in ops
    ]
    assert [sandbox.member(ids[i]).merge_fields["FNAME"] for i in (0, 599, 1199)] == [
        "N0",
        "N599",
        "N1199",
    ]
    assert {sandbox.member(member_id).status for member_id in ids} == {"subscribed"}


@UNCHECKED_OPERATIONS
def test_a_mix_of_creates_consent_changes_and_updates_costs_one_call_per_kind_and_500(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    known = seed_many(sandbox, 700, "known")
    ops = [create(f"new{i:04d}@example.org") for i in range(300)]
    ops += [create(f"opted{i:04d}@example.org", GRANTED) for i in range(200)]
    ops += [update(member_id, {}, WITHDRAWN) for member_id in known[:100]]
    ops += [update(member_id, {"merge_fields.LNAME": "Changed"}) for member_id in known[100:650]]
    ops += [update(member_id, {"tags": ("vip",)}) for member_id in known[650:]]

    results = connector.write("members", ops)

    # Batch subscribe without and with consent (one call each); one /batches round of 650
    # PATCHes (two calls); one round of the 50 tag changes the PATCH answers showed (one call).
    assert sandbox.write_calls() == 5
    assert sandbox.write_calls() <= math.ceil(len(ops) / 500) + 4
    assert {r.outcome for r in results[:500]} == {WriteOutcome.CREATED}
    assert {r.outcome for r in results[500:]} == {WriteOutcome.UPDATED}
    assert sandbox.member("new0000@example.org").status == "transactional"
    assert sandbox.member("opted0199@example.org").status == "subscribed"
    assert sandbox.member(known[0]).status == "unsubscribed"
    assert sandbox.member(known[649]).merge_fields["LNAME"] == "Changed"
    assert set(sandbox.member(known[699]).tags) == {"vip"}


def test_each_operation_of_a_batch_gets_its_own_result(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    fine, broken, flaky = seed_many(sandbox, 3, "member")
    (left,) = seed_many(sandbox, 1, "left", status="unsubscribed")
    sandbox.inject_into_batches(
        Fault(
            status=503, method="PATCH", path_prefix=f"/3.0/lists/{sandbox.list_id}/members/{flaky}"
        )
    )
    ops = [
        update(fine, {"merge_fields.FNAME": "Fine"}),
        update(subscriber_hash("nobody@example.org"), {"merge_fields.FNAME": "Gone"}),
        update(broken, {"merge_fields.BIRTHDAY": "13/45"}),
        update(flaky, {"merge_fields.FNAME": "Flaky"}),
        update(left, {}, GRANTED),
    ]

    results = connector.write("members", ops)

    assert [failure_of(r) for r in results] == [
        (WriteOutcome.UPDATED, None, None),
        (WriteOutcome.FAILED, FailureKind.CONFLICT, "not_found"),
        (WriteOutcome.FAILED, FailureKind.REJECTED, "invalid_field"),
        (WriteOutcome.FAILED, FailureKind.RETRYABLE, "vendor_unavailable"),
        (WriteOutcome.UPDATED, None, None),
    ]
    # Granted consent for a member who left is asked again as pending (double opt-in).
    assert sandbox.member(left).status == "pending"
    assert sandbox.write_calls() == 2


def test_a_single_update_is_one_direct_patch_without_waiting(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    (member_id,) = seed_many(sandbox, 1, "alone")

    (result,) = connector.write("members", [update(member_id, {"merge_fields.FNAME": "Alone"})])

    assert result.outcome is WriteOutcome.UPDATED
    assert [m for m, _, _ in sandbox.traffic.served if m != "GET"] == ["PATCH"]
    assert clock.slept == []


def test_tags_of_known_members_are_set_in_the_next_round(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    tagged, plain = sandbox.seed(
        [
            SeedPerson(email="tagged@example.org", tags=("old", "kept")),
            SeedPerson(email="plain@example.org"),
        ]
    )
    ops = [update(tagged, {"tags": ("kept", "new")}), update(plain, {"merge_fields.FNAME": "P"})]

    results = connector.write("members", ops)

    assert {r.outcome for r in results} == {WriteOutcome.UPDATED}
    assert set(sandbox.member(tagged).tags) == {"kept", "new"}
    assert sandbox.write_calls() == 2


@pytest.mark.parametrize("sandbox_options", [{"batch_run_after_s": 5.0}])
def test_a_batch_is_polled_at_once_then_at_a_growing_interval_until_it_finishes(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    ids = seed_many(sandbox, 2, "patient")

    results = connector.write("members", [update(i, {"merge_fields.FNAME": "P"}) for i in ids])

    assert {r.outcome for r in results} == {WriteOutcome.UPDATED}
    assert clock.slept == [1.0, 2.0, 4.0]
    polls = [p for m, p, _ in sandbox.traffic.served if m == "GET" and "/batches/" in p]
    assert len(polls) == 4
    assert sandbox.write_calls() == 1


@pytest.mark.parametrize("sandbox_options", [{"batch_run_after_s": 10_000.0}])
def test_a_batch_that_does_not_finish_in_time_is_cancelled_and_its_ops_retried_later(
    make_connector: Callable[..., MailchimpConnector], sandbox: MailchimpSandbox, clock: ManualClock
) -> None:
    ids = seed_many(sandbox, 3, "slow")
    connector = make_connector(batch_wait_s=60)

    results = connector.write("members", [update(i, {"merge_fields.FNAME": "Late"}) for i in ids])

    assert {failure_of(r) for r in results} == {
        (WriteOutcome.FAILED, FailureKind.RETRYABLE, "missing_from_answer")
    }
    assert sum(clock.slept) == 60
    assert sandbox.batches.jobs() == []
    assert [m for m, p, _ in sandbox.traffic.served if p.startswith("/3.0/batches")][-1] == "DELETE"
    assert "Late" not in {sandbox.member(i).merge_fields.get("FNAME") for i in ids}


def test_batch_results_are_fetched_without_the_api_key(
    sandbox: MailchimpSandbox, server: SandboxServer, clock: ManualClock
) -> None:
    ids = seed_many(sandbox, 2, "keyless")
    transport = _RecordingTransport()
    settings = sandbox.settings("newsletter", server.base_url)
    connector = MailchimpConnector(settings, ConnectorDeps(clock=clock, transport=transport))

    try:
        connector.write("members", [update(i, {"merge_fields.FNAME": "K"}) for i in ids])
    finally:
        connector.close()

    downloads = [r for r in transport.requests if r.url.path.startswith(RESULTS_PREFIX)]
    assert len(downloads) == 1
    assert "authorization" not in downloads[0].headers


def test_results_are_read_from_every_json_file_of_the_tarball() -> None:
    first = [{"status_code": 200, "operation_id": "a", "response": "{}"}]
    second = [{"status_code": 404, "operation_id": "b", "response": ""}, {"no": "status"}]
    archive = _tarball({"x/1.json": json.dumps(first), "x/2.json": json.dumps(second)})

    entries = list(read_results(archive))

    assert entries == [
        BatchOperationResult(status_code=200, operation_id="a", response="{}"),
        BatchOperationResult(status_code=404, operation_id="b", response=""),
    ]


def test_an_unreadable_results_archive_yields_no_entries() -> None:
    assert list(read_results(b"not a tarball")) == []


class _RecordingTransport(httpx.HTTPTransport):
    """A real transport that remembers every request it sent (an injected seam, not a patch)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return super().handle_request(request)


def _tarball(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        directory = tarfile.TarInfo("x")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
    return buffer.getvalue()
