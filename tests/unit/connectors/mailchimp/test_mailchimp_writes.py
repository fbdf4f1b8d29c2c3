"""Writing members to the sandbox: consent rules, compliance states, erasure, address changes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from connectors.base import (
    Consent,
    ConsentStatus,
    FailureKind,
    FieldValue,
    WriteFailure,
    WriteOp,
    WriteOutcome,
    WriteResult,
)
from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.mapping import subscriber_hash
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.sandbox import EmailStatus, SeedPerson

GRANTED = (Consent("email", ConsentStatus.GRANTED),)


def upsert(
    email: str,
    fields: dict[str, FieldValue] | None = None,
    *,
    consent: tuple[Consent, ...] = GRANTED,
    external_id: str | None = None,
) -> WriteOp:
    return WriteOp(
        op_id=email,
        external_id=external_id,
        fields={"email_address": email, **(fields or {})},
        key=email,
        consent=consent,
    )


def seed(
    sandbox: MailchimpSandbox,
    email: str,
    status: EmailStatus = "subscribed",
    tags: tuple[str, ...] = (),
) -> str:
    (member_id,) = sandbox.seed([SeedPerson(email=email, email_status=status, tags=tags)])
    return member_id


def failure_of(result: WriteResult) -> tuple[WriteOutcome, FailureKind | None, str | None]:
    failure: WriteFailure | None = result.failure
    return result.outcome, failure.kind if failure else None, failure.code if failure else None


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned"])
def test_granted_consent_for_a_member_in_compliance_state_asks_for_double_opt_in(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, status: EmailStatus
) -> None:
    member_id = seed(sandbox, "left@example.org", status)

    (result,) = connector.write("members", [upsert("left@example.org")])

    assert (result.outcome, result.external_id) == (WriteOutcome.UPDATED, member_id)
    assert sandbox.member(member_id).status == "pending"


def test_without_double_opt_in_a_compliance_state_fails_and_stays_unsubscribed(
    make_connector: Callable[..., MailchimpConnector], sandbox: MailchimpSandbox
) -> None:
    member_id = seed(sandbox, "left@example.org", "unsubscribed")
    connector = make_connector(double_opt_in=False)

    (result,) = connector.write("members", [upsert("left@example.org")])

    assert failure_of(result) == (WriteOutcome.FAILED, FailureKind.REJECTED, "compliance_state")
    assert sandbox.member(member_id).status == "unsubscribed"


def test_an_erased_address_is_rejected_and_not_recreated(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    member_id = seed(sandbox, "gone@example.org")
    api.post(f"/members/{member_id}/actions/delete-permanent").raise_for_status()

    (with_consent,) = connector.write("members", [upsert("gone@example.org")])
    (without,) = connector.write("members", [upsert("GONE@example.org", consent=())])

    erased = (WriteOutcome.FAILED, FailureKind.REJECTED, "forgotten_email")
    assert (failure_of(with_consent), failure_of(without)) == (erased, erased)
    assert api.get(f"/members/{member_id}").status_code == 404


def test_an_address_change_patches_the_old_hash(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    old_id = seed(sandbox, "ada@example.org")
    calls_before = sandbox.write_calls()

    (result,) = connector.write(
        "members", [upsert("ada@lovelace.example", consent=(), external_id=old_id)]
    )

    new_id = subscriber_hash("ada@lovelace.example")
    assert (result.outcome, result.external_id) == (WriteOutcome.UPDATED, new_id)
    assert api.get(f"/members/{old_id}").status_code == 404
    assert sandbox.member(new_id).status == "subscribed"
    assert sandbox.write_calls() - calls_before == 1


def test_an_address_change_for_a_vanished_member_creates_the_new_address(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    (result,) = connector.write(
        "members", [upsert("new@example.org", external_id=subscriber_hash("old@example.org"))]
    )

    assert (result.outcome, result.external_id) == (
        WriteOutcome.CREATED,
        subscriber_hash("new@example.org"),
    )


def test_an_op_without_consent_never_changes_a_subscription(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    kept_id = seed(sandbox, "kept@example.org", "unsubscribed")
    fields: dict[str, FieldValue] = {"merge_fields.FNAME": "Kept"}

    existing, new = connector.write(
        "members",
        [upsert("kept@example.org", fields, consent=()), upsert("new@example.org", consent=())],
    )

    assert existing.outcome is WriteOutcome.UPDATED
    assert sandbox.member(kept_id).status == "unsubscribed"
    assert sandbox.member(kept_id).merge_fields["FNAME"] == "Kept"
    assert new.outcome is WriteOutcome.CREATED
    assert sandbox.member("new@example.org").status == "transactional"


def test_withdrawn_consent_unsubscribes(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    member_id = seed(sandbox, "bye@example.org")
    withdrawn = (Consent("email", ConsentStatus.WITHDRAWN),)

    (result,) = connector.write("members", [upsert("bye@example.org", consent=withdrawn)])

    assert result.outcome is WriteOutcome.UPDATED
    assert sandbox.member(member_id).status == "unsubscribed"


def test_tags_are_set_to_the_wanted_set(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    member_id = seed(sandbox, "tagged@example.org", tags=("old", "kept"))

    (result,) = connector.write(
        "members", [upsert("tagged@example.org", {"tags": ("kept", "new")}, consent=())]
    )

    assert result.outcome is WriteOutcome.UPDATED
    assert set(sandbox.member(member_id).tags) == {"kept", "new"}


def test_unchanged_tags_cost_no_call(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    seed(sandbox, "tagged@example.org", tags=("kept",))
    calls_before = sandbox.write_calls()

    connector.write("members", [upsert("tagged@example.org", {"tags": ("kept",)})])

    assert sandbox.write_calls() - calls_before == 1


def test_a_delete_archives_the_member(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    member_id = seed(sandbox, "leaving@example.org")
    gone = WriteOp("d1", member_id, {}, is_delete=True)
    never = WriteOp("d2", subscriber_hash("never@example.org"), {}, is_delete=True)

    archived, unknown = connector.write("members", [gone, never])

    assert (archived.outcome, unknown.outcome) == (WriteOutcome.DELETED, WriteOutcome.DELETED)
    assert sandbox.member(member_id).status == "archived"


def test_a_full_batch_of_new_members_costs_one_call(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    ops = [upsert(f"p{i:03d}@example.org") for i in range(500)]

    results = connector.write("members", ops)

    assert {r.outcome for r in results} == {WriteOutcome.CREATED}
    assert [r.op_id for r in results] == [op.op_id for op in ops]
    assert sandbox.write_calls() == 1


def test_ops_with_and_without_consent_cost_one_call_each(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    ops = [upsert(f"p{i:03d}@example.org", consent=GRANTED if i % 2 else ()) for i in range(40)]

    results = connector.write("members", ops)

    assert {r.outcome for r in results} == {WriteOutcome.CREATED}
    assert sandbox.write_calls() == 2


def test_an_invalid_address_fails_alone(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    good, bad = connector.write("members", [upsert("ok@example.org"), upsert("no-at-sign")])

    assert good.outcome is WriteOutcome.CREATED
    assert failure_of(bad) == (WriteOutcome.FAILED, FailureKind.REJECTED, "invalid_email")


def test_the_same_address_twice_in_one_write_retries_the_second(
    connector: MailchimpConnector,
) -> None:
    first = upsert("twice@example.org")
    second = WriteOp("again", None, {"email_address": "Twice@example.org"}, key="Twice@example.org")

    one, two = connector.write("members", [first, second])

    assert one.outcome is WriteOutcome.CREATED
    assert failure_of(two) == (WriteOutcome.FAILED, FailureKind.RETRYABLE, "duplicate_in_batch")


def test_an_op_known_only_by_id_patches_that_member(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    member_id = seed(sandbox, "known@example.org")
    by_id = WriteOp("p1", member_id, {"merge_fields.LNAME": "Known"})
    lost = WriteOp("p2", subscriber_hash("lost@example.org"), {"merge_fields.LNAME": "Lost"})

    patched, missing = connector.write("members", [by_id, lost])

    assert patched.outcome is WriteOutcome.UPDATED
    assert sandbox.member(member_id).merge_fields["LNAME"] == "Known"
    assert failure_of(missing) == (WriteOutcome.FAILED, FailureKind.CONFLICT, "not_found")


def test_a_merge_value_mailchimp_refuses_fails_that_member(
    connector: MailchimpConnector,
) -> None:
    bad_birthday: dict[str, FieldValue] = {"merge_fields.BIRTHDAY": "13/45"}

    (result,) = connector.write("members", [upsert("odd@example.org", bad_birthday)])

    assert failure_of(result) == (WriteOutcome.FAILED, FailureKind.REJECTED, "invalid_field")


def test_one_changed_address_part_keeps_the_others(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    person = SeedPerson(
        email="home@example.org", street="1 Main St", city="Springfield", postcode="62701"
    )
    (member_id,) = sandbox.seed([person])
    sandbox.edit_member(
        member_id, merge_fields={"ADDRESS": {**_address(sandbox, member_id), "state": "IL"}}
    )
    moved: dict[str, FieldValue] = {"merge_fields.ADDRESS.city": "Shelbyville"}

    (result,) = connector.write("members", [upsert("home@example.org", moved, consent=())])

    assert result.outcome is WriteOutcome.UPDATED
    assert _address(sandbox, member_id) == {
        "addr1": "1 Main St",
        "addr2": "",
        "city": "Shelbyville",
        "state": "IL",
        "zip": "62701",
        "country": "US",
    }


def _address(sandbox: MailchimpSandbox, member_id: str) -> dict[str, str]:
    address = sandbox.member(member_id).merge_fields["ADDRESS"]
    assert isinstance(address, dict)
    return address
