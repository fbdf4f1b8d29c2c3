"""The shared connector contract, run by the Mailchimp connector against its checked sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mailchimp_spec import SpecCheck

from connectors.base import Consent, ConsentStatus, WriteOp
from connectors.mailchimp.sandbox import MailchimpSandbox, create_sandbox
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.contract import ConnectorContract


class TestMailchimpContract(ConnectorContract):
    kind = "mailchimp"
    stream = "members"
    small_pages = {"page_size": 10}

    @pytest.fixture
    def sandbox(self, clock: ManualClock) -> Iterator[MailchimpSandbox]:
        check = SpecCheck()
        yield create_sandbox(clock=clock, wrap_app=check.wrap, wrap_operations=check.wrap)
        check.assert_clean()

    def valid_write_op(self) -> WriteOp:
        return WriteOp(
            op_id="new-member",
            external_id=None,
            key="new.member@example.org",
            fields={
                "email_address": "new.member@example.org",
                "merge_fields.FNAME": "Ada",
                "merge_fields.LNAME": "Lovelace",
            },
            consent=(Consent("email", ConsentStatus.GRANTED),),
        )

    def rejected_write_op(self) -> WriteOp:
        return WriteOp(
            op_id="bad-address",
            external_id=None,
            key="not-an-address",
            fields={"email_address": "not-an-address", "merge_fields.FNAME": "Nobody"},
            consent=(Consent("email", ConsentStatus.GRANTED),),
        )
